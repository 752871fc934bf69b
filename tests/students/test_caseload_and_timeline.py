import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from interventions.models import InterventionPlan
from portal.schoolyear import SchoolYear, week_start
from students.models import Category, Score, Severity, Signal, Subject, WeekNote
from tests.conftest import make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(clock):
    """The caseload and the student page count from the clock's day."""
    return clock.today


@pytest.fixture
def this_week(today):
    return week_start(today)


@pytest.fixture
def signal(this_week):
    def make(student, weeks_ago, category, severity, author=None):
        return Signal.objects.create(student=student, week=this_week - timedelta(weeks=weeks_ago),
                                     category=category, severity=severity, author=author)
    return make


@pytest.fixture
def plan(today):
    def make(student, **fields):
        defaults = {"title": "Bijles wiskunde", "need": "Wiskunde zakt", "goal": "wiskunde ≥ 5,5",
                    "started_on": today - timedelta(days=60), "next_evaluation_on": today + timedelta(days=5)}
        defaults.update(fields)
        return InterventionPlan.objects.create(student=student, **defaults)
    return make


def test_the_caseload_shows_care_level_last_signal_plans_and_overdue_evaluations(client, mentor_a, student_a, today,
                                                                                this_week, signal, plan):
    signal(student_a, 1, Category.MOTIVATION, Severity.CONCERN)
    signal(student_a, 8, Category.HOME, Severity.URGENT)  # older than four weeks
    plan(student_a)
    plan(student_a, title="Huiswerkklas", next_evaluation_on=today - timedelta(days=1))
    plan(student_a, title="Oud plan", status="completed", ended_on=today - timedelta(days=10))
    client.force_login(mentor_a)
    [row] = client.get(reverse("students:mine")).context["students"]
    assert (row.care_level, row.open_plans, row.overdue_evaluations) == (2, 2, 1)
    assert row.last_signal_week == this_week - timedelta(weeks=1)


def test_the_caseload_sorts_and_filters_by_concern(signal, client, mentor_a, school_a):
    calm = make_student(school_a, mentor_a, family_name="Aalbers")
    worried = make_student(school_a, mentor_a, family_name="Zwart")
    signal(worried, 0, Category.WELLBEING, Severity.URGENT)
    client.force_login(mentor_a)
    rows = client.get(reverse("students:mine"), {"sort": "zorg"}).context["students"]
    assert [s.pk for s in rows] == [worried.pk, calm.pk]
    rows = client.get(reverse("students:mine"), {"zorg": "2"}).context["students"]
    assert [s.pk for s in rows] == [worried.pk]


def test_the_caseload_runs_constant_queries(signal, plan, client, mentor_a, school_a, django_assert_max_num_queries):
    for i in range(30):
        student = make_student(school_a, mentor_a)
        signal(student, 0, Category.ATTENDANCE, Severity.ATTENTION)
        plan(student)
    client.force_login(mentor_a)
    with django_assert_max_num_queries(10):
        client.get(reverse("students:mine"), {"sort": "zorg"})


def test_the_student_page_shows_one_timeline(this_week, signal, plan, client, mentor_a, student_a):
    signal(student_a, 2, Category.MOTIVATION, Severity.CONCERN)
    WeekNote.objects.create(student=student_a, week=this_week, note="Gesprek gehad over planning.")
    plan(student_a, title="Huiswerkklas")
    client.force_login(mentor_a)
    response = client.get(student_a.get_absolute_url())
    kinds = [e["kind"] for e in response.context["timeline"]]
    assert kinds == ["note", "signals", "plan_start"]  # newest first
    page = response.content.decode()
    assert "Gesprek gehad over planning." in page and "Huiswerkklas" in page


def test_the_chart_data_has_grades_pass_line_aim_line_and_plan_markers(today, plan, client, mentor_a, student_a):
    wiskunde = Subject.objects.get(school=student_a.school, code="wi")
    year = SchoolYear.of(today)
    first = year.start + timedelta(days=40)
    Score.objects.create(student=student_a, subject=wiskunde, test="H1", date=first, grade=Decimal("6.1"))
    Score.objects.create(student=student_a, subject=wiskunde, test="H2", date=first + timedelta(days=20),
                         grade=Decimal("4.8"))
    plan(student_a, goal_subject=wiskunde, goal_grade=Decimal("5.5"), started_on=first + timedelta(days=25),
         goal_date=year.end - timedelta(days=30), status="completed", ended_on=first + timedelta(days=60))
    client.force_login(mentor_a)
    response = client.get(student_a.get_absolute_url())
    data = json.loads(response.context["charts"] and json.dumps(response.context["charts"]))
    [chart] = data["charts"]
    assert data["pass"] == 5.5
    assert [(p["x"], p["y"], p["insufficient"]) for p in chart["points"]] == [(40, 6.1, False), (60, 4.8, True)]
    assert chart["aims"] == [{"title": "Bijles wiskunde", "y": 5.5, "from": 65,
                              "to": (year.end - timedelta(days=30) - year.start).days}]
    assert [(m["x"], m["kind"]) for m in chart["markers"]] == [(65, "start"), (100, "end")]
    page = response.content.decode()
    assert 'id="chart-data"' in page and "chart.umd.min.js" in page
    assert "4,8" in page  # the table beside the chart, in Dutch notation


def test_the_student_page_runs_constant_queries(client, mentor_a, student_a, django_assert_max_num_queries,
                                                today, signal, plan):
    subjects = list(Subject.objects.filter(school=student_a.school))
    year = SchoolYear.of(today)
    for i in range(30):
        Score.objects.create(student=student_a, subject=subjects[i % len(subjects)], test=f"T{i}",
                             date=year.start + timedelta(days=30 + i), grade=Decimal("6.0"))
        signal(student_a, i % 10, Category.values[i % 7], Severity.ATTENTION)
        plan(student_a, title=f"Plan {i}")
    client.force_login(mentor_a)
    with django_assert_max_num_queries(28):
        client.get(student_a.get_absolute_url())
