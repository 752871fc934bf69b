from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from interventions.models import InterventionPlan
from portal.models import AuditEntry
from students.models import Subject

pytestmark = pytest.mark.django_db


def plan_data(**changes):
    data = {"title": "Interne rebound wiskunde", "need": "Wiskunde zakt sinds september.",
            "goal": "wiskunde minstens 5,5 in januari", "goal_subject": "", "goal_grade": "",
            "goal_date": "", "responsible": "", "started_on": "2026-11-23", "next_evaluation_on": ""}
    data.update(changes)
    return data


def test_a_mentor_starts_a_plan_with_a_dutch_goal_grade(client, mentor_a, student_a):
    wiskunde = Subject.objects.get(school=student_a.school, code="wi")
    client.force_login(mentor_a)
    response = client.post(reverse("interventions:plan_create", args=[student_a.pk]), plan_data(
        goal_subject=wiskunde.pk, goal_grade="5,5", goal_date="2027-01-31", responsible=mentor_a.pk))
    assert response.status_code == 302
    plan = InterventionPlan.objects.get()
    assert (plan.goal_grade, plan.goal_subject, plan.status) == (Decimal("5.5"), wiskunde, "active")
    assert plan.next_evaluation_on == date(2026, 11, 23) + timedelta(weeks=6)  # one six-week cycle
    assert AuditEntry.objects.filter(action="create", object_type="interventionplan").exists()


def test_a_goal_grade_needs_a_subject_and_dates_cannot_precede_the_start(client, mentor_a, student_a):
    client.force_login(mentor_a)
    response = client.post(reverse("interventions:plan_create", args=[student_a.pk]),
                           plan_data(goal_grade="5,5", goal_date="2026-10-01", responsible=mentor_a.pk))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"goal_subject", "goal_date"}
    assert not InterventionPlan.objects.exists()


def test_ending_a_plan_needs_an_end_date_and_clears_the_evaluation(client, mentor_a, student_a):
    plan = InterventionPlan.objects.create(student=student_a, title="Huiswerkklas", need="planning",
                                           goal="huiswerk af", started_on=date(2026, 10, 1),
                                           next_evaluation_on=date(2026, 11, 12))
    client.force_login(mentor_a)
    url = reverse("interventions:plan_edit", args=[plan.pk])
    data = plan_data(title="Huiswerkklas", need="planning", goal="huiswerk af", started_on="2026-10-01",
                     responsible=mentor_a.pk,
                     next_evaluation_on="2026-11-12", status="completed", ended_on="")
    assert client.post(url, data).status_code == 200
    data["ended_on"] = "2026-11-20"
    assert client.post(url, data).status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on, plan.next_evaluation_on) == ("completed", date(2026, 11, 20), None)


def test_a_plan_aiming_at_a_merged_subject_aims_at_the_subject_it_was_merged_into(
        client, mentor_a, leader_a, student_a):
    own = Subject.objects.create(school=student_a.school, code="wisk", name="wiskunde (oud)")
    wiskunde = Subject.objects.get(school=student_a.school, code="wi")
    client.force_login(mentor_a)
    response = client.post(reverse("interventions:plan_create", args=[student_a.pk]), plan_data(
        goal_subject=own.pk, goal_grade="5,5", goal_date="2027-01-31", responsible=mentor_a.pk))
    assert response.status_code == 302, response.context["form"].errors
    client.force_login(leader_a)
    assert client.post(reverse("subjects:merge", args=[own.pk]), {"target": wiskunde.pk}).status_code == 302
    assert InterventionPlan.objects.get().goal_subject == wiskunde
