"""The dashboard pages and downloads run a constant number of queries, whatever the size of
the school."""

from datetime import timedelta

import pytest
from django.urls import reverse

from dashboards import services
from students.models import Score, Subject
from tests.conftest import make_student

from .factories import TODAY, flag, plan

pytestmark = pytest.mark.django_db


def _busy_school(school, mentor, n):
    maths = Subject.objects.get(school=school, code="wi")
    for i in range(n):
        student = make_student(school, mentor, leerjaar=1 + i % 5)
        Score.objects.create(student=student, subject=maths, test="Toets", date=TODAY - timedelta(days=40),
                             grade=6)
        flag(student, TODAY - timedelta(days=30 + i))
        plan(student, TODAY - timedelta(days=20), next_evaluation=TODAY - timedelta(days=1))
    services.refresh_school(school)


def test_dashboard_pages_run_a_constant_number_of_queries(client, leader_a, inspector, school_a, school_b,
                                                          mentor_a, mentor_b, fixed_today,
                                                          django_assert_max_num_queries):
    _busy_school(school_a, mentor_a, 30)
    _busy_school(school_b, mentor_b, 3)
    client.force_login(leader_a)
    for url in (reverse("dashboards:school", args=["12AB"]),
                reverse("dashboards:school_group", args=["12AB", "havo", 1]),
                reverse("dashboards:group_export", args=["12AB", "havo", 1, "leerlingen", "xlsx"]),
                reverse("dashboards:school_export", args=["12AB", "groepen", "xlsx"])):
        with django_assert_max_num_queries(16):
            assert client.get(url).status_code == 200
    client.force_login(inspector)
    for url in (reverse("dashboards:inspector"), reverse("dashboards:inspector_export", args=["csv"]),
                reverse("dashboards:inspector_school", args=["12AB"])):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
