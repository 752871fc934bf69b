"""Leerlingbespreking: the team reviews a class or leerjaar, agrees on actions, and each
owner finds their actions on 'Mijn acties'."""

from datetime import date, timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal.models import AuditEntry, Role
from students import meetings
from students.models import ActionItem, Category, Level, ReviewItem, Severity, Signal, TeamReview
from tests.conftest import make_student, make_user

pytestmark = pytest.mark.django_db

HELD_ON = date(2026, 11, 18)  # a Wednesday in week 47


def week(number):
    return date.fromisocalendar(2026, number, 1)


def signal(student, week_number, category, severity):
    return Signal.objects.create(student=student, week=week(week_number), category=category,
                                 severity=severity)


def plan(client, **data):
    return client.post(reverse("meetings:review_create"), {"held_on": HELD_ON.isoformat(), **data})


def review_url(review):
    return reverse("meetings:review_detail", args=[review.pk])


def agenda(review):
    return {item.student.family_name: item.reason for item in review.items.select_related("student")}


# --- The agenda -----------------------------------------------------------------------------

def test_the_agenda_holds_urgent_and_repeated_concerns_since_the_last_review(
        client, school_a, mentor_a, student_b):
    TeamReview.objects.create(school=school_a, held_on=date(2026, 11, 4), class_code="3H1")
    urgent = make_student(school_a, mentor_a, family_name="Urgent")
    signal(urgent, 47, Category.MOTIVATION, Severity.URGENT)
    signal(urgent, 46, Category.STUDY_SKILLS, Severity.CONCERN)
    signal(urgent, 47, Category.STUDY_SKILLS, Severity.CONCERN)
    repeated = make_student(school_a, mentor_a, family_name="Herhaald")
    signal(repeated, 46, Category.WELLBEING, Severity.CONCERN)
    signal(repeated, 47, Category.ATTENDANCE, Severity.CONCERN)
    once = make_student(school_a, mentor_a, family_name="Eenmaal")
    signal(once, 47, Category.BEHAVIOUR, Severity.CONCERN)
    for number in (45, 46, 47):
        signal(once, number, Category.HOME, Severity.ATTENTION)
    before_last_review = make_student(school_a, mentor_a, family_name="Eerder")
    signal(before_last_review, 45, Category.MOTIVATION, Severity.URGENT)
    signal(before_last_review, 44, Category.MOTIVATION, Severity.CONCERN)
    signal(before_last_review, 46, Category.MOTIVATION, Severity.CONCERN)
    other_class = make_student(school_a, mentor_a, family_name="Buurklas", class_code="3H2")
    signal(other_class, 47, Category.MOTIVATION, Severity.URGENT)
    left_school = make_student(school_a, mentor_a, family_name="Vertrokken", is_active=False)
    signal(left_school, 47, Category.MOTIVATION, Severity.URGENT)
    signal(student_b, 47, Category.MOTIVATION, Severity.URGENT)

    client.force_login(mentor_a)
    response = plan(client, school=school_a.pk, class_code="3h1")

    review = TeamReview.objects.get(held_on=HELD_ON)
    assert response.status_code == 302 and response["Location"] == review_url(review)
    assert review.class_code == "3H1"
    assert agenda(review) == {
        "Urgent": "urgent: motivatie (week 47); 2× zorg: studievaardigheden",
        "Herhaald": "2× zorg: welbevinden, verzuim",
    }
    page = client.get(review_url(review)).content.decode()
    assert "urgent: motivatie (week 47); 2× zorg: studievaardigheden" in page
    assert "04-11-2026" in page  # the previous review the agenda counts from


def test_signals_of_the_week_before_the_last_review_do_not_count(client, school_a, mentor_a):
    TeamReview.objects.create(school=school_a, held_on=date(2026, 11, 4), class_code="3H1")
    student = make_student(school_a, mentor_a, family_name="Eerder")
    signal(student, 45, Category.MOTIVATION, Severity.URGENT)   # Monday 2 November
    signal(student, 46, Category.MOTIVATION, Severity.CONCERN)  # one concern since: not enough
    client.force_login(mentor_a)
    plan(client, school=school_a.pk, class_code="3H1")
    assert agenda(TeamReview.objects.get(held_on=HELD_ON)) == {}


