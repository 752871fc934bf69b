"""Roster import through `manage.py import_students`: all rows or none, idempotent, every error named."""

import re
from datetime import date
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from portal.models import AuditEntry, Role
from students.models import Level, MentorAssignment, Student
from tests.conftest import make_student, make_user

pytestmark = pytest.mark.django_db

HEADER = ["leerlingnummer", "roepnaam", "tussenvoegsel", "achternaam", "geboortedatum", "niveau",
          "leerjaar", "klas", "mentor"]
ERROR_LINE = re.compile(r"^row (\d+), column '([^']*)', value '([^']*)': (.+)$", re.M)


def write_csv(path, rows, *, header=HEADER, sep=";", encoding="utf-8"):
    lines = [sep.join(header)] + [sep.join(row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def roster_row(number, *, given="Sanne", tussen="", family="Visser", born="04-05-2012",
               level="havo", leerjaar="3", klas="3H1", mentor=""):
    return [number, given, tussen, family, born, level, leerjaar, klas, mentor]


def run(path, *args, school="12AB"):
    out = StringIO()
    call_command("import_students", str(path), "--school", school, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def rejected(path, *args, school="12AB"):
    """The output of a run that must fail: the summary and every error line."""
    out = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_students", str(path), "--school", school, *args, stdout=out,
                     stderr=StringIO())
    return out.getvalue()


def errors_in(output):
    """[(row, column, value)] of the error lines the command printed."""
    return [(int(row), column, value) for row, column, value, _reason in ERROR_LINE.findall(output)]


def test_a_roster_is_imported_and_importing_it_again_changes_nothing(tmp_path, school_a, mentor_a):
    path = write_csv(tmp_path / "leerlingen.csv", [
        roster_row("1001", given="Sanne", tussen="de", family="Vries", mentor="mentor@a.example"),
        roster_row("1002", given="Daan", family="Bakker", born="7-9-2011", level="VWO", leerjaar="4",
                   klas="4V2"),
        roster_row("1003", given="Mila", family="Jansen", born="2013-01-31", level="tl", leerjaar="1",
                   klas="1T1"),
    ])
    output = run(path)
    assert "rows read: 3 / created: 3 / updated: 0 / unchanged: 0 / rejected: 0" in output
    sanne = Student.objects.get(school=school_a, student_number="1001")
    assert (sanne.given_name, sanne.tussenvoegsel, sanne.family_name, sanne.date_of_birth) == (
        "Sanne", "de", "Vries", date(2012, 5, 4))
    assert (sanne.level, sanne.leerjaar, sanne.class_code, sanne.mentor) == (Level.HAVO, 3, "3H1", mentor_a)
    assert list(sanne.mentor_history.values_list("mentor", "ended_on")) == [(mentor_a.pk, None)]
    daan, mila = Student.objects.get(student_number="1002"), Student.objects.get(student_number="1003")
    assert (daan.level, daan.leerjaar, daan.date_of_birth, daan.mentor) == (
        Level.VWO, 4, date(2011, 9, 7), None)
    assert (mila.level, mila.date_of_birth) == (Level.VMBO_GT, date(2013, 1, 31))
    audits = AuditEntry.objects.count()

    again = run(path)
    assert "rows read: 3 / created: 0 / updated: 0 / unchanged: 3 / rejected: 0" in again
    assert Student.objects.count() == 3
    assert MentorAssignment.objects.count() == 1
    assert AuditEntry.objects.count() == audits


def test_a_comma_separated_file_with_a_byte_order_mark(tmp_path, school_a):
    path = write_csv(tmp_path / "export.csv", [roster_row("1001"), roster_row("1002", given="Daan")],
                     sep=",", encoding="utf-8-sig")
    assert (tmp_path / "export.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert "created: 2" in run(path)
    assert sorted(Student.objects.values_list("given_name", flat=True)) == ["Daan", "Sanne"]


def test_a_windows_1252_file_keeps_its_accents(tmp_path, school_a):
    path = write_csv(tmp_path / "export.csv", [roster_row("1001", given="Zoë", family="Müller")],
                     encoding="cp1252")
    assert b"Zo\xeb" in path.read_bytes()
    run(path)
    assert Student.objects.values_list("given_name", "family_name").get() == ("Zoë", "Müller")


def test_an_xlsx_export_with_other_header_spellings_and_real_date_cells(tmp_path, school_a, mentor_a):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Studentnummer", "Voornaam", "Familienaam", "Geb. datum", "Leerweg", "Jaar",
                  "Stamgroep", "Coach", "Geslacht", "Inschrijfdatum", "Telefoon"])
    sheet.append([1001, "Sanne", "Visser", date(2012, 5, 4), "Atheneum", 2, "2A", "MENTOR@A.example",
                  "V", date(2024, 8, 19), "06-12345678"])
    sheet.append([])  # a blank line in the middle is skipped and does not shift the row numbers
    sheet.append(["001002", "Kim", "Smit", "04-05-2012", "vmbo-k", "3", "3K", None, "x", None, None])
    workbook.save(tmp_path / "export.xlsx")

    assert "rows read: 2 / created: 2" in run(tmp_path / "export.xlsx")
    sanne = Student.objects.get(student_number="1001")
    assert (sanne.given_name, sanne.family_name, sanne.date_of_birth, sanne.level, sanne.leerjaar) == (
        "Sanne", "Visser", date(2012, 5, 4), Level.VWO, 2)
    assert (sanne.class_code, sanne.mentor, sanne.sex, sanne.enrolled_on) == (
        "2A", mentor_a, Student.Sex.FEMALE, date(2024, 8, 19))
    kim = Student.objects.get(student_number="001002")
    assert (kim.level, kim.sex, kim.mentor, kim.enrolled_on) == (Level.VMBO_KB, Student.Sex.OTHER, None, None)


def test_xlsx_row_numbers_match_the_spreadsheet(tmp_path, school_a):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["leerlingnummer", "roepnaam", "achternaam", "niveau", "leerjaar"])
    sheet.append([1, "Sanne", "Visser", "havo", 3])
    sheet.append([])
    sheet.append([2, "Kim", "Smit", "havo", 9])
    workbook.save(tmp_path / "export.xlsx")
    assert errors_in(rejected(tmp_path / "export.xlsx")) == [(4, "leerjaar", "9")]


