"""Helpers of the dashboard tests: a fixed "today", flags and plans on given days, and the
stored figures of a school."""

from datetime import date, datetime, time

from django.utils import timezone

from dashboards.models import SchoolMeasures
from interventions.models import InterventionPlan
from students.models import Flag, FlagEvent, RiskLevel

TODAY = date(2026, 11, 25)  # a Wednesday in school year 2026-2027


def at(day):
    return timezone.make_aware(datetime.combine(day, time(16)))


def flag(student, raised, level=RiskLevel.ATTENTION, *, status=Flag.Status.OPEN, resolved=None):
    made = Flag.objects.create(student=student, level=level, status=status, raised_on=at(raised),
                               changed_on=at(raised), resolved_on=at(resolved) if resolved else None,
                               reasons=[{"rule": "insufficient", "text": "wiskunde onder 5,5", "points": 2}])
    FlagEvent.objects.create(flag=made, at=at(raised), kind="raised", level=level, reasons=made.reasons)
    return made


def plan(student, started, intervention=None, *, next_evaluation=None):
    return InterventionPlan.objects.create(
        student=student, title=f"Plan {student.given_name}", need="achterstand wiskunde",
        goal="wiskunde weer voldoende", started_on=started, intervention=intervention,
        next_evaluation_on=next_evaluation)


def stored(school):
    return SchoolMeasures.objects.get(school=school, school_year=2026).detail


def group(detail, level, leerjaar):
    return next(g for g in detail["groups"] if (g["level"], g["leerjaar"]) == (level, leerjaar))