def test_without_an_earlier_review_the_agenda_looks_back_six_weeks(client, school_a, mentor_a):
    # A review of another class is not this class's previous review.
    TeamReview.objects.create(school=school_a, held_on=date(2026, 11, 11), class_code="3H2")
    recent = make_student(school_a, mentor_a, family_name="Binnen")
    signal(recent, 42, Category.COGNITIVE, Severity.URGENT)
    old = make_student(school_a, mentor_a, family_name="Buiten")
    signal(old, 41, Category.COGNITIVE, Severity.URGENT)
    after = make_student(school_a, mentor_a, family_name="Later")
    signal(after, 48, Category.COGNITIVE, Severity.URGENT)
    client.force_login(mentor_a)
    plan(client, school=school_a.pk, class_code="3H1")
    assert agenda(TeamReview.objects.get(class_code="3H1")) == {"Binnen": "urgent: cognitief (week 42)"}


def test_a_leerjaar_review_covers_every_class_of_that_level_and_leerjaar(client, school_a, leader_a):
    first = make_student(school_a, family_name="Eerste", class_code="3H1")
    second = make_student(school_a, family_name="Tweede", class_code="3H2")
    vwo = make_student(school_a, family_name="Vwo", class_code="3V1", level=Level.VWO)
    for student in (first, second, vwo):
        signal(student, 47, Category.ATTENDANCE, Severity.URGENT)
    client.force_login(leader_a)
    plan(client, school=school_a.pk, level=Level.HAVO, leerjaar="3")
    review = TeamReview.objects.get()
    assert (review.class_code, review.level, review.leerjaar) == ("", Level.HAVO, 3)
    assert set(agenda(review)) == {"Eerste", "Tweede"}

    plan(client, school=school_a.pk, leerjaar="3", held_on="2026-11-25")
    whole_year = TeamReview.objects.get(held_on=date(2026, 11, 25))
    assert set(agenda(whole_year)) == {"Eerste", "Tweede", "Vwo"}


def test_signals_recorded_later_are_added_when_the_agenda_is_updated(client, review_a, mentor_a, school_a):
    late = make_student(school_a, mentor_a, family_name="Laat")
    signal(late, 47, Category.HOME, Severity.URGENT)
    client.force_login(mentor_a)
    response = client.post(reverse("meetings:review_refresh", args=[review_a.pk]))
    assert response.status_code == 302
    assert agenda(review_a) == {"Visser": "urgent: motivatie (week 47)",
                                "Laat": "urgent: thuissituatie (week 47)"}
    client.post(reverse("meetings:review_refresh", args=[review_a.pk]))
    assert review_a.items.count() == 2


# --- Planning a review ---------------------------------------------------------------------

@pytest.mark.parametrize("class_code", ["9Z9", "2V", "4H1"])
def test_the_class_must_exist_among_the_schools_active_students(
        client, school_a, mentor_a, student_a, student_b, class_code):
    make_student(school_a, mentor_a, class_code="4H1", leerjaar=4, is_active=False)
    client.force_login(mentor_a)
    response = plan(client, school=school_a.pk, class_code=class_code)
    assert response.status_code == 200
    assert "class_code" in response.context["form"].errors
    assert not TeamReview.objects.exists()


@pytest.mark.parametrize("data", [{}, {"class_code": "3H1", "leerjaar": "3"},
                                  {"level": Level.HAVO, "leerjaar": "6"}])
def test_a_review_needs_either_a_class_or_a_valid_leerjaar(client, school_a, mentor_a, student_a, data):
    client.force_login(mentor_a)
    response = plan(client, school=school_a.pk, **data)
    assert response.status_code == 200 and response.context["form"].errors
    assert not TeamReview.objects.exists()


def test_the_same_group_cannot_be_planned_twice_on_one_day(client, review_a, mentor_a, school_a):
    client.force_login(mentor_a)
    response = plan(client, school=school_a.pk, class_code="3H1")
    assert response.status_code == 200 and response.context["form"].errors
    assert TeamReview.objects.count() == 1


def test_the_review_list_shows_my_schools_reviews_only(client, review_a, school_b, leader_b, teacher_a):
    TeamReview.objects.create(school=school_b, held_on=date(2026, 10, 7), class_code="2V")
    client.force_login(teacher_a)
    page = client.get(reverse("meetings:review_list")).content.decode()
    assert "18-11-2026" in page and "3H1" in page
    assert "07-10-2026" not in page


# --- Adding and removing students ----------------------------------------------------------

