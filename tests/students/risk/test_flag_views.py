"""Signalering in the browser: who may open which page, what mentors and school leaders see
and do there, and that the list pages run a fixed number of queries."""

import csv
import io
from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from interventions.models import InterventionPlan
from portal.models import AuditEntry
from portal.schoolyear import SchoolYear
from students.models import (
    Flag, FlagEvent, Level, Notification, PromotionNorm, RiskLevel, RiskRules, Student,
)
from students.flags.selectors import student_flag_context, with_risk
from students.flags.services import acknowledge
from students.risk.settings import Norm, RiskSettings, settings_for
from tests.conftest import make_student
from tests.students.risk.test_rules import grade, make_subjects, struggling

pytestmark = pytest.mark.django_db


# Who may open which page (other schools, colleagues): the matrix in tests/portal/test_permissions.py.

# --- The flag list ---------------------------------------------------------------------------------

def many_flags(school, mentor, n, **fields):
    now = timezone.now()
    start = Student.objects.count()
    students = Student.objects.bulk_create([
        Student(school=school, mentor=mentor, student_number=f"9{start + i:05d}", given_name="Kim",
                family_name=f"Jansen {i}", **{"level": Level.HAVO, "leerjaar": 3,
                                              "class_code": "3H2", **fields})
        for i in range(n)])
    return Flag.objects.bulk_create([
        Flag(student=s, level=RiskLevel.HIGH if i % 2 else RiskLevel.ATTENTION, raised_on=now,
             changed_on=now, reasons=[{"rule": "signals", "text": f"{i} zorgsignalen", "points": 2}])
        for i, s in enumerate(students)])


def test_a_mentor_sees_the_flags_of_own_mentees_highest_first(client, mentor_a, other_mentor_a,
                                                             flag_a, student_b, clock):
    many_flags(flag_a.student.school, other_mentor_a, 2)
    high = make_student(flag_a.student.school, mentor_a, family_name="Hoog")
    Flag.objects.create(student=high, level=RiskLevel.HIGH, raised_on=timezone.now(),
                        changed_on=timezone.now(), reasons=[{"rule": "x", "text": "reden", "points": 4}])
    client.force_login(mentor_a)
    response = client.get(reverse("flags:list"))
    assert [f.student for f in response.context["page"].object_list] == [high, flag_a.student]
    assert "wiskunde 4,2 en Engels 5,1 onder 5,5" in response.content.decode()
    assert AuditEntry.objects.filter(action="list", object_type="flag").exists()


def test_a_leader_sees_every_flag_of_the_school_and_filters(client, leader_a, mentor_a, flag_a, clock):
    many_flags(flag_a.student.school, mentor_a, 4)
    client.force_login(leader_a)
    assert client.get(reverse("flags:list")).context["page"].paginator.count == 5
    only_high = client.get(reverse("flags:list"), {"level": "2"}).context["page"]
    assert only_high.paginator.count == 2
    acknowledge(actor=leader_a, flag=flag_a)
    acknowledged = client.get(reverse("flags:list"), {"status": "acknowledged"}).context["page"]
    assert [f.pk for f in acknowledged.object_list] == [flag_a.pk]


@pytest.mark.parametrize("persona", ["mentor_a", "leader_a"])
def test_the_flag_list_runs_a_fixed_number_of_queries(client, request, mentor_a, persona,
                                                      django_assert_max_num_queries, clock):
    school = mentor_a.memberships.get().school
    client.force_login(request.getfixturevalue(persona))
    many_flags(school, mentor_a, 3)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("flags:list"))
    many_flags(school, mentor_a, 30, class_code="3H3")
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("flags:list"))
    assert len(response.context["page"].object_list) == 33


