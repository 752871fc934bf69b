"""Score import through `manage.py import_scores`: grades and Cito results, every bad input
named, all rows or none, idempotent, bounded in memory by reading in chunks."""

import re
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from portal.models import AuditEntry, School
from students.imports import reading
from students.models import ColumnMapping, ImportJob, Score, StandardisedResult, Subject
from tests.conftest import make_student

pytestmark = pytest.mark.django_db

HEADER = ["leerlingnummer", "vak", "toets", "datum", "cijfer", "weging", "periode"]
CITO_HEADER = ["leerlingnummer", "toets", "domein", "afnamedatum", "niveau", "vaardigheidsscore"]
ERROR_LINE = re.compile(r"^row (\d+), column '([^']*)', value '([^']*)': (.+)$", re.M)


@pytest.fixture
def school(school_a):
    """Het Baken College with the standard subjects and three students (one number with zeros)."""
    for number in ("1001", "1002", "001003"):
        make_student(school_a, student_number=number)
    return school_a


def write_csv(path, rows, *, header=HEADER, sep=";", encoding="utf-8"):
    lines = [sep.join(header)] + [sep.join(row) for row in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def grade(number="1001", subject="ne", test="Toets 1", day="14-09-2026", value="6,5", weight="1",
          period="P1"):
    return [number, subject, test, day, value, weight, period]


def run(path, *args, school="12AB"):
    out = StringIO()
    call_command("import_scores", str(path), "--school", school, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def rejected(path, *args, school="12AB", match="nothing was written"):
    """The output of a run that must fail: the summary and every error line."""
    out = StringIO()
    with pytest.raises(CommandError, match=match):
        call_command("import_scores", str(path), "--school", school, *args, stdout=out,
                     stderr=StringIO())
    return out.getvalue()


def errors_in(output):
    """[(row, column, value)] of the error lines the command printed."""
    return [(int(row), column, value) for row, column, value, _reason in ERROR_LINE.findall(output)]


def scores():
    return sorted(Score.objects.values_list("student__student_number", "subject__code", "test", "date",
                                            "grade", "weight", "period"))


def test_a_grade_export_is_imported_and_importing_it_again_changes_nothing(tmp_path, school, leader_a):
    path = write_csv(tmp_path / "cijfers.csv", [
        grade("1001", "Nederlandse taal", "Toets 1", "14-09-2026", "5,5", "2", "P1"),
        grade("1002", "ne", "Toets 1", "14-09-2026", "10", "", "P1"),
        grade("001003", "WI", "H1 getallen", "2-10-2026", "6,7", "0,5", ""),
    ])
    output = run(path)
    assert "rows read: 3 / imported: 3 (new: 3, updated: 0) / unchanged: 0 / rejected: 0" in output
    assert scores() == [
        ("001003", "wi", "H1 getallen", date(2026, 10, 2), Decimal("6.7"), Decimal("0.5"), ""),
        ("1001", "ne", "Toets 1", date(2026, 9, 14), Decimal("5.5"), Decimal("2"), "P1"),
        ("1002", "ne", "Toets 1", date(2026, 9, 14), Decimal("10"), Decimal("1"), "P1"),
    ]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.school) == ("import", "score", school)
    assert entry.summary == "cijfers: 3 nieuw, 0 bijgewerkt, 0 ongewijzigd"

    again = run(path)
    assert "rows read: 3 / imported: 0 (new: 0, updated: 0) / unchanged: 3 / rejected: 0" in again
    assert Score.objects.count() == 3
    assert AuditEntry.objects.count() == 1  # nothing changed, nothing to log


def test_overlapping_files_add_and_update_but_never_duplicate(tmp_path, school):
    run(write_csv(tmp_path / "periode1.csv", [
        grade("1001", test="Toets 1", value="5,5"), grade("1001", test="Toets 2", value="6"),
        grade("1002", test="Toets 1", value="7"),
    ]))
    output = run(write_csv(tmp_path / "tot-nu.csv", [
        grade("1001", test="Toets 2", value="6,4"),  # corrected
        grade("1002", test="Toets 1", value="7,0"),  # the same grade, written differently
        grade("1002", test="Toets 2", value="8"),  # new
    ]))
    assert "imported: 2 (new: 1, updated: 1) / unchanged: 1" in output
    assert [(n, t, g) for n, _s, t, _d, g, _w, _p in scores()] == [
        ("1001", "Toets 1", Decimal("5.5")), ("1001", "Toets 2", Decimal("6.4")),
        ("1002", "Toets 1", Decimal("7")), ("1002", "Toets 2", Decimal("8")),
    ]
    assert AuditEntry.objects.first().summary == "cijfers: 1 nieuw, 1 bijgewerkt, 1 ongewijzigd"


def test_a_comma_separated_file_with_a_byte_order_mark_and_decimal_points(tmp_path, school):
    path = write_csv(tmp_path / "export.csv", [grade(value="5.5"), grade("1002", value="7.0")],
                     sep=",", encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "new: 2" in run(path)
    assert [s[4] for s in scores()] == [Decimal("5.5"), Decimal("7")]


def test_a_windows_1252_file_keeps_its_accents(tmp_path, school):
    path = write_csv(tmp_path / "export.csv", [grade(subject="fa", test="Passé composé – H2")],
                     encoding="cp1252")
    assert b"Pass\xe9 compos\xe9 \x96 H2" in path.read_bytes()
    run(path)
    assert Score.objects.get().test == "Passé composé – H2"


def test_an_xlsx_export_with_number_and_date_cells_and_other_header_spellings(tmp_path, school):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Leerlingnr", "Vakcode", "Omschrijving", "Toetsdatum", "Resultaat", "Weegfactor",
                  "Periode", "Docent"])
    sheet.append([1001, "EN", "Vocabulary 1", datetime(2026, 9, 14), 6.7, 2, "P1", "JDV"])
    sheet.append([])  # a blank row is skipped and does not shift the row numbers
    sheet.append([1003, "en", "Vocabulary 1", "15-09-2026", "5,4", None, None, None])
    sheet.append([1002, "en", "Vocabulary 1", date(2026, 9, 14), 11, 1, "P1", None])
    workbook.save(tmp_path / "cijfers.xlsx")

    output = rejected(tmp_path / "cijfers.xlsx")
    assert "rows read: 3" in output and "rejected: 1" in output
    assert errors_in(output) == [(5, "Resultaat", "11")]  # spreadsheet rows, header is row 1
    sheet.delete_rows(5)
    workbook.save(tmp_path / "cijfers.xlsx")

    assert "new: 2" in run(tmp_path / "cijfers.xlsx")
    assert scores() == [
        ("001003", "en", "Vocabulary 1", date(2026, 9, 15), Decimal("5.4"), Decimal("1"), ""),
        ("1001", "en", "Vocabulary 1", date(2026, 9, 14), Decimal("6.7"), Decimal("2"), "P1"),
    ]


