"""The standard subject list (students/data/subjects.csv) and giving it to a school."""

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from students.models import ResultKind, Subject

DATA = Path(__file__).resolve().parent.parent / "data" / "subjects.csv"


@dataclass(frozen=True)
class StandardSubject:
    code: str
    name: str
    is_core: bool
    counts_for_promotion: bool
    result_kind: str
    spellings: tuple


@functools.cache
def standard_subjects():
    """The rows of data/subjects.csv, checked once: unique codes, known result kinds."""
    with DATA.open(encoding="utf-8", newline="") as f:
        rows = [StandardSubject(
            code=row["code"].strip(), name=row["name"].strip(), is_core=row["core"] == "1",
            counts_for_promotion=row["counts"] == "1", result_kind=row["result"].strip(),
            spellings=tuple(s.strip() for s in row["spellings"].split(";") if s.strip()),
        ) for row in csv.DictReader(f)]
    codes = [s.code for s in rows]
    if len(set(codes)) != len(codes) or any(s.result_kind not in ResultKind.values for s in rows):
        raise ValueError(f"{DATA}: duplicate codes or an unknown result kind")
    return tuple(rows)


@functools.cache
def standard_spellings():
    """{standard code: the usual other spellings of that subject in exports}."""
    return {s.code: s.spellings for s in standard_subjects()}


def ensure_standard_subjects(school):
    """Give the school each standard subject it never had (idempotent): one it renamed, merged
    or switched off keeps its standard code and is left alone, and a code the school already
    uses for a subject of its own is not taken. Returns the number created."""
    had = set(Subject.objects.filter(school=school).exclude(standard_code="")
              .values_list("standard_code", flat=True))
    had |= set(Subject.objects.filter(school=school).values_list("code", flat=True))
    new = [Subject(school=school, code=s.code, name=s.name, is_core=s.is_core,
                   counts_for_promotion=s.counts_for_promotion, result_kind=s.result_kind,
                   standard_code=s.code)
           for s in standard_subjects() if s.code not in had]
    Subject.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def give_new_school_subjects(sender, school, **kwargs):
    """portal.services.school_created: a new school starts with the standard list."""
    ensure_standard_subjects(school)