def test_the_flag_page_shows_reasons_history_and_actions(client, mentor_a, teacher_a, flag_a):
    FlagEvent.objects.create(flag=flag_a, at=flag_a.raised_on, kind="raised", level=1,
                             reasons=flag_a.reasons)
    client.force_login(mentor_a)
    response = client.get(reverse("flags:detail", args=[flag_a.pk]))
    page = response.content.decode()
    assert "wiskunde 4,2 en Engels 5,1 onder 5,5" in page
    assert response.context["events"][0].kind == "raised"
    assert reverse("flags:acknowledge", args=[flag_a.pk]) in page
    client.force_login(teacher_a)
    page = client.get(reverse("flags:detail", args=[flag_a.pk])).content.decode()
    assert "wiskunde 4,2" in page and reverse("flags:acknowledge", args=[flag_a.pk]) not in page


def test_acknowledging_returns_to_the_page_it_came_from(client, mentor_a, flag_a):
    client.force_login(mentor_a)
    response = client.post(reverse("flags:acknowledge", args=[flag_a.pk]),
                           {"next": reverse("flags:list")})
    assert response["Location"] == reverse("flags:list")
    response = client.post(reverse("flags:acknowledge", args=[flag_a.pk]),
                           {"next": "https://elders.example/"})  # twice: told, not changed
    assert response["Location"] == reverse("flags:detail", args=[flag_a.pk])
    assert FlagEvent.objects.filter(kind="acknowledged").count() == 1


# --- The partial for the student page --------------------------------------------------------------

def test_the_student_partial_shows_flag_projection_and_buttons(rf, mentor_a, teacher_a, flag_a, clock):
    student = flag_a.student
    subjects = make_subjects(student.school)
    grade(student, subjects["wi"], "4.2", on=clock.today, days_before=0)
    grade(student, subjects["en"], "6.5", on=clock.today, days_before=0)
    request = rf.get("/")
    request.user = mentor_a
    context = student_flag_context(mentor_a, student)
    assert context["can_act"] and context["flag"] == flag_a
    with translation.override("en"):
        html = render_to_string("students/_flag.html", context, request=request)
    assert "wiskunde 4,2 en Engels 5,1 onder 5,5" in html
    assert "promoted" in html and "voldoet aan de norm: 1 onvoldoende" in html
    assert reverse("flags:dismiss", args=[flag_a.pk]) in html
    context = student_flag_context(teacher_a, student)
    assert not context["can_act"]
    html = render_to_string("students/_flag.html", context, request=request)
    assert reverse("flags:dismiss", args=[flag_a.pk]) not in html


def test_with_risk_annotates_the_current_flag_level(school_a, mentor_a, flag_a, clock):
    calm = make_student(school_a, mentor_a)
    dismissed = make_student(school_a, mentor_a)
    Flag.objects.create(student=dismissed, level=RiskLevel.HIGH, status=Flag.Status.DISMISSED,
                        raised_on=timezone.now(), changed_on=timezone.now())
    levels = dict(with_risk(Student.objects.all()).values_list("pk", "risk_level"))
    assert levels == {flag_a.student_id: 1, calm.pk: 0, dismissed.pk: 0}


# --- Rules ----------------------------------------------------------------------------------------

def rules_form(**changes):
    values = {name: str(value).replace(".", ",") for name, value in
              RiskSettings().to_values().items()}
    return {**values, **changes}


def test_a_leader_sees_the_rules_and_that_no_outcomes_are_recorded(client, leader_a):
    client.force_login(leader_a)
    response = client.get(reverse("flags:rules"))
    assert response.context["form"]["trend_min_drop"].value() == RiskSettings().trend_min_drop
    assert not response.context["evaluation"].has_outcomes


