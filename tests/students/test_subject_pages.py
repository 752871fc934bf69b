"""The school leader's subject list under /vakken/: add, rename, merge and switch off, and what
the grade import makes of it."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.models import AuditEntry
from students.imports.score_rows import Lookup
from students.models import Score, Subject
from tests.conftest import make_student

pytestmark = pytest.mark.django_db


def subject(school, code):
    return Subject.objects.get(school=school, code=code)


def score(student, subject, test, value="6.0", day=date(2026, 10, 1)):
    return Score.objects.create(student=student, subject=subject, test=test, date=day, grade=Decimal(value))


def found(school, text):
    """The subject the grade import finds for `text`, or None."""
    pk, _error = Lookup.subjects(school)(text)
    return Subject.objects.get(pk=pk) if pk else None


def test_the_list_is_in_alphabetical_order_whatever_the_capitals(client, leader_a, school_a):
    client.force_login(leader_a)
    names = [s.name for s in client.get(reverse("subjects:list")).context["subjects"] if s.is_active]
    assert names == sorted(names, key=str.lower)
    assert names.index("aardrijkskunde") < names.index("Duits") < names.index("economie")


def test_the_list_shows_every_subject_in_a_constant_number_of_queries(
        client, leader_a, school_a, django_assert_max_num_queries):
    students = [make_student(school_a) for _ in range(30)]
    for n, student in enumerate(students):
        for code in ("ne", "en", "wi", "lo"):
            score(student, subject(school_a, code), f"T{n}")
    client.force_login(leader_a)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("subjects:list"))
    assert response.status_code == 200
    assert "wiskunde B" in response.text and "NaSk 1" in response.text


def test_a_leader_adds_a_subject_of_the_schools_own(client, leader_a, school_a):
    client.force_login(leader_a)
    response = client.post(reverse("subjects:list"), {
        "code": "ster", "name": "sterrenkunde", "aliases": "astro; sterren", "counts_for_promotion": "on",
        "result_kind": "grade"})
    assert response.status_code == 302
    added = subject(school_a, "ster")
    assert added.aliases == ["astro", "sterren"] and added.counts_for_promotion and not added.is_core
    assert found(school_a, "Astro") == added
    assert AuditEntry.objects.filter(school=school_a, summary="vak ster toegevoegd").exists()


def test_a_code_the_school_already_uses_is_refused(client, leader_a, school_a):
    client.force_login(leader_a)
    response = client.post(reverse("subjects:list"), {"code": "WI", "name": "wiskunde 2", "result_kind": "grade"})
    assert response.status_code == 200 and "heeft al een vak met deze code" in response.text
    assert Subject.objects.filter(school=school_a, code__iexact="wi").count() == 1


def test_a_rename_keeps_the_grades_and_the_import_finds_the_new_and_the_usual_spellings(
        client, leader_a, school_a):
    maths = subject(school_a, "wi")
    score(make_student(school_a), maths, "T1")
    client.force_login(leader_a)
    response = client.post(reverse("subjects:edit", args=[maths.pk]), {
        "code": "wis", "name": "wiskunde onderbouw", "aliases": "wiskunde 1", "is_core": "on",
        "counts_for_promotion": "on", "result_kind": "grade", "is_active": "on"})
    assert response.status_code == 302
    maths.refresh_from_db()
    assert (maths.code, maths.name, maths.standard_code) == ("wis", "wiskunde onderbouw", "wi")
    assert maths.scores.count() == 1
    assert found(school_a, "wis") == found(school_a, "Wiskunde 1") == found(school_a, "wiskunde") == maths
    assert AuditEntry.objects.filter(school=school_a, summary__startswith="vak wi: code, name").exists()


def test_a_subject_switched_off_keeps_its_grades_but_is_not_imported_into(client, leader_a, school_a):
    latin = subject(school_a, "la")
    score(make_student(school_a), latin, "T1")
    client.force_login(leader_a)
    client.post(reverse("subjects:edit", args=[latin.pk]), {
        "code": "la", "name": "Latijn", "counts_for_promotion": "on", "result_kind": "grade"})
    latin.refresh_from_db()
    assert not latin.is_active and latin.scores.count() == 1
    assert found(school_a, "la") is None and found(school_a, "Latijn") is None
    assert "uitgezet" in client.get(reverse("subjects:list")).text


def test_merging_moves_every_grade_and_keeps_the_old_name_as_an_alias(client, leader_a, school_a):
    own = Subject.objects.create(school=school_a, code="wisk", name="wiskunde (oud)", aliases=["wk"])
    maths = subject(school_a, "wi")
    student = make_student(school_a)
    score(student, own, "T1"), score(student, own, "T2"), score(student, maths, "T3")
    client.force_login(leader_a)
    response = client.post(reverse("subjects:merge", args=[own.pk]), {"target": maths.pk})
    assert response.status_code == 302
    own.refresh_from_db(), maths.refresh_from_db()
    assert maths.scores.count() == 3 and own.scores.count() == 0
    assert not own.is_active and own.merged_into == maths
    assert {"wisk", "wiskunde (oud)", "wk"} <= set(maths.aliases)
    assert found(school_a, "WISK") == found(school_a, "wk") == maths
    assert AuditEntry.objects.filter(school=school_a, summary__contains="vak wisk samengevoegd met wi").exists()
    assert "samengevoegd met wi" in client.get(reverse("subjects:list")).text


def test_a_merge_that_would_overwrite_a_grade_changes_nothing(client, leader_a, school_a):
    own = Subject.objects.create(school=school_a, code="wisk", name="wiskunde (oud)")
    maths = subject(school_a, "wi")
    student = make_student(school_a)
    score(student, own, "T1", "5.0"), score(student, maths, "T1", "7.0")
    client.force_login(leader_a)
    response = client.post(reverse("subjects:merge", args=[own.pk]), {"target": maths.pk})
    assert response.status_code == 200
    assert "1 cijfers van wisk hebben dezelfde leerling, toets en datum" in response.text
    assert own.scores.count() == 1 and maths.scores.count() == 1
    assert Subject.objects.get(pk=own.pk).is_active


def test_the_button_adds_the_missing_standard_subjects_once(client, leader_a, school_a):
    Subject.objects.filter(school=school_a, code__in=["fa", "du"]).delete()
    client.force_login(leader_a)
    client.post(reverse("subjects:fill"))
    client.post(reverse("subjects:fill"))
    assert Subject.objects.filter(school=school_a, code__in=["fa", "du"]).count() == 2


def test_a_leader_of_another_school_finds_nothing(client, leader_b, school_a):
    maths = subject(school_a, "wi")
    client.force_login(leader_b)
    assert client.get(reverse("subjects:edit", args=[maths.pk])).status_code == 404
    assert client.post(reverse("subjects:merge", args=[maths.pk]), {"target": maths.pk}).status_code == 404
    assert client.get(reverse("subjects:list") + "?school=12AB").status_code == 404
    assert "wiskunde B" in client.get(reverse("subjects:list")).text  # their own school's list
