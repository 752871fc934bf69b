"""The students app learns what later apps hold about a student through students.hooks, which
interventions fills in when it starts. These check the places where that could read
differently from the interventions app's own queries."""

import io
import json
import zipfile
from datetime import date

from django.urls import reverse

from interventions.models import InterventionPlan
from students import hooks
from students.models import Notification


def test_the_running_plans_are_the_interventions_apps_own_running_plans(student_a, plan_a):
    InterventionPlan.objects.create(student=student_a, title="Rekentraining", need="rekenen",
                                    goal="rekenen 1F", started_on=date(2026, 9, 1),
                                    ended_on=date(2026, 10, 1),
                                    status=InterventionPlan.Status.COMPLETED)

    assert set(hooks.active_plans()) == set(InterventionPlan.objects.active()) == {plan_a}
    assert set(hooks.plans()) == set(InterventionPlan.objects.all())


def test_the_export_keeps_plans_between_the_flags_and_the_conversations(client, leader_a,
                                                                         student_a, plan_a):
    client.force_login(leader_a)
    response = client.get(reverse("students:export", args=[student_a.pk]))

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    record = json.loads(next(archive.read(n) for n in archive.namelist() if n.endswith(".json")))
    kinds = list(record)
    assert kinds[kinds.index("flag_events") + 1:kinds.index("conversations")] == [
        "intervention_plans", "plan_evaluations"]
    assert [p["intervention"] for p in record["intervention_plans"]] == ["Huiswerkklas"]


def test_the_menu_counts_the_unread_notifications(client, mentor_a, notification_a, flag_a):
    Notification.objects.create(user=mentor_a, flag=flag_a, text="al gelezen",
                                read_at=flag_a.raised_on)
    client.force_login(mentor_a)

    response = client.get(reverse("students:mine"))

    assert response.context["unread_notifications"] == 1
    assert '<span class="badge text-bg-light">1<span class="visually-hidden">' in response.content.decode()


def test_people_without_students_get_no_notification_count(client, inspector):
    client.force_login(inspector)

    response = client.get("/", follow=True)

    assert "unread_notifications" not in response.context
