"""Writes of the dashboards: (re)computing the stored measures of a school."""

from django.db import transaction
from django.utils import timezone

from portal.models import School

from . import measures
from .models import SchoolMeasures


def summary_of(detail):
    """The part of the figures the inspector overview reads: the school's own row, the
    retention of the last school year with decisions, and the programme without its lines."""
    total = next((g for g in detail["groups"] if g["level"] == "" and g["leerjaar"] == 0), {})
    retention = [year for year in detail["retention"] if year["school_year"] < detail["school_year"]]
    last = retention[-1] if retention else None
    programme = detail["programme"]
    return {
        **{key: value for key, value in total.items() if key not in ("level", "leerjaar")},
        "retention_year": last["school_year"] if last else None,
        "retention": {f"{g['level']}|{g['leerjaar']}": [g["decided"], g["repeated"]]
                      for g in last["groups"] if g["level"] in ("", "pre_exam", "other")} if last else {},
        "programme": {k: v for k, v in programme.items() if k != "lines"} if programme else None,
    }


def refresh_school(school, today=None):
    """Compute the school's measures for the school year of `today` and store them
    (idempotent: one row per school and school year, replaced)."""
    detail = measures.compute(school, today)
    with transaction.atomic():
        row, _created = SchoolMeasures.objects.update_or_create(
            school=school, school_year=detail["school_year"],
            defaults={"as_of": detail["as_of"], "computed_at": timezone.now(),
                      "summary": summary_of(detail), "detail": detail},
        )
    return row


def refresh_all(today=None):
    """Every school's measures (the nightly run); returns the number of schools."""
    count = 0
    for school in School.objects.order_by("pk"):
        refresh_school(school, today)
        count += 1
    return count
