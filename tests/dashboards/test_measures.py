"""The measures against values counted by hand on the small school (see conftest.py), and
how they are refreshed: by the nightly task, by a leader, on first view."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import services, tables
from dashboards.models import SchoolMeasures
from dashboards.tasks import refresh_all_measures
from interventions.models import Intervention
from schoolplans.models import Budget, ProgrammeLine, SchoolProgramme, Spending
from students.models import Level, Score, Subject
from tests.conftest import make_student

from .factories import group, stored

pytestmark = pytest.mark.django_db


def test_every_measure_of_the_school_matches_a_hand_count(small_school, school_a):
    whole = group(stored(school_a), "", 0)
    assert {k: v for k, v in whole.items() if k not in ("level", "leerjaar")} == {
        "students": 5, "flagged": 3, "flagged_high": 1, "flagged_with_plan": 1,
        "new_flags": 5,           # the dismissed one was raised too
        "first_flagged": 4,       # s1, s2, s3, s5 (not the dismissed s4)
        "helped": 2, "median_days": 19.5,  # s1 after 7 days, s5 after 32
        "due": 3, "helped_in_time": 1,     # s1, s2, s5 flagged ≥ 3 weeks ago; only s1 in time
        "plans_active": 2, "evaluations_overdue": 1,
        "evaluations_on_time": 0, "evaluations_late": 1,
        "plans_evaluated": 1, "goals_met": 1,
        "decided": 0, "repeated": 0,       # no decisions yet this school year
        "with_advice": 0, "below_advice": 0, "at_advice": 0, "above_advice": 0,  # no warme overdracht
    }
    havo = group(stored(school_a), Level.HAVO, 3)
    assert (havo["students"], havo["flagged"], havo["first_flagged"], havo["helped"], havo["median_days"]) \
        == (4, 3, 3, 1, 7.0)
    vwo = group(stored(school_a), Level.VWO, 5)
    assert (vwo["students"], vwo["flagged"], vwo["helped"], vwo["median_days"], vwo["goals_met"]) \
        == (1, 0, 1, 32.0, 1)


def test_flags_and_plans_are_counted_per_week(small_school, school_a):
    weeks = stored(school_a)["weeks"]
    whole = next(g for g in weeks["groups"] if g["level"] == "")
    per_week = {w: (whole["new_flags"][i], whole["new_high"][i], whole["plans_started"][i])
                for i, w in enumerate(weeks["weeks"])}
    assert weeks["weeks"][0] == "2026-07-27" and weeks["weeks"][-1] == "2026-11-23"
    assert per_week["2026-09-28"] == (1, 1, 0)   # s1's high flag on Thursday 01-10
    assert per_week["2026-10-05"] == (2, 0, 1)   # s2 and s4's flags, s1's plan
    assert per_week["2026-10-12"] == (0, 0, 1)   # s5's plan
    assert sum(whole["new_flags"]) == 5 and sum(whole["plans_started"]) == 2


def test_retention_per_school_year_with_the_pre_exam_years_apart(small_school, school_a):
    (year,) = stored(school_a)["retention"]
    cells = {(g["level"], g["leerjaar"]): (g["decided"], g["repeated"]) for g in year["groups"]}
    assert year["school_year"] == 2025
    assert cells[("", 0)] == (4, 2)
    assert cells[("pre_exam", 0)] == (1, 1) and cells[("other", 0)] == (3, 1)
    assert cells[(Level.HAVO, 2)] == (3, 1) and cells[(Level.VWO, 5)] == (1, 1)
    table = tables.retention_table(stored(school_a))
    assert [str(c) for c in table.rows[0].cells] == ["4", "2", "50,0 %", "100,0 %", "33,3 %"]
    assert table.rows[0].cells[2].light == "act"


def test_what_works_compares_with_comparable_students(small_school, school_a):
    works = {row["name"]: row for row in stored(school_a)["what_works"]}
    x = works["Bijles X"]
    # s1: grades 5,0 and 6,0 in the six weeks before 08-10, 7,0 after: +1,5; risk high → high.
    assert (x["enrolled"], x["own_grade_n"], x["own_grade_change"], x["own_risk_change"]) == (1, 1, 1.5, 0)
    # Comparable: havo 3, flagged on 08-10, without X: only s2 (6,0 → 5,0; attention → attention).
    assert (x["comparison_students"], x["comparison_grade_change"], x["comparison_risk_change"]) == (1, -1.0, 0)
    assert x["effect_months"] == 5 and (x["plans_evaluated"], x["goals_met"]) == (0, 0)
    y = works["Huiswerkklas Y"]
    # s5: flagged 10-09 (attention) and resolved 01-11: risk 1 → 0 six weeks after 12-10.
    assert (y["enrolled"], y["own_risk_n"], y["own_risk_change"], y["own_grade_n"]) == (1, 1, -1.0, 0)
    assert (y["plans_evaluated"], y["goals_met"], y["comparison_students"]) == (1, 1, 0)


def test_the_programme_status_and_budget(client, small_school, leader_a, school_a):
    programme = SchoolProgramme.objects.create(school=school_a, title="NPO 2026-2028", first_year=2026,
                                               years=2, state=SchoolProgramme.State.RUNNING)
    line = ProgrammeLine.objects.create(programme=programme, intervention=Intervention.objects.get(key="x"),
                                        expected_students=4, first_year=2026, years=2,
                                        cost_per_year=Decimal("8000"))
    Budget.objects.create(programme=programme, school_year=2026, amount_per_student=Decimal("100"), students=100)
    Spending.objects.create(line=line, school_year=2026, period="periode 1", amount=Decimal("2500"))
    programme_figures = services.refresh_school(school_a).detail["programme"]
    assert {k: programme_figures[k] for k in ("state", "step", "allocated", "planned", "spent")} == {
        "state": "running", "step": 4, "allocated": 10000.0, "planned": 8000.0, "spent": 2500.0}
    assert programme_figures["lines"][0]["reach"] == 1
    client.force_login(leader_a)
    page = client.get(reverse("dashboards:school", args=["12AB"])).content.decode()
    assert "stap 4 van 5" in page and "€ 10.000" in page and "25,0 %" in page


def test_the_nightly_task_refreshes_every_school(school_a, school_b, fixed_today, eager_celery):
    refresh_all_measures.delay()
    assert set(SchoolMeasures.objects.values_list("school__brin", "school_year")) == {("12AB", 2026), ("34CD", 2026)}
    refresh_all_measures.delay()  # idempotent
    assert SchoolMeasures.objects.count() == 2


def test_a_leader_brings_the_figures_up_to_date(client, small_school, leader_a, school_a):
    before = SchoolMeasures.objects.get(school=school_a).computed_at
    make_student(school_a, None, level=Level.HAVO, leerjaar=3)
    client.force_login(leader_a)
    response = client.post(reverse("dashboards:school_refresh", args=["12AB"]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("dashboards:school", args=["12AB"])
    assert "De cijfers zijn bijgewerkt." in response.content.decode()
    row = SchoolMeasures.objects.get(school=school_a)
    assert row.computed_at > before and group(row.detail, "", 0)["students"] == 6


def test_a_school_without_figures_gets_them_on_first_view(client, leader_a, school_a, mentor_a):
    student = make_student(school_a, mentor_a)
    client.force_login(leader_a)
    assert client.get(reverse("dashboards:school", args=["12AB"])).status_code == 200
    assert not SchoolMeasures.objects.exists()  # no grades yet: the set-up checklist, no figures
    Score.objects.create(student=student, subject=Subject.objects.get(school=school_a, code="wi"),
                         test="Toets", date=timezone.localdate(), grade=6)
    assert client.get(reverse("dashboards:school", args=["12AB"])).status_code == 200
    assert SchoolMeasures.objects.filter(school=school_a).count() == 1
