"""The commands a school leader or an administrator runs: flag_students, export_risk and
evaluate_flags (are the flags any good?)."""

import csv
import io
from datetime import date
from decimal import Decimal
from itertools import count

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from portal.models import AuditEntry
from portal.schoolyear import SchoolYear
from students.models import Flag, Level, PromotionDecision, RiskLevel, Score, Student
from students.risk.evaluation import evaluate
from students.risk.flagging import flag_students
from students.risk.settings import RiskSettings
from tests.conftest import make_student
from tests.students.risk.test_rules import make_subjects, struggling

pytestmark = pytest.mark.django_db
_tests = count(1)


def command(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- flag_students ---------------------------------------------------------------------------------

def test_flag_students_for_one_school(school_a, school_b, mentor_a, mentor_b, clock):
    struggling(school_a, mentor_a, subjects=make_subjects(school_a), on=clock.today,
               days_before=0)
    struggling(school_b, mentor_b, subjects=make_subjects(school_b), on=clock.today,
               days_before=0)
    out = command("flag_students", "--school", "12ab")
    assert out.startswith("12AB: students: 1 / raised: 1 /")
    assert list(Flag.objects.values_list("student__school", flat=True)) == [school_a.pk]
    assert "raised: 0" in command("flag_students", "--school", "12AB")  # idempotent


def test_flag_students_for_every_school(school_a, school_b, mentor_a, mentor_b, clock):
    struggling(school_b, mentor_b, subjects=make_subjects(school_b), on=clock.today,
               days_before=0)
    out = command("flag_students")
    assert out.splitlines()[0].startswith("12AB: students: 0")
    assert out.splitlines()[1].startswith("34CD: students: 1 / raised: 1")


def test_flag_students_for_an_unknown_school(db):
    with pytest.raises(CommandError, match="99ZZ"):
        command("flag_students", "--school", "99ZZ")


# --- export_risk -----------------------------------------------------------------------------------

def test_export_risk_writes_every_active_student_with_risk_and_reasons(school_a, mentor_a, clock):
    subjects = make_subjects(school_a)
    today = clock.today
    flagged = struggling(school_a, mentor_a, subjects=subjects, on=today, days_before=0,
                         student_number="200002")
    calm = make_student(school_a, mentor_a, student_number="200001")
    make_student(school_a, mentor_a, student_number="200003", is_active=False)
    flag_students(school_a)

    rows = list(csv.reader(io.StringIO(command("export_risk", "--school", "12AB"))))

    assert rows[0] == ["leerlingnummer", "risico", "redenen"]
    assert rows[1] == [calm.student_number, "geen", ""]
    assert rows[2][:2] == [flagged.student_number, "aandacht"]
    assert rows[2][2].startswith("wiskunde 4,2 en Engels 5,1 onder 5,5; prognose bespreekzone: ")
    assert len(rows) == 3
    entry = AuditEntry.objects.get(action="export")
    assert entry.summary == "risico-export (opdrachtregel): 2 leerlingen"


def test_export_risk_needs_a_known_school(db):
    with pytest.raises(CommandError):
        command("export_risk", "--school", "99ZZ")


# --- evaluate_flags --------------------------------------------------------------------------------

YEAR = SchoolYear(2025)


@pytest.fixture
def last_year(school_a, school_b, leader_a):
    """School year 2025-2026 with known outcomes.

    On 1 February: A and B (havo 3) are flagged, C, D and E (vwo 2) are not.
    Outcome: A repeats (flagged, did not make it), B is promoted (flagged, made it), C moves
    down (not flagged, did not make it), D has no decision and good final grades, E has no
    decision and final grades far below the norm (her grades fell after February). F has
    neither grades nor a decision and is left out; a student of another school too.
    """
    subjects = make_subjects(school_a)

    def grades(student, values, day):
        for code, value in zip(("wi", "en", "gs"), values):
            Score.objects.create(student=student, subject=subjects[code], test=f"t{next(_tests)}",
                                 date=day, grade=Decimal(value))

    def decide(student, decision):
        PromotionDecision.objects.create(student=student, school_year=2025, decision=decision,
                                         decided_on=date(2026, 7, 1), decided_by=leader_a)

    january, may = date(2026, 1, 15), date(2026, 5, 1)
    people = {}
    for name, level, leerjaar, sex in (("A", Level.HAVO, 3, "v"), ("B", Level.HAVO, 3, "m"),
                                       ("C", Level.VWO, 2, "v"), ("D", Level.VWO, 2, "m"),
                                       ("E", Level.VWO, 2, ""), ("F", Level.VWO, 2, "v")):
        people[name] = make_student(school_a, family_name=name, level=level, leerjaar=leerjaar,
                                    sex=sex)
    for name in "AB":
        grades(people[name], ("4.0", "5.0", "7.0"), january)
    for name in "CDE":
        grades(people[name], ("7.0", "7.0", "7.0"), january)
    grades(people["E"], ("1.0", "1.0", "1.0"), may)
    grades(people["A"], ("1.0", "1.0", "1.0"), date(2025, 6, 1))  # the year before: not counted
    decide(people["A"], PromotionDecision.Decision.REPEAT)
    decide(people["B"], PromotionDecision.Decision.PROMOTED)
    decide(people["C"], PromotionDecision.Decision.DOWN)
    struggling(school_b, subjects=make_subjects(school_b), on=january, days_before=0)
    return people


def numbers(row):
    return (row.students, row.flagged, row.positives, row.true_positives)


def test_evaluate_compares_flags_on_1_february_with_the_outcome(school_a, last_year):
    result = evaluate(school_a, YEAR)
    assert result.on == date(2026, 2, 1)
    assert (result.from_decisions, result.from_grades, result.unknown) == (3, 2, 0)
    assert numbers(result.total) == (5, 2, 3, 1)
    assert result.total.recall == pytest.approx(1 / 3)
    assert result.total.precision == pytest.approx(1 / 2)
    assert [(str(r.label), numbers(r)) for r in result.groups] == [
        ("havo 3", (2, 2, 1, 1)), ("vwo 2", (3, 0, 2, 0))]
    by_sex = {r.label: r for r in result.by_sex}
    assert len(by_sex) == 2  # E has no recorded sex
    female, male = (by_sex[str(Student.Sex(code).label)] for code in "vm")
    assert numbers(female) == (2, 1, 2, 1) and (female.recall, female.precision) == (0.5, 1.0)
    assert numbers(male) == (2, 1, 0, 0) and (male.recall, male.precision) == (None, 0.0)


def test_evaluate_replays_the_data_as_it_was_on_the_day(school_a, last_year):
    result = evaluate(school_a, YEAR, on=date(2026, 6, 30))
    assert numbers(result.total) == (5, 3, 3, 2)  # by June E's fall shows


def test_evaluate_with_other_rules(school_a, last_year):
    lenient = RiskSettings(points_per_insufficient=Decimal(0), points_discuss=Decimal(0))
    assert numbers(evaluate(school_a, YEAR, settings=lenient).total) == (5, 0, 3, 0)


def test_the_evaluate_flags_command_prints_the_tables(school_a, last_year):
    out = command("evaluate_flags", "--school", "12AB", "--year", "2025-2026")
    assert out.startswith("12AB 2025-2026: rules replayed on 01-02-2026; outcome from decisions: 3,"
                          " from final grades: 2, unknown (left out): 0")
    rows = {line.split("  ")[0].strip(): line.split()[-6:] for line in out.splitlines()
            if line[:1].isalpha() and "  " in line}
    assert rows["havo 3"] == ["2", "2", "1", "1", "100%", "50%"]
    assert rows["vwo 2"] == ["3", "0", "2", "0", "0%", "-"]
    assert rows["total"] == ["5", "2", "3", "1", "33%", "50%"]
    out = command("evaluate_flags", "--school", "12AB", "--year", "2025-2026", "--on", "30-06-2026")
    assert "rules replayed on 30-06-2026" in out


def test_evaluate_flags_without_outcomes(school_a):
    out = command("evaluate_flags", "--school", "12AB", "--year", "2024-2025")
    assert "No outcomes recorded yet." in out


@pytest.mark.parametrize(("args", "message"), [
    (("--year", "2025"), "2025-2026"),
    (("--year", "2025-2026", "--on", "2026-09-01"), "is not in school year 2025-2026"),
    (("--year", "2025-2026", "--on", "morgen"), "A date looks like"),
])
def test_evaluate_flags_rejects_bad_arguments(school_a, args, message):
    with pytest.raises(CommandError, match=message):
        command("evaluate_flags", "--school", "12AB", *args)


def test_the_risk_export_cannot_smuggle_a_spreadsheet_formula(school_a, mentor_a, clock):
    student = make_student(school_a, mentor_a, student_number="=HYPERLINK(1)")
    now = timezone.now()
    Flag.objects.create(student=student, level=RiskLevel.HIGH, raised_on=now, changed_on=now,
                        reasons=[{"rule": "insufficient", "text": "-wiskunde 4,2 onder 5,5"}])
    out = io.StringIO()
    call_command("export_risk", "--school", "12AB", stdout=out)
    row = out.getvalue().splitlines()[1]
    assert row.startswith("'=HYPERLINK(1)")
    assert ",'-wiskunde" in row or ",\"'-wiskunde" in row