BAD_INPUT = [
    # (cells of the bad row, column, English reason)
    (grade(value="11"), "cijfer", "A grade lies between 1 and 10."),
    (grade(value="0,5"), "cijfer", "A grade lies between 1 and 10."),
    (grade(value="ZIEK"), "cijfer", "Not a grade or a mark; write a number from 1 to 10 (for example "
                                    "6,75) or O, V, G, ZG (onvoldoende to zeer goed), vr (vrijstelling) "
                                    "or inh (not yet made)."),
    (grade(value="6,755"), "cijfer", "Give the grade with at most two decimals, for example 6,75."),
    (grade(value=""), "cijfer", "Required; this cell is empty."),
    (grade(number="9999"), "leerlingnummer", "No student with this student number at this school."),
    (grade(number=""), "leerlingnummer", "Required; this cell is empty."),
    # A subject the school does not know is the user's choice (test_new_subjects); text without
    # a letter or digit in it is no subject at all.
    (grade(subject="?"), "vak", "Unknown subject: this school has no subject with this code or name."),
    (grade(day="31-02-2026"), "datum", "This date does not exist."),
    (grade(day="14-9-26"), "datum", "Not a date; write it as dd-mm-jjjj, for example 04-05-2012."),
    (grade(day="14-09-2096"), "datum", "This date lies in the future."),
    (grade(day="14-09-1026"), "datum", "This date lies before 2000; check the year."),
    (grade(test=""), "toets", "Required; this cell is empty."),
    (grade(test="x" * 101), "toets", "Too long: at most 100 characters."),
    (grade(weight="0"), "weging", "Not a weight; write a number greater than 0 with at most one decimal, for example 2 or 0,5."),
    (grade(period="P" * 21), "periode", "Too long: at most 20 characters."),
    (grade(test="Toets 9", value="7"), "toets",  # the same student, subject, test and date as row 2
     "This student already has a grade for this subject, test and date in row 2."),
]


