"""Aggregates for leaders and inspectors. Inspector selectors never select names or notes."""

from django.db.models import Count, Q

from portal import access
from portal.models import Role, User
from students.models import Level, Student

YEARS = range(1, 7)


def _level_year_table(students):
    """[{level, label, cells: [count for leerjaar 1..6], total}] from (level, leerjaar, n) rows."""
    rows = students.values("level", "leerjaar").annotate(n=Count("pk")).order_by()
    table = {}
    for row in rows:
        table.setdefault(row["level"], {})[row["leerjaar"]] = row["n"]
    return [
        {
            "level": level,
            "label": label,
            "cells": [table[level].get(year) for year in YEARS],
            "total": sum(table[level].values()),
        }
        for level, label in Level.choices if level in table
    ]


def school_overview(school):
    """A leader's view of their school: students per level and year, mentor caseloads."""
    students = Student.objects.filter(school=school, is_active=True)
    mentors = (
        User.objects.filter(memberships__school=school, memberships__role=Role.MENTOR)
        .annotate(caseload=Count("mentees", filter=Q(mentees__school=school, mentees__is_active=True)))
        .order_by("last_name", "first_name")
    )
    return {
        "total": students.count(),
        "without_mentor": students.filter(mentor__isnull=True).count(),
        "levels": _level_year_table(students),
        "mentors": mentors,
    }


def inspector_overview(user):
    """Per assigned school: counts only."""
    schools = access.schools_for(user, (Role.INSPECTOR,)).annotate(
        active_students=Count("students", filter=Q(students__is_active=True), distinct=True),
        mentor_count=Count("memberships", filter=Q(memberships__role=Role.MENTOR), distinct=True),
    )
    return list(schools)
