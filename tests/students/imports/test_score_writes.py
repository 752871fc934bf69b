"""How `import_scores` writes, and what follows: on PostgreSQL each clean chunk is written
while the next one is checked, yet a file with an error anywhere still writes nothing; the flag
refresh after an import looks at the students whose grades changed, the nightly run at all."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from students.imports import reading
from students.models import Flag, Score, Student
from students.subjects.standard import ensure_standard_subjects
from students.tasks import flag_all_schools
from tests.conftest import make_student

HEADER = "leerlingnummer;vak;toets;datum;cijfer;weging;periode"
CORE = ("ne", "en", "wi")


def write_csv(path, rows):
    path.write_text("\n".join([HEADER, *(";".join(row) for row in rows)]) + "\n", encoding="utf-8")
    return path


def run(path):
    out = StringIO()
    call_command("import_scores", str(path), "--school", "12AB", stdout=out, stderr=StringIO())
    return out.getvalue()


def grades(number, value, day, tests=1):
    return [[number, subject, f"Toets {t}", day.strftime("%d-%m-%Y"), value, "1", "P1"]
            for subject in CORE for t in range(1, tests + 1)]


def open_flag(number):
    return Flag.objects.filter(student__student_number=number, resolved_on__isnull=True).first()


@pytest.mark.django_db
def test_an_import_refreshes_the_flags_of_the_students_whose_grades_changed(
        tmp_path, school_with_numbers, clock, eager_celery, django_capture_on_commit_callbacks):
    today = clock.today
    with django_capture_on_commit_callbacks(execute=True):
        run(write_csv(tmp_path / "week1.csv", grades("1001", "3,0", today) + grades("1002", "3,0", today)))
    assert open_flag("1001") and open_flag("1002")  # both far below 5,5 in the core subjects

    leaver = Student.objects.get(student_number="1002")
    leaver.is_active = False
    leaver.save()
    with django_capture_on_commit_callbacks(execute=True):  # 1001's grades were corrected
        output = run(write_csv(tmp_path / "week2.csv", grades("1001", "8,0", today) + grades("1002", "3,0", today)))
    assert "updated: 3) / unchanged: 3" in output
    assert open_flag("1001") is None  # reassessed: resolved
    assert open_flag("1002")  # not looked at by the import: its grades did not change

    with django_capture_on_commit_callbacks(execute=True):
        flag_all_schools.delay()  # the nightly run of every school
    assert open_flag("1002") is None  # left school: resolved


@pytest.fixture
def school(transactional_db):
    """Het Baken College, committed (the import's checking thread has a connection of its own)."""
    call_command("create_school", "12AB", "Het Baken College", stdout=StringIO())
    from portal.models import School

    school = School.objects.get(brin="12AB")
    ensure_standard_subjects(school)
    for number in ("1001", "1002", "1003"):
        make_student(school, student_number=number)
    return school


def staging_table_left():
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('pg_temp.score_import_staging')")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_on_postgresql_chunks_are_written_while_checked_and_an_error_in_the_last_writes_nothing(
        tmp_path, school, clock, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_ROWS", 20)  # 240 rows: twelve chunks
    day = clock.today
    rows = grades("1001", "6,0", day, tests=40) + grades("1002", "7,0", day, tests=40)
    bad = [*rows[:-1], [*rows[-1][:4], "11", "1", "P1"]]
    out = StringIO()
    with translation.override("en"), pytest.raises(CommandError, match="nothing was written"):
        call_command("import_scores", str(write_csv(tmp_path / "fout.csv", bad)), "--school", "12AB",
                     stdout=out, stderr=StringIO())
    # checked in the thread, in the language of whoever runs the import
    assert "row 241, column 'cijfer', value '11': A grade lies between 1 and 10." in out.getvalue()
    assert Score.objects.count() == 0 and staging_table_left() is None

    with CaptureQueriesContext(connection):  # Django's debug cursor, as with DEBUG on (make run)
        assert "imported: 240 (new: 240, updated: 0)" in run(write_csv(tmp_path / "cijfers.csv", rows))
    assert "unchanged: 240" in run(tmp_path / "cijfers.csv")
    # a week later: the same rows, five grades changed, and a first grade for student 1003
    later = [[*row[:4], "5,0", *row[5:]] if n < 5 else row for n, row in enumerate(rows)]
    later += grades("1003", "8,0", day)
    output = run(write_csv(tmp_path / "later.csv", later))
    assert "imported: 8 (new: 3, updated: 5) / unchanged: 235" in output
    assert Score.objects.count() == 243 and staging_table_left() is None
    assert sorted(Score.objects.filter(grade=5).values_list("student__student_number", flat=True)) == ["1001"] * 5