@pytest.mark.parametrize("bad, column, reason", BAD_INPUT, ids=[f"{c}:{r[:30]}" for _b, c, r in BAD_INPUT])
def test_each_bad_input_is_a_row_error_and_the_file_writes_nothing(tmp_path, school, bad, column, reason):
    path = write_csv(tmp_path / "cijfers.csv", [grade(test="Toets 9", value="6"), bad])
    with translation.override("en"):
        output = rejected(path)
    assert errors_in(output) == [(3, column, bad[HEADER.index(column)])]
    assert output.splitlines()[-1].endswith(reason)
    assert "rows read: 2 / imported: 0 (new: 0, updated: 0) / unchanged: 0 / rejected: 1" in output
    assert not Score.objects.exists() and not AuditEntry.objects.exists()


def test_all_errors_are_listed_row_by_row_left_to_right_across_chunks(tmp_path, school, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", 4)  # the file spans several chunks
    rows = [grade(test=f"Toets {n}") for n in range(1, 11)]
    rows[2] = grade("9999", "??", "Toets 3", "31-02-2026", "12")
    rows[7] = grade(test="Toets 2")  # row 9 repeats row 3, read in another chunk
    path = write_csv(tmp_path / "cijfers.csv", rows)
    with translation.override("en"):
        output = rejected(path)
    assert errors_in(output) == [
        (4, "leerlingnummer", "9999"), (4, "vak", "??"), (4, "datum", "31-02-2026"), (4, "cijfer", "12"),
        (9, "toets", "Toets 2"),
    ]
    assert "row 3." in output.splitlines()[-1]
    assert "rows read: 10 / imported: 0 (new: 0, updated: 0) / unchanged: 0 / rejected: 2" in output


def test_more_than_a_thousand_errors_keep_the_first_thousand_and_count_the_rest(tmp_path, school):
    path = write_csv(tmp_path / "cijfers.csv", [grade("9999", test=f"T{n}") for n in range(1, 1101)])
    output = rejected(path)
    assert len(errors_in(output)) == 1000 and errors_in(output)[-1][0] == 1001
    assert "... and 100 more errors." in output
    assert "rejected: 1100" in output


def test_subjects_match_by_code_name_and_common_spellings(tmp_path, school):
    spellings = ["ne", "NE", "Ned", "Nederlands", "nederlandse taal", " Ne "]
    path = write_csv(tmp_path / "cijfers.csv",
                     [grade(subject=s, test=f"Toets {n}") for n, s in enumerate(spellings)])
    run(path)
    assert set(Score.objects.values_list("subject__code", flat=True)) == {"ne"}

    astronomy = write_csv(tmp_path / "st.csv", [grade(subject="Sterrenkunde")])
    assert "New subject 'Sterrenkunde': 1 row(s) (2)" in rejected(astronomy, match="new to this school")
    Subject.objects.create(school=school, code="st", name="sterrenkunde")
    run(astronomy)
    assert Score.objects.filter(subject__code="st").count() == 1


def test_a_new_schools_grade_export_imports_without_subjects_made_by_hand(tmp_path):
    call_command("create_school", "56EF", "Nieuw Lyceum", stdout=StringIO())
    make_student(School.objects.get(brin="56EF"), student_number="1001")
    path = write_csv(tmp_path / "cijfers.csv", [
        grade(subject="wi", test="T1"), grade(subject="Wiskunde B", test="T2"),
        grade(subject="lo", test="T3"), grade(subject="M&O", test="T4"), grade(subject="NaSk 1", test="T5")])
    run(path, school="56EF")
    assert sorted(Score.objects.values_list("subject__code", flat=True)) == [
        "beco", "lo", "nask1", "wb", "wi"]


def test_a_student_number_without_its_leading_zeros_still_matches(tmp_path, school):
    run(write_csv(tmp_path / "cijfers.csv", [grade("1003"), grade("001003", test="Toets 2")]))
    assert set(Score.objects.values_list("student__student_number", flat=True)) == {"001003"}


def test_standardised_results_with_levels_i_to_v_and_a_to_e(tmp_path, school):
    path = write_csv(tmp_path / "cito.csv", [
        ["1001", "Cito 3.0 M", "rekenen", "15-01-2026", "I", "178"],
        ["1001", "Cito 3.0 M", "begrijpend lezen", "15-01-2026", "iv", "142"],
        ["1002", "LVS groep 8", "rekenen", "01-02-2025", "E", ""],
        ["1002", "LVS groep 8", "spelling", "01-02-2025", "A", "201"],
        ["001003", "Cito 3.0 M", "Engels", "15-01-2026", "V", "99"],
    ], header=CITO_HEADER)
    with translation.override("en"):
        output = run(path)
    assert output.startswith("standardised test results (Cito / LVS)")
    assert "rows read: 5 / imported: 5 (new: 5, updated: 0)" in output
    assert sorted(StandardisedResult.objects.values_list(
        "student__student_number", "domain", "test", "date", "level", "ability")) == [
        ("001003", "Engels", "Cito 3.0 M", date(2026, 1, 15), 5, 99),
        ("1001", "begrijpend lezen", "Cito 3.0 M", date(2026, 1, 15), 4, 142),
        ("1001", "rekenen", "Cito 3.0 M", date(2026, 1, 15), 1, 178),
        ("1002", "rekenen", "LVS groep 8", date(2025, 2, 1), 5, None),
        ("1002", "spelling", "LVS groep 8", date(2025, 2, 1), 1, 201),
    ]
    assert not Score.objects.exists()
    assert AuditEntry.objects.get().summary == "toetsresultaten (LVS): 5 nieuw, 0 bijgewerkt, 0 ongewijzigd"
    assert "imported: 0 (new: 0, updated: 0) / unchanged: 5" in run(path)


def test_bad_cito_levels_and_ability_scores_are_row_errors(tmp_path, school):
    path = write_csv(tmp_path / "cito.csv", [
        ["1001", "Cito", "rekenen", "15-01-2026", "VI", "178"],
        ["1001", "Cito", "lezen", "15-01-2026", "F", "12,5"],
        ["1002", "Cito", "", "15-01-2026", "II", "150"],
        ["1002", "Cito", "rekenen", "15-01-2026", "III", "150"],
        ["1002", "Cito", "rekenen", "15-01-2026", "II", "151"],
    ], header=CITO_HEADER)
    with translation.override("en"):
        output = rejected(path, "--kind", "standardised")
    assert errors_in(output) == [
        (2, "niveau", "VI"), (3, "niveau", "F"), (3, "vaardigheidsscore", "12,5"), (4, "domein", ""),
        (6, "toets", "Cito"),
    ]
    assert "Unknown level; use I, II, III, IV or V, A to E, a reference level" in output
    assert "already has a result for this domain, test and date in row 5." in output
    assert not StandardisedResult.objects.exists()


def test_a_dry_run_reports_what_would_change_and_writes_nothing(tmp_path, school):
    run(write_csv(tmp_path / "eerst.csv", [grade(value="5")]))
    path = write_csv(tmp_path / "cijfers.csv", [grade(value="6"), grade("1002")])
    output = run(path, "--dry-run")
    assert "Dry run: nothing was written." in output
    assert "rows read: 2 / imported: 2 (new: 1, updated: 1) / unchanged: 0 / rejected: 0" in output
    assert [s[4] for s in scores()] == [Decimal("5")]
    assert AuditEntry.objects.count() == 1


def test_missing_required_columns_are_one_file_error(tmp_path, school):
    path = write_csv(tmp_path / "cijfers.csv", [["1001", "ne", "6"]], header=["leerling", "vak", "punt"])
    with translation.override("en"):
        output = rejected(path)
    assert ("file: Required columns are missing: leerlingnummer, toets, datum, cijfer. "
            "Columns found: leerling, vak, punt.") in output
    assert "rows read: 1" in output and "rejected: 1" in output


def test_a_saved_column_mapping_is_applied(tmp_path, school):
    ColumnMapping.objects.create(school=school, kind=ImportJob.Kind.SCORES, mapping={
        "grades": {"student_number": "Lln", "subject": "Onderwerp", "test": "Beschrijving",
                   "date": "Dag", "grade": "Punt"}})
    path = write_csv(tmp_path / "export.csv", [["1001", "ne", "Toets 1", "14-09-2026", "7,5"]],
                     header=["LLN", "onderwerp", "Beschrijving", "Dag", "Punt"])
    assert "new: 1" in run(path)
    assert Score.objects.get().grade == Decimal("7.5")


def test_files_that_cannot_be_read(tmp_path, school):
    pdf = tmp_path / "cijfers.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    assert "file: " in rejected(pdf)
    broken = tmp_path / "cijfers.xlsx"
    broken.write_bytes(b"not a workbook")
    assert "file: " in rejected(broken)
    empty = tmp_path / "leeg.csv"
    empty.write_bytes(b"")
    assert "file: " in rejected(empty)
    ragged = tmp_path / "scheef.csv"
    ragged.write_text("leerlingnummer;vak;toets;datum;cijfer\n1001;ne;T1;14-09-2026;6;7;8\n")
    assert "file: " in rejected(ragged)


def test_an_unknown_school_or_file_is_a_clear_error(tmp_path, school):
    with pytest.raises(CommandError, match="99ZZ"):
        call_command("import_scores", str(tmp_path / "x.csv"), "--school", "99ZZ", stdout=StringIO())
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_scores", str(tmp_path / "x.csv"), "--school", "12AB", stdout=StringIO())


# Atomicity: a failure late in the write leaves the database as it was. The failure is real:
# a database trigger (the database is the boundary we do not own) refuses one row or the audit
# entry, after every earlier row has gone into the same statement or transaction.

def fail_on_insert(table, condition):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS "
                           "$$ BEGIN RAISE EXCEPTION 'disk full (injected)'; END $$")
            cursor.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} FOR EACH ROW "
                           f"WHEN ({condition}) EXECUTE FUNCTION refuse_row()")
        else:
            cursor.execute(f"CREATE TRIGGER refuse BEFORE INSERT ON {table} WHEN {condition} "
                           "BEGIN SELECT RAISE(ABORT, 'disk full (injected)'); END")