def test_a_leader_changes_the_rules(client, leader_a, school_a):
    client.force_login(leader_a)
    response = client.post(reverse("flags:rules"), rules_form(trend_min_drop="0,6", points_cito="2"))
    assert response.status_code == 302
    stored = RiskRules.objects.get(school=school_a)
    assert stored.values["trend_min_drop"] == 0.6 and stored.updated_by == leader_a
    assert settings_for(school_a).points_cito == 2
    entry = AuditEntry.objects.get(object_type="riskrules")
    assert entry.summary == "signaleringsregels gewijzigd: points_cito, trend_min_drop"
    client.post(reverse("flags:rules"), rules_form(trend_min_drop="0,6", points_cito="2"))
    assert AuditEntry.objects.filter(object_type="riskrules").count() == 1  # nothing changed


def test_saving_the_standard_rules_once_makes_them_the_schools_own(client, leader_a, school_a):
    client.force_login(leader_a)
    response = client.post(reverse("flags:rules"), rules_form(), follow=True)
    assert "Regels opgeslagen: de school houdt de standaardregels aan." in response.content.decode()
    stored = RiskRules.objects.get(school=school_a)
    assert stored.values == RiskSettings().to_values() and stored.updated_by == leader_a
    entry = AuditEntry.objects.get(object_type="riskrules")
    assert entry.summary == "signaleringsregels vastgesteld: de standaardregels, ongewijzigd"
    response = client.post(reverse("flags:rules"), rules_form(), follow=True)
    assert "Er is niets gewijzigd." in response.content.decode()
    assert AuditEntry.objects.filter(object_type="riskrules").count() == 1


def test_invalid_rules_are_shown_with_the_field_and_not_saved(client, leader_a, school_a):
    client.force_login(leader_a)
    response = client.post(reverse("flags:rules"), rules_form(attention_points="5", high_points="4"))
    assert response.status_code == 200
    assert response.context["form"].errors["high_points"]
    assert not RiskRules.objects.exists()


def test_trying_rules_shows_the_numbers_without_saving(client, leader_a, school_a):
    client.force_login(leader_a)
    response = client.post(reverse("flags:rules"), {**rules_form(points_per_insufficient="3"),
                                                    "try": "1"})
    assert response.status_code == 200 and response.context["trial"]
    assert not RiskRules.objects.exists()


def test_the_rules_page_shows_last_years_evaluation(client, leader_a, school_a, clock):
    last_year = SchoolYear(clock.school_year.start_year - 1)
    struggling(school_a, subjects=make_subjects(school_a), on=last_year.start + timedelta(days=60),
               days_before=0)
    client.force_login(leader_a)
    response = client.get(reverse("flags:rules"))
    evaluation = response.context["evaluation"]
    assert evaluation.has_outcomes and evaluation.total.students == 1
    assert "havo 3" in response.content.decode()


# --- Norms ----------------------------------------------------------------------------------------

def norm_form(**changes):
    return {**{k: str(v).replace(".", ",") for k, v in Norm().to_values().items()}, **changes}


def test_a_leader_records_a_norm_for_this_school_year(client, leader_a, school_a, clock):
    client.force_login(leader_a)
    page = client.get(reverse("flags:norms"))
    assert len(page.context["rows"]) == sum(5 if lvl in ("pro", "havo") else 6 if lvl == "vwo" else 4
                                            for lvl in Level.values)
    response = client.post(reverse("flags:norm_edit", args=["havo", 3]),
                           norm_form(max_tekortpunten="2", compensation_average="6,2"))
    assert response.status_code == 302
    norm = PromotionNorm.objects.get()
    year = clock.school_year
    assert (norm.school, norm.school_year, norm.level, norm.leerjaar) == (school_a, year.start_year,
                                                                         "havo", 3)
    assert norm.rules["max_tekortpunten"] == 2 and norm.rules["compensation_average"] == 6.2
    assert AuditEntry.objects.get(object_type="promotionnorm").summary == (
        f"overgangsnorm havo 3 {year} vastgelegd")