@pytest.mark.parametrize(("spelling", "level"), [
    ("HAVO", Level.HAVO), ("havo", Level.HAVO), ("vmbo-t", Level.VMBO_GT), ("vmbo tl", Level.VMBO_GT),
    ("tl", Level.VMBO_GT), ("GL", Level.VMBO_GT), ("mavo", Level.VMBO_GT), ("vmbo-gt", Level.VMBO_GT),
    ("vmbo-gl/tl", Level.VMBO_GT), ("bb", Level.VMBO_BB), ("basis", Level.VMBO_BB),
    ("vmbo-b", Level.VMBO_BB), ("kb", Level.VMBO_KB), ("Kader", Level.VMBO_KB), ("vmbo-k", Level.VMBO_KB),
    ("vwo", Level.VWO), ("VWO", Level.VWO), ("atheneum", Level.VWO), ("Gymnasium", Level.VWO),
    ("pro", Level.PRO), ("praktijkonderwijs", Level.PRO),
])
def test_common_spellings_of_levels_are_recognised(tmp_path, school_a, spelling, level):
    run(write_csv(tmp_path / "export.csv", [roster_row("1001", level=spelling, leerjaar="1")]))
    assert Student.objects.get().level == level


def test_levels_that_are_no_combination_are_errors_that_say_why(tmp_path, school_a):
    path = write_csv(tmp_path / "export.csv", [roster_row("1001", level="kb/havo"),
                                               roster_row("1002", level="havo/mbo")])
    with translation.override("en"):
        output = rejected(path)
    assert errors_in(output) == [(2, "niveau", "kb/havo"), (3, "niveau", "havo/mbo")]
    assert "kb/havo combines levels that do not follow each other (vmbo-kb, havo)" in output
    assert "Unknown level havo/mbo; use pro, vmbo-bb" in output and "HV, MH or KGT" in output
    assert not Student.objects.exists()


