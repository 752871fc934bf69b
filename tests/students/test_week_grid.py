from datetime import timedelta

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from portal.schoolyear import week_label, week_start
from students.models import Category, Severity, Signal, Subject, WeekNote
from tests.conftest import make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def this_week(clock):
    """The week page opens on the clock's week."""
    return week_start(clock.today)


@pytest.fixture
def last_week(this_week):
    return this_week - timedelta(days=7)


def grid_data(page_context, **changes):
    """What the browser would post: every field with its shown value, then the changes."""
    form = page_context["form"]
    data = {name: ("" if form[name].value() is None else form[name].value()) for name in form.fields}
    data.update(changes)
    return data


@pytest.fixture
def group(clock, school_a, mentor_a):
    """Linda Post's 30 mentees; the page works in the clock's week (so every test here is on it)."""
    return [make_student(school_a, mentor_a, given_name=f"Kind{i:02d}", family_name="Groep")
            for i in range(30)]


def test_the_grid_lists_every_mentee_and_only_mine(this_week, client, mentor_a, group, other_mentor_a, school_a):
    theirs = make_student(school_a, other_mentor_a, family_name="Anders")
    client.force_login(mentor_a)
    response = client.get(reverse("students:week"))
    students = [row["student"] for row in response.context["rows"]]
    assert set(students) == set(group) and theirs not in students
    assert response.context["week"] == this_week


def test_recording_a_week_stores_concerns_and_notes(this_week, client, mentor_a, group):
    client.force_login(mentor_a)
    page = client.get(reverse("students:week"))
    wiskunde = Subject.objects.get(school=group[0].school, code="wi")
    first, second = group[0].pk, group[1].pk
    response = client.post(reverse("students:week"), grid_data(page.context, **{
        f"s-{first}-cognitive": "2", f"subject-{first}": str(wiskunde.pk),
        f"s-{first}-motivation": "1", f"note-{first}": "Huiswerk vaak niet af.",
        f"s-{second}-home": "3",
    }))
    assert response.status_code == 302
    assert sorted(Signal.objects.values_list("student_id", "category", "severity", "subject_id")) == sorted([
        (first, "cognitive", 2, wiskunde.pk), (first, "motivation", 1, None), (second, "home", 3, None)])
    assert WeekNote.objects.get().note == "Huiswerk vaak niet af."
    assert Signal.objects.filter(week=this_week).count() == 3  # empty cells stay empty
    assert AuditEntry.objects.filter(action="update", summary__contains="signalen").count() == 2


def test_saving_twice_never_duplicates(client, mentor_a, group):
    client.force_login(mentor_a)
    page = client.get(reverse("students:week"))
    data = grid_data(page.context, **{f"s-{group[0].pk}-attendance": "2"})
    client.post(reverse("students:week"), data)
    client.post(reverse("students:week"), data)
    assert Signal.objects.count() == 1
    assert Signal.objects.get().history == []


def test_an_edit_keeps_the_earlier_value_in_history(client, mentor_a, group):
    client.force_login(mentor_a)
    page = client.get(reverse("students:week"))
    client.post(reverse("students:week"), grid_data(page.context, **{f"s-{group[0].pk}-behaviour": "3"}))
    page = client.get(reverse("students:week"))
    client.post(reverse("students:week"), grid_data(page.context, **{f"s-{group[0].pk}-behaviour": "1"}))
    signal = Signal.objects.get()
    assert signal.severity == Severity.ATTENTION
    assert [v["severity"] for v in signal.history] == [Severity.URGENT]


def test_last_weeks_open_concerns_are_prefilled_and_can_be_closed(this_week, last_week, client, mentor_a, group):
    Signal.objects.create(student=group[0], week=last_week, category=Category.MOTIVATION,
                          severity=Severity.CONCERN, author=mentor_a)
    Signal.objects.create(student=group[1], week=last_week, category=Category.HOME,
                          severity=Severity.NONE, author=mentor_a)
    client.force_login(mentor_a)
    page = client.get(reverse("students:week"))
    form = page.context["form"]
    assert form[f"s-{group[0].pk}-motivation"].value() == Severity.CONCERN
    assert form[f"s-{group[1].pk}-home"].value() == Severity.NONE
    # Saved unchanged, the concern carries over into this week.
    client.post(reverse("students:week"), grid_data(page.context))
    assert Signal.objects.get(week=this_week).severity == Severity.CONCERN
    # Set to "geen", the concern is closed: stored, so the timeline shows it ended.
    page = client.get(reverse("students:week"))
    client.post(reverse("students:week"), grid_data(page.context, **{f"s-{group[0].pk}-motivation": "0"}))
    assert Signal.objects.get(week=this_week).severity == Severity.NONE


def test_an_earlier_week_can_be_filled_in_but_not_a_future_one(this_week, last_week, client, mentor_a, group):
    client.force_login(mentor_a)
    response = client.get(reverse("students:week"), {"week": week_label(last_week)})
    assert response.context["week"] == last_week
    future = week_label(this_week + timedelta(days=14))
    assert client.get(reverse("students:week"), {"week": future}).context["week"] == this_week
    assert client.get(reverse("students:week"), {"week": "nonsense"}).context["week"] == this_week


def test_a_value_outside_the_scale_is_refused(client, mentor_a, group):
    client.force_login(mentor_a)
    page = client.get(reverse("students:week"))
    response = client.post(reverse("students:week"), grid_data(page.context, **{f"s-{group[0].pk}-home": "7"}))
    assert response.status_code == 200
    assert not Signal.objects.exists()


def test_someone_elses_student_cannot_be_smuggled_in(client, mentor_a, group, student_b):
    client.force_login(mentor_a)
    page = client.get(reverse("students:week"))
    client.post(reverse("students:week"), grid_data(page.context, **{f"s-{student_b.pk}-home": "3"}))
    assert not Signal.objects.filter(student=student_b).exists()


def test_the_grid_runs_a_constant_number_of_queries(last_week, client, mentor_a, group, django_assert_max_num_queries):
    for student in group:
        Signal.objects.create(student=student, week=last_week, category=Category.WELLBEING,
                              severity=Severity.ATTENTION, author=mentor_a)
    client.force_login(mentor_a)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("students:week"))
    with django_assert_max_num_queries(22):
        client.post(reverse("students:week"), grid_data(page.context, **{f"s-{group[3].pk}-home": "2"}))


def test_a_subject_switched_off_is_offered_only_where_it_was_chosen(this_week, last_week, client, mentor_a, group):
    latin = Subject.objects.get(school=group[0].school, code="la")
    Signal.objects.create(student=group[0], week=last_week, category=Category.COGNITIVE,
                          severity=Severity.CONCERN, subject=latin, author=mentor_a)
    Subject.objects.filter(pk=latin.pk).update(is_active=False)
    client.force_login(mentor_a)
    form = client.get(reverse("students:week")).context["form"]
    assert (latin.pk, "Latijn") in form.fields[f"subject-{group[0].pk}"].choices
    Signal.objects.filter(subject=latin).delete()
    form = client.get(reverse("students:week")).context["form"]
    assert (latin.pk, "Latijn") not in form.fields[f"subject-{group[0].pk}"].choices