def test_an_invalid_norm_is_refused(client, leader_a):
    client.force_login(leader_a)
    response = client.post(reverse("flags:norm_edit", args=["havo", 3]),
                           norm_form(max_below_55="3", max_below_55_with_compensation="2"))
    assert response.status_code == 200
    assert response.context["form"].errors["max_below_55_with_compensation"]
    assert not PromotionNorm.objects.exists()


@pytest.mark.parametrize(("level", "leerjaar"), [("havo", 6), ("mbo", 1), ("vwo", 0)])
def test_a_level_or_leerjaar_that_does_not_exist_is_404(client, leader_a, level, leerjaar):
    client.force_login(leader_a)
    assert client.get(reverse("flags:norm_edit", args=[level, leerjaar])).status_code == 404


def test_norms_are_copied_from_last_school_year(client, leader_a, school_a, clock):
    year = clock.school_year
    for leerjaar in (1, 2):
        PromotionNorm.objects.create(school=school_a, school_year=year.start_year - 1, level="vwo",
                                     leerjaar=leerjaar, rules={"max_tekortpunten": leerjaar})
    PromotionNorm.objects.create(school=school_a, school_year=year.start_year, level="vwo",
                                 leerjaar=2, rules={"max_tekortpunten": 9})
    client.force_login(leader_a)
    assert client.post(reverse("flags:norm_copy")).status_code == 302
    current = dict(PromotionNorm.objects.filter(school_year=year.start_year)
                   .values_list("leerjaar", "rules"))
    assert current == {1: {"max_tekortpunten": 1}, 2: {"max_tekortpunten": 9}}


# --- Export ---------------------------------------------------------------------------------------

def test_a_leader_downloads_the_risk_export(client, leader_a, flag_a):
    client.force_login(leader_a)
    response = client.get(reverse("flags:export"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["leerlingnummer", "risico", "redenen"],
                    [flag_a.student.student_number, "aandacht", "wiskunde 4,2 en Engels 5,1 onder 5,5"]]
    assert AuditEntry.objects.get(action="export").summary == "risico-export: 1 leerling"


# --- Notifications --------------------------------------------------------------------------------

def test_notifications_are_listed_and_marked_read(client, mentor_a, notification_a):
    client.force_login(mentor_a)
    response = client.get(reverse("flags:notifications"))
    assert response.context["unread"] == 1
    assert "nieuwe signalering aandacht: Sanne Visser" in response.content.decode()
    response = client.post(reverse("flags:notification_read", args=[notification_a.pk]), {"open": "1"})
    assert response["Location"] == notification_a.url
    notification_a.refresh_from_db()
    assert notification_a.read_at is not None


def test_all_notifications_are_marked_read_at_once(client, mentor_a, flag_a):
    Notification.objects.bulk_create([Notification(user=mentor_a, text=f"melding {i}")
                                      for i in range(3)])
    client.force_login(mentor_a)
    client.post(reverse("flags:notifications_read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_the_notification_list_runs_a_fixed_number_of_queries(client, mentor_a, flag_a,
                                                              django_assert_max_num_queries):
    client.force_login(mentor_a)
    Notification.objects.bulk_create([Notification(user=mentor_a, flag=flag_a, text="a")] * 1)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("flags:notifications"))
    Notification.objects.bulk_create([Notification(user=mentor_a, flag=flag_a, text=f"m {i}")
                                      for i in range(30)])
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("flags:notifications"))
    assert len(response.context["page"].object_list) == 31


def test_a_flag_page_links_the_plan_that_answers_it(client, mentor_a, flag_a):
    plan = InterventionPlan.objects.create(student=flag_a.student, flag=flag_a, title="Huiswerkklas",
                                           need="planning", goal="huiswerk af",
                                           started_on=flag_a.raised_on.date())
    client.force_login(mentor_a)
    page = client.get(reverse("flags:detail", args=[flag_a.pk])).content.decode()
    assert reverse("interventions:plan_edit", args=[plan.pk]) in page
    assert f"?flag={flag_a.pk}" in page  # start another plan from here