@pytest.mark.parametrize(("row", "column", "value", "reason"), [
    (roster_row("1002", level="mbo"), "niveau", "mbo", "Unknown level"),
    (roster_row("1002", level="havo", leerjaar="6"), "leerjaar", "6", "havo has leerjaar 1 to 5"),
    (roster_row("1002", level="vmbo-b", leerjaar="0"), "leerjaar", "0", "vmbo-bb has leerjaar 1 to 4"),
    (roster_row("1002", leerjaar="drie"), "leerjaar", "drie", "whole number"),
    (roster_row("1002", born="31-02-2012"), "geboortedatum", "31-02-2012", "does not exist"),
    (roster_row("1002", born="2012/05/04"), "geboortedatum", "2012/05/04", "Not a date"),
    (roster_row("1001"), "leerlingnummer", "1001", "already appears in row 2"),
    (roster_row("", given="Kim"), "leerlingnummer", "", "Required"),
    (roster_row("1002", family=""), "achternaam", "", "Required"),
    (roster_row("1002", mentor="onbekend@a.example"), "mentor", "onbekend@a.example", "No mentor"),
    (roster_row("1002", klas="K" * 21), "klas", "K" * 21, "Too long"),
])
def test_each_kind_of_bad_row_is_named_and_nothing_is_written(tmp_path, school_a, row, column, value, reason):
    path = write_csv(tmp_path / "export.csv", [roster_row("1001"), row])
    with translation.override("en"):
        output = rejected(path)
    assert errors_in(output) == [(3, column, value)]
    assert f"row 3, column '{column}', value '{value}': " in output
    assert reason in output
    assert not Student.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_missing_required_column_is_one_error_naming_the_columns(tmp_path, school_a):
    header = ["leerlingnummer", "roepnaam", "achternaam", "klas"]
    path = write_csv(tmp_path / "export.csv", [["1001", "Sanne", "Visser", "3H1"]], header=header)
    with translation.override("en"):
        output = rejected(path)
    lines = [line for line in output.splitlines() if line.startswith("file")]
    assert len(lines) == 1
    assert "niveau, leerjaar" in lines[0]
    assert "Columns found: leerlingnummer, roepnaam, achternaam, klas" in lines[0]
    assert not Student.objects.exists()


def test_a_file_of_another_type_is_refused(tmp_path, school_a):
    path = tmp_path / "export.pdf"
    path.write_bytes(b"%PDF-1.4")
    with translation.override("en"):
        assert "Upload a .csv or .xlsx file" in rejected(path)


def test_a_broken_xlsx_is_refused(tmp_path, school_a):
    path = tmp_path / "export.xlsx"
    path.write_bytes(b"not a workbook")
    with translation.override("en"):
        assert "could not be read as an Excel workbook" in rejected(path)


def test_every_error_is_listed_not_just_the_first(tmp_path, school_a):
    path = write_csv(tmp_path / "export.csv", [
        roster_row("1001", level="havo", leerjaar="6", born="30-02-2012"),
        roster_row("1002"),
        roster_row("1003", level="mbo"),
    ])
    assert errors_in(rejected(path)) == [
        (2, "geboortedatum", "30-02-2012"), (2, "leerjaar", "6"), (4, "niveau", "mbo"),
    ]


def test_the_mentor_is_matched_by_e_mail_or_teacher_code_of_this_schools_mentors(
        tmp_path, school_a, school_b):
    post = make_user("l.post@a.example", Role.MENTOR, school_a, teacher_code="POS")
    rijn = make_user("j.rijn@a.example", Role.MENTOR, school_a, teacher_code="RIJ")
    make_user("docent@a.example", Role.TEACHER, school_a, teacher_code="DOC")
    make_user("mentor@b.example", Role.MENTOR, school_b, teacher_code="BBB")
    path = write_csv(tmp_path / "export.csv", [
        roster_row("1001", mentor="L.Post@A.example"),
        roster_row("1002", mentor="rij"),
        roster_row("1003", mentor=""),
    ])
    run(path)
    assert dict(Student.objects.values_list("student_number", "mentor")) == {
        "1001": post.pk, "1002": rijn.pk, "1003": None}

    # A teacher who is not a mentor, and a mentor of another school, are not this school's mentors.
    bad = write_csv(tmp_path / "bad.csv", [
        roster_row("1001", mentor="docent@a.example"), roster_row("1002", mentor="DOC"),
        roster_row("1003", mentor="mentor@b.example"), roster_row("1004", mentor="BBB"),
    ])
    assert [row for row, _c, _v in errors_in(rejected(bad))] == [2, 3, 4, 5]


def test_an_update_changes_the_class_and_records_the_new_mentor(tmp_path, school_a, mentor_a, other_mentor_a):
    kept = make_student(school_a, mentor_a, student_number="1001", class_code="3H1")
    moved = make_student(school_a, mentor_a, student_number="1002", class_code="3H1")
    path = write_csv(tmp_path / "export.csv", [
        roster_row("1001", given=kept.given_name, family=kept.family_name, mentor="mentor@a.example"),
        roster_row("1002", given=moved.given_name, family=moved.family_name, klas="3H2",
                   mentor="collega@a.example"),
    ])
    assert "created: 0 / updated: 1 / unchanged: 1" in run(path)
    moved.refresh_from_db()
    assert (moved.class_code, moved.mentor) == ("3H2", other_mentor_a)
    assert list(moved.mentor_history.values_list("mentor", "ended_on")) == [(other_mentor_a.pk, None)]
    assert not kept.mentor_history.exists()