def test_any_other_student_of_the_class_can_be_added_and_removed(client, review_a, school_a, mentor_a):
    classmate = make_student(school_a, mentor_a, given_name="Bram", family_name="Smit")
    next_door = make_student(school_a, mentor_a, family_name="Buurklas", class_code="3H2")
    client.force_login(mentor_a)
    page = client.get(review_url(review_a)).content.decode()
    assert "Smit, Bram" in page and "Buurklas" not in page

    response = client.post(reverse("meetings:review_add_item", args=[review_a.pk]),
                           {"student": classmate.pk})
    item = review_a.items.get(student=classmate)
    assert response["Location"] == f"{review_url(review_a)}#item-{item.pk}"
    assert item.reason == "handmatig toegevoegd"

    refused = client.post(reverse("meetings:review_add_item", args=[review_a.pk]),
                          {"student": next_door.pk})
    assert refused.status_code == 200 and "student" in refused.context["add_form"].errors
    assert not review_a.items.filter(student=next_door).exists()

    remove_url = reverse("meetings:review_item_remove", args=[item.pk])
    assert "Bram Smit" in client.get(remove_url).content.decode()
    assert client.post(remove_url)["Location"] == review_url(review_a)
    assert not review_a.items.filter(student=classmate).exists()
    summaries = list(AuditEntry.objects.values_list("summary", flat=True))
    number = classmate.student_number
    assert f"leerlingbespreking 3H1 18-11-2026: leerling {number} op de agenda gezet" in summaries
    assert f"leerlingbespreking 3H1 18-11-2026: leerling {number} van de agenda gehaald" in summaries


def test_a_student_cannot_be_on_the_agenda_twice(client, review_a, student_a, mentor_a):
    client.force_login(mentor_a)
    response = client.post(reverse("meetings:review_add_item", args=[review_a.pk]),
                           {"student": student_a.pk})
    assert response.status_code == 200
    assert review_a.items.count() == 1


# --- Conclusions and actions ---------------------------------------------------------------

def test_the_conclusion_and_actions_are_saved_and_reach_the_owner(
        client, review_item_a, mentor_a, other_mentor_a, teacher_a, student_a):
    client.force_login(teacher_a)
    response = client.post(reverse("meetings:review_item_save", args=[review_item_a.pk]),
                           {"conclusion": "Huiswerkklas twee keer per week."})
    assert response.status_code == 302
    review_item_a.refresh_from_db()
    assert review_item_a.conclusion == "Huiswerkklas twee keer per week."

    response = client.post(reverse("meetings:review_action_add", args=[review_item_a.pk]), {
        "description": "Ouders bellen over huiswerkklas", "owner": other_mentor_a.pk,
        "due_on": "2026-11-25",
    })
    assert response.status_code == 302
    action = review_item_a.actions.get()
    assert (action.owner, action.due_on, action.done_on) == (other_mentor_a, date(2026, 11, 25), None)
    review_page = client.get(review_url(review_item_a.review)).content.decode()
    assert "Huiswerkklas twee keer per week." in review_page
    assert "Ouders bellen over huiswerkklas" in review_page and "25-11-2026" in review_page

    client.force_login(other_mentor_a)
    mine = client.get(reverse("meetings:my_actions")).content.decode()
    assert "Ouders bellen over huiswerkklas" in mine and "Visser, Sanne" in mine
    assert "25-11-2026" in mine and review_url(review_item_a.review) in mine
    client.force_login(mentor_a)
    not_mine = client.get(reverse("meetings:my_actions")).content.decode()
    assert "Ouders bellen over huiswerkklas" not in not_mine

    number = student_a.student_number
    summaries = list(AuditEntry.objects.values_list("summary", flat=True))
    assert f"leerlingbespreking 3H1 18-11-2026: leerling {number} conclusie" in summaries
    assert f"leerlingbespreking 3H1 18-11-2026: leerling {number} actie toegevoegd" in summaries
    assert not any("Visser" in s or "huiswerk" in s.lower() for s in summaries)


def test_an_action_needs_an_owner_of_this_school_and_a_due_date(client, review_item_a, mentor_a, mentor_b):
    client.force_login(mentor_a)
    for data in ({"description": "Bellen", "owner": mentor_b.pk, "due_on": "2026-11-25"},
                 {"description": "Bellen", "owner": mentor_a.pk, "due_on": ""}):
        response = client.post(reverse("meetings:review_action_add", args=[review_item_a.pk]), data)
        assert response.status_code == 200
        assert response.context["items"][0].action_form.errors
    assert not ActionItem.objects.exists()