@pytest.fixture
def year_so_far(tmp_path, school):
    """Grades already in the database from an earlier import."""
    run(write_csv(tmp_path / "eerder.csv", [grade(n, test=f"Toets {t}", value="5")
                                            for n in ("1001", "1002") for t in range(1, 4)]))
    return scores(), AuditEntry.objects.count()


def big_file(tmp_path):
    """Updates of the earlier grades, then 300 new ones; the last row is the one refused."""
    rows = [grade(n, test=f"Toets {t}", value="8") for n in ("1001", "1002") for t in range(1, 4)]
    rows += [grade("001003", test=f"Toets {t}", value="7") for t in range(1, 301)]
    return write_csv(tmp_path / "cijfers.csv", rows)


def test_a_failure_at_the_last_row_of_the_write_leaves_the_database_as_it_was(
        tmp_path, year_so_far, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", 50)  # staged in seven chunks
    fail_on_insert("students_score", "NEW.test = 'Toets 300'")
    output = rejected(big_file(tmp_path), match="Import failed; nothing was written: .*disk full")
    assert output == ""
    assert (scores(), AuditEntry.objects.count()) == year_so_far


def test_a_failure_after_every_score_was_written_rolls_them_all_back(tmp_path, year_so_far):
    fail_on_insert("portal_auditentry", "1 = 1")
    rejected(big_file(tmp_path), match="disk full")
    assert (scores(), AuditEntry.objects.count()) == year_so_far


@pytest.mark.postgres
def test_on_postgresql_rows_go_through_copy_with_awkward_text_intact(tmp_path, school):
    awkward = ['Toets "H1"; deel 2', "back\\slash", "tab\there", "komma, en zo", "  spaties  "]
    path = write_csv(tmp_path / "cijfers.csv", [grade(test=f'"{t.replace(chr(34), chr(34) * 2)}"')
                                                for t in awkward])
    assert "new: 5" in run(path)
    assert sorted(Score.objects.values_list("test", flat=True)) == sorted(t.strip() for t in awkward)
    assert "unchanged: 5" in run(path)
    with connection.cursor() as cursor:  # the staging table was temporary and is gone
        cursor.execute("SELECT to_regclass('pg_temp.score_import_staging')")
        assert cursor.fetchone() == (None,)
