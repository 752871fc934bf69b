"""A school's subject list: the standard list a new school starts with, filled up on request
without duplicating or overwriting, and which subjects' grades count for promotion."""

from io import StringIO

import pytest
from django.core.management import call_command

from portal.models import School
from students.models import ResultKind, Subject
from students.risk.projection import Projection
from students.risk.rules import assess, projection_for
from students.subjects.standard import ensure_standard_subjects, standard_subjects
from tests.conftest import make_student
from tests.students.risk.test_rules import ON, grade

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_new_school_starts_with_the_standard_subject_list():
    run("create_school", "56EF", "Nieuw Lyceum")
    subjects = {s.code: s for s in Subject.objects.filter(school__brin="56EF")}
    assert len(subjects) == len(standard_subjects()) > 50
    assert {"ne", "en", "wi", "wa", "wb", "nask1", "beco", "ckv", "lo", "nlt", "bwi", "zw"} <= set(subjects)
    assert subjects["wb"].is_core and subjects["ne"].is_core and not subjects["gs"].is_core
    assert not subjects["lo"].counts_for_promotion and subjects["lo"].result_kind == ResultKind.QUALITATIVE
    assert subjects["gs"].counts_for_promotion and subjects["gs"].result_kind == ResultKind.GRADE
    assert all(s.is_active and s.standard_code == code for code, s in subjects.items())


def test_updating_a_school_leaves_its_subjects_alone(school_a):
    Subject.objects.filter(school=school_a, code="fa").delete()
    run("create_school", "12AB", "Het Baken College")
    assert not Subject.objects.filter(school=school_a, code="fa").exists()


def test_standard_subjects_are_filled_up_without_duplicating_or_undoing_renames(school_a):
    Subject.objects.filter(school=school_a, code="wi").update(code="wis", name="wiskunde onderbouw")
    Subject.objects.filter(school=school_a, code="fa").delete()
    Subject.objects.filter(school=school_a, code="sp").delete()
    Subject.objects.create(school=school_a, code="sp", name="Spaans (eigen)")

    assert "1 standard subject added" in run("add_standard_subjects", "--school", "12AB")
    assert "0 standard subjects added" in run("add_standard_subjects", "--school", "12AB")
    codes = list(Subject.objects.filter(school=school_a).values_list("code", flat=True))
    assert len(codes) == len(set(codes)) == len(standard_subjects())
    assert "fa" in codes and "wi" not in codes
    assert Subject.objects.get(school=school_a, code="wis").name == "wiskunde onderbouw"
    assert Subject.objects.get(school=school_a, code="sp").name == "Spaans (eigen)"


def test_a_grade_in_a_subject_that_does_not_count_is_left_out_of_the_projection(school_a):
    subjects = {s.code: s for s in Subject.objects.filter(school=school_a)}
    student = make_student(school_a, leerjaar=2)
    for code, value in (("ne", "6.5"), ("en", "7.0"), ("wi", "6.8"), ("lo", "3.0")):
        grade(student, subjects[code], value)
    assert projection_for(student, on=ON).outcome == Projection.PROMOTED
    assert assess(school_a, on=ON)[student.pk].points == 0

    # Counting, LO is still judged by its mark (it has none), never by an average of grades ...
    Subject.objects.filter(pk=subjects["lo"].pk).update(counts_for_promotion=True)
    assert projection_for(student, on=ON).below == 0
    # ... until the school says LO gets grades.
    Subject.objects.filter(pk=subjects["lo"].pk).update(result_kind="grade")
    assert projection_for(student, on=ON).below == 1
    assert School.objects.count() == 1