def test_an_empty_mentor_cell_removes_the_mentor_and_a_missing_column_leaves_it(tmp_path, school_a, mentor_a):
    student = make_student(school_a, mentor_a, student_number="1001")
    without_column = write_csv(tmp_path / "a.csv", [roster_row("1001", given=student.given_name,
                                                              family=student.family_name)[:-1]],
                               header=HEADER[:-1])
    assert "unchanged: 1" in run(without_column)
    student.refresh_from_db()
    assert student.mentor == mentor_a

    empty_cell = write_csv(tmp_path / "b.csv", [roster_row("1001", given=student.given_name,
                                                           family=student.family_name, mentor="")])
    assert "updated: 1" in run(empty_cell)
    student.refresh_from_db()
    assert student.mentor is None


def test_a_dry_run_reports_exactly_and_writes_nothing(tmp_path, school_a, mentor_a):
    existing = make_student(school_a, mentor_a, student_number="1001", class_code="3H1")
    path = write_csv(tmp_path / "export.csv", [
        roster_row("1001", given=existing.given_name, family=existing.family_name, klas="3H2",
                   mentor="mentor@a.example"),
        roster_row("1002", mentor="mentor@a.example"),
    ])
    output = run(path, "--dry-run")
    assert "Dry run: nothing was written." in output
    assert "rows read: 2 / created: 1 / updated: 1 / unchanged: 0 / rejected: 0" in output
    existing.refresh_from_db()
    assert existing.class_code == "3H1"
    assert Student.objects.count() == 1
    assert not MentorAssignment.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_rejected_dry_run_also_fails(tmp_path, school_a):
    path = write_csv(tmp_path / "export.csv", [roster_row("1001", leerjaar="9")])
    assert errors_in(rejected(path, "--dry-run")) == [(2, "leerjaar", "9")]


def test_an_unknown_school_or_file_is_a_clear_error(tmp_path, school_a):
    path = write_csv(tmp_path / "export.csv", [roster_row("1001")])
    with pytest.raises(CommandError, match="99ZZ"):
        run(path, school="99ZZ")
    with pytest.raises(CommandError, match="BRIN"):
        run(path, school="9")
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "missing.csv")
    assert not Student.objects.exists()


LEVELS = [("havo", 5), ("vwo", 6), ("tl", 4), ("kb", 4), ("bb", 4), ("pro", 5)]


def big_roster(bad_rows=()):
    """2,000 students; the rows in `bad_rows` (spreadsheet numbers) carry one mistake each."""
    mistakes = [
        {"level": "kb/havo"}, {"leerjaar": "7"}, {"born": "31-02-2012"}, {"level": "mbo"},
        {"mentor": "niemand@a.example"}, {"number": "100002"},
    ]
    rows = []
    for i in range(2000):
        row_number = i + 2
        level, top = LEVELS[i % len(LEVELS)]
        fields = {"number": str(100000 + i), "level": level, "leerjaar": str(1 + i % top),
                  "born": f"{1 + i % 28:02d}-{1 + i % 12:02d}-2011",
                  "mentor": "mentor@a.example" if i % 2 else ""}
        if row_number in bad_rows:
            fields.update(mistakes[sorted(bad_rows).index(row_number) % len(mistakes)])
        rows.append(roster_row(fields["number"], given=f"Leerling{i}", family="Groot", born=fields["born"],
                               level=fields["level"], leerjaar=fields["leerjaar"],
                               klas=f"{fields['leerjaar']}A",
                               mentor=fields["mentor"]))
    return rows


def test_a_roster_of_2000_with_20_bad_rows_is_rejected_then_the_corrected_file_imports_once(
        tmp_path, school_a, mentor_a):
    bad_rows = {5 + 97 * k for k in range(20)}  # spread through the file, from row 5 to row 1848
    output = rejected(write_csv(tmp_path / "roster.csv", big_roster(bad_rows)))
    assert "rows read: 2000 / created: 0 / updated: 0 / unchanged: 0 / rejected: 20" in output
    assert sorted(row for row, _c, _v in errors_in(output)) == sorted(bad_rows)
    assert not Student.objects.exists()
    assert not AuditEntry.objects.exists()

    corrected = write_csv(tmp_path / "roster.csv", big_roster())
    assert "rows read: 2000 / created: 2000 / updated: 0 / unchanged: 0 / rejected: 0" in run(corrected)
    snapshot = list(Student.objects.order_by("student_number").values())
    assert MentorAssignment.objects.count() == 1000

    assert "rows read: 2000 / created: 0 / updated: 0 / unchanged: 2000 / rejected: 0" in run(corrected)
    assert list(Student.objects.order_by("student_number").values()) == snapshot
    assert MentorAssignment.objects.count() == 1000
    assert AuditEntry.objects.count() == 1