def test_the_owner_marks_an_action_done_and_can_reopen_it(client, action_a, other_mentor_a, clock):
    client.force_login(other_mentor_a)
    mine = reverse("meetings:my_actions")
    done_url = reverse("meetings:action_done", args=[action_a.pk])
    response = client.post(done_url, {"done": "1", "next": mine})
    assert response["Location"] == mine
    action_a.refresh_from_db()
    assert action_a.done_on == clock.today
    client.post(done_url, {"done": "1", "next": mine})  # a second click changes nothing
    assert "Gesprek met ouders plannen" not in client.get(mine).content.decode()

    response = client.post(done_url, {"next": "https://elders.example/"})
    assert response["Location"] == f"{review_url(action_a.item.review)}#item-{action_a.item_id}"
    action_a.refresh_from_db()
    assert action_a.done_on is None
    assert "Gesprek met ouders plannen" in client.get(mine).content.decode()
    assert AuditEntry.objects.filter(summary__endswith="actie afgerond").count() == 1
    assert AuditEntry.objects.filter(summary__endswith="actie heropend").count() == 1


def test_my_actions_come_in_due_order_with_overdue_ones_marked(review_item_a, other_mentor_a, rf, clock):
    today = clock.today
    for description, due_on in (("later", today + timedelta(days=3)),
                                ("te laat", today - timedelta(days=2)),
                                ("vandaag", today)):
        ActionItem.objects.create(item=review_item_a, description=description, owner=other_mentor_a,
                                  due_on=due_on)
    ActionItem.objects.create(item=review_item_a, description="al gedaan", owner=other_mentor_a,
                              due_on=today - timedelta(days=9), done_on=today)
    actions = list(meetings.open_actions_for(other_mentor_a))
    assert [a.description for a in actions] == ["te laat", "vandaag", "later"]
    with translation.override("en"):
        html = render_to_string("students/_my_actions.html",
                                {"actions": actions, "today": today}, request=rf.get("/"))
    assert html.count("overdue") == 1
    assert html.index("overdue") < html.index("vandaag")


# --- Who may do what -----------------------------------------------------------------------
# Each role's answer on each URL (another school's review: 404; inspectors and people without a
# role: 403) is proven by the matrix in tests/portal/test_permissions.py.


def test_another_school_cannot_be_chosen_for_a_new_review(client, mentor_b, school_a, student_a):
    client.force_login(mentor_b)
    response = plan(client, school=school_a.pk, class_code="3H1")
    assert response.status_code == 200 and "school" in response.context["form"].errors
    assert not TeamReview.objects.exists()


def test_viewing_a_review_is_logged_by_number(client, review_a, teacher_a):
    client.force_login(teacher_a)
    client.get(review_url(review_a))
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW)
    assert entry.summary == "leerlingbespreking 3H1 18-11-2026: bekeken, 1 leerling op de agenda"
    assert entry.user == teacher_a


def test_creating_a_review_is_logged(client, school_a, mentor_a, student_a):
    signal(student_a, 47, Category.MOTIVATION, Severity.URGENT)
    client.force_login(mentor_a)
    plan(client, school=school_a.pk, class_code="3H1")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE)
    assert entry.summary == "leerlingbespreking 3H1 18-11-2026: aangemaakt, 1 leerling op de agenda"
    assert entry.school == school_a


# --- Constant queries ----------------------------------------------------------------------

def test_the_review_page_runs_constant_queries(client, review_a, school_a, mentor_a, leader_a,
                                               django_assert_max_num_queries):
    owners = [make_user(f"docent{i}@a.example", Role.TEACHER, school_a) for i in range(5)]
    for i in range(30):
        student = make_student(school_a, mentor_a, family_name=f"Agendapunt{i:02d}")
        item = ReviewItem.objects.create(review=review_a, student=student, reason="2× zorg: gedrag")
        for owner in owners[:2]:
            ActionItem.objects.create(item=item, description=f"Actie {i}", owner=owner,
                                      due_on=HELD_ON)
    for i in range(10):
        make_student(school_a, mentor_a, family_name=f"Klasgenoot{i:02d}")
    client.force_login(leader_a)
    with django_assert_max_num_queries(11):
        response = client.get(review_url(review_a))
    page = response.content.decode()
    assert page.count("Agendapunt") >= 30 and "Klasgenoot09" in page


def test_my_actions_runs_constant_queries(client, review_item_a, school_a, mentor_a, other_mentor_a,
                                          django_assert_max_num_queries):
    for i in range(30):
        review = TeamReview.objects.create(school=school_a, held_on=HELD_ON - timedelta(weeks=i),
                                           class_code="3H1")
        student = make_student(school_a, mentor_a, family_name=f"Actieleerling{i:02d}")
        item = ReviewItem.objects.create(review=review, student=student)
        ActionItem.objects.create(item=item, description=f"Bellen {i}", owner=other_mentor_a,
                                  due_on=HELD_ON + timedelta(days=i))
    client.force_login(other_mentor_a)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("meetings:my_actions"))
    assert response.content.decode().count("Actieleerling") >= 30

