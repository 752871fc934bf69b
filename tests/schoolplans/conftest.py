"""A small hand-computable school programme of school A (see test_numbers.py for the figures)."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from schoolplans.models import Budget, ProgrammeLine


@pytest.fixture
def tutoring_a(school_a):
    from interventions.models import Intervention

    return Intervention.objects.create(school=school_a, key="bijles", name_nl="Bijles in kleine groepen",
                                       category="B", sector="vo", needs="cognitive")


@pytest.fixture
def summer_school_a(school_a):
    from interventions.models import Intervention

    return Intervention.objects.create(school=school_a, key="zomerschool", name_nl="Zomerschool",
                                       category="A", sector="vo", needs="cognitive")


@pytest.fixture
def planned_programme_a(programme_a, tutoring_a, summer_school_a):
    """Budget 500 × 40 = 20.000 a year; tutoring 12.000 a year for both years, summer school
    10.000 in the first year only: 22.000 planned in 2026-2027 (over budget), 12.000 in 2027-2028."""
    ProgrammeLine.objects.create(programme=programme_a, intervention=tutoring_a, expected_students=10,
                                 first_year=2026, years=2, hours=80, staff="2 docenten",
                                 cost_per_year=Decimal("12000"), target_levels="havo", target_leerjaren="3")
    ProgrammeLine.objects.create(programme=programme_a, intervention=summer_school_a, expected_students=20,
                                 first_year=2026, years=1, hours=60, staff="4 docenten",
                                 cost_per_year=Decimal("10000"))
    for year in (2026, 2027):
        Budget.objects.create(programme=programme_a, school_year=year, amount_per_student=Decimal("500"),
                              students=40)
    return programme_a


def adopt(programme, leader):
    """Walk a planned programme through consultation, MR and board to adopted."""
    from schoolplans import services

    programme.over_budget_confirmed = True
    programme.team_consulted_on = date(2026, 9, 1)
    programme.mr_on, programme.mr_outcome = date(2026, 9, 15), "approved"
    programme.board_on, programme.board_outcome = date(2026, 9, 22), "adopted"
    programme.save()
    for to in ("consultation", "mr_approved", "adopted"):
        services.transition(programme, to, leader)
    return programme


@pytest.fixture
def adopted_programme_a(planned_programme_a, leader_a):
    return adopt(planned_programme_a, leader_a)


@pytest.fixture
def now(clock):
    return timezone.now()
