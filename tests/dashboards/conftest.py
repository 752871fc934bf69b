"""Fixtures of the dashboard tests: a stopped clock and a small school whose every figure is
counted by hand in its docstring."""

from datetime import date
from decimal import Decimal

import pytest

from dashboards import services
from interventions.models import Intervention, PlanEvaluation
from students.models import Flag, Level, PromotionDecision, RiskLevel, Score, Subject
from tests.conftest import make_student

from .factories import TODAY, flag, plan


@pytest.fixture
def fixed_today(clock):
    """The hand-counted story is set on TODAY: the whole clock is moved there."""
    clock.move_to(TODAY)
    return TODAY


@pytest.fixture
def small_school(school_a, mentor_a, fixed_today):
    """Five active students of school A (four in havo 3, one in vwo 5) and one who left.

    s1: high flag 01-10, plan (X) 08-10 (7 days), evaluation overdue since 19-11
    s2: attention flag 05-10, no help yet
    s3: attention flag 20-11 (less than three weeks ago), no help yet
    s4: a flag of 10-10 that the mentor dismissed
    s5 (vwo 5): flag 10-09, resolved 01-11; plan (Y) 12-10 (32 days), evaluated 14-11
        for the cycle due 12-11 (late), goal met
    Decisions of 2025-2026: havo 2 → s1 promoted, s2 repeats, s3 promoted; vwo 5 (pre-exam)
    → the student who left repeats. Grades of s1 and s2 for "what works here".
    """
    s = {n: make_student(school_a, mentor_a, given_name=f"Naam{n}", family_name=f"Familie{n}",
                         level=Level.HAVO, leerjaar=3) for n in (1, 2, 3, 4)}
    s[5] = make_student(school_a, mentor_a, given_name="Naam5", family_name="Familie5",
                        level=Level.VWO, leerjaar=5)
    left = make_student(school_a, None, level=Level.VWO, leerjaar=6, is_active=False)
    x = Intervention.objects.create(key="x", name_nl="Bijles X", category="B", sector="vo", effect_months=5)
    y = Intervention.objects.create(key="y", name_nl="Huiswerkklas Y", category="B", sector="vo")
    flag(s[1], date(2026, 10, 1), RiskLevel.HIGH)
    flag(s[2], date(2026, 10, 5))
    flag(s[3], date(2026, 11, 20))
    flag(s[4], date(2026, 10, 10), status=Flag.Status.DISMISSED)
    flag(s[5], date(2026, 9, 10), status=Flag.Status.RESOLVED, resolved=date(2026, 11, 1))
    plan(s[1], date(2026, 10, 8), x, next_evaluation=date(2026, 11, 19))
    p5 = plan(s[5], date(2026, 10, 12), y, next_evaluation=date(2026, 12, 24))
    PlanEvaluation.objects.create(plan=p5, cycle=1, due_on=date(2026, 11, 12), evaluated_on=date(2026, 11, 14),
                                  goal_result=PlanEvaluation.GoalResult.MET,
                                  decision=PlanEvaluation.Decision.CONTINUE)
    for student, decision, level, year in (
        (s[1], "bevorderd", Level.HAVO, 2), (s[2], "doubleren", Level.HAVO, 2),
        (s[3], "bevorderd", Level.HAVO, 2), (left, "doubleren", Level.VWO, 5),
    ):
        PromotionDecision.objects.create(student=student, school_year=2025, decision=decision, level=level,
                                          leerjaar=year, decided_on=date(2026, 7, 8))
    maths = Subject.objects.get(school=school_a, code="wi")
    for student, grades in ((s[1], [(date(2026, 9, 14), "5.0"), (date(2026, 10, 1), "6.0"),
                                    (date(2026, 10, 20), "7.0")]),
                            (s[2], [(date(2026, 9, 20), "6.0"), (date(2026, 10, 22), "5.0")])):
        for day, grade in grades:
            Score.objects.create(student=student, subject=maths, test="toets", date=day, grade=Decimal(grade))
    services.refresh_school(school_a)
    return s
