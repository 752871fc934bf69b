"""Score import of a school year (50,000 students, 1,000,000 grades) against a raw COPY.

Run (PostgreSQL; the database named in DATABASE_URL is dropped and created anew, so its name
must end in "_bench"):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leerroute_bench DEBUG=1 .venv/bin/python bench/import_scores.py

Options: --students 50000 --rows 1000000 --sqlite-rows 100000 (--sqlite-rows 0 skips SQLite).

What it does, seeded so every run is the same:
1. creates and migrates the database, a fresh school (BRIN 99BN) with the standard subjects
   and 50,000 students, and writes bench/out/scores.csv: 1,000,000 grades of school year
   2025-2026 as a student information system exports them (";", comma decimals, dd-mm-jjjj);
2. times `psql \\copy` of that file into a scratch table of text columns (the raw COPY), and
   `psql \\copy` of the same rows already resolved to ids into a table shaped like
   students_score (same indexes, checks and deferred foreign keys): the database's own floor
   for writing these rows, which no import can beat;
3. times `import_scores` (checks every row, writes in one transaction) on the file, first
   into an empty table and then again (every row unchanged);
4. does 1 and 3 on SQLite with 100,000 rows (bench/out/bench.sqlite3), the default path.

Each import runs in a child process of its own, so its peak RSS (ru_maxrss) is its own; the
figure includes Python, Django and pandas (the "before" column). Flagging after the import is
queued (as with a worker), not run. Output files go to bench/out/ (not committed).
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BRIN = "99BN"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sqlite-rows", type=int, default=100_000)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        return child(args)
    OUT.mkdir(parents=True, exist_ok=True)
    url = os.environ.get("DATABASE_URL", "")
    print(f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}")
    if url.startswith(("postgres://", "postgresql://")):
        postgres(url, args)
    else:
        print("DATABASE_URL is not PostgreSQL: skipping the PostgreSQL part.")
    if args.sqlite_rows:
        sqlite(args)


def postgres(url, args):
    name = urlsplit(url).path.lstrip("/")
    if not name.endswith("_bench"):
        sys.exit(f"The database name must end in _bench (it is dropped and created anew); got {name!r}.")
    recreate_database(url, name)
    setup = run_child("setup", url, students=args.students, rows=args.rows)
    csv, resolved = OUT / "scores.csv", OUT / "scores_resolved.csv"
    print(f"PostgreSQL {setup['server']}: {args.students:,} students, {setup['rows']:,} rows, "
          f"{csv.stat().st_size / 1e6:.0f} MB file ({setup['seconds']:.0f} s to set up)\n")
    header()
    psql(url, "CREATE TABLE bench_raw (leerlingnummer text, vak text, "
              "toets text, datum text, cijfer text, weging text, periode text)")
    seconds = timed(lambda: psql(url, f"\\copy bench_raw FROM '{csv}' WITH (FORMAT csv, DELIMITER ';', HEADER)"))
    line("psql \\copy of the file into text columns", setup["rows"], seconds)
    psql(url, "CREATE TABLE bench_floor (LIKE students_score INCLUDING ALL); "
              "ALTER TABLE bench_floor ADD FOREIGN KEY (student_id) REFERENCES students_student (id) "
              "DEFERRABLE INITIALLY DEFERRED, ADD FOREIGN KEY (subject_id) REFERENCES students_subject (id) "
              "DEFERRABLE INITIALLY DEFERRED")
    seconds = timed(lambda: psql(url, f"\\copy bench_floor (student_id, subject_id, test, date, grade, weight, "
                                      f"period) FROM '{resolved}' WITH (FORMAT csv)"))
    line("psql \\copy of the rows resolved, into a students_score copy", setup["rows"], seconds)
    psql(url, "DROP TABLE bench_raw; DROP TABLE bench_floor")
    first = run_child("import", url, path=csv)
    line("import_scores, first time (all new)", first["rows"], first["seconds"], first)
    assert first["created"] == setup["rows"], first
    again = run_child("import", url, path=csv)
    line("import_scores, same file again (all unchanged)", again["rows"], again["seconds"], again)
    assert again["unchanged"] == setup["rows"], again
    print()


def sqlite(args):
    database = OUT / "bench.sqlite3"
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    students = max(1, args.sqlite_rows // 20)
    setup = run_child("setup", url, students=students, rows=args.sqlite_rows)
    print(f"SQLite {setup['server']}: {students:,} students, {setup['rows']:,} rows\n")
    header()
    first = run_child("import", url, path=OUT / "scores.csv")
    line("import_scores, first time (all new)", first["rows"], first["seconds"], first)
    again = run_child("import", url, path=OUT / "scores.csv")
    line("import_scores, same file again (all unchanged)", again["rows"], again["seconds"], again)
    assert (first["created"], again["unchanged"]) == (setup["rows"], setup["rows"]), (first, again)


def header():
    print(f"{'':58} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'peak RSS':>9} {'before':>7}")


def line(label, rows, seconds, child_figures=None):
    memory = (f"{child_figures['peak_mb']:>6.0f} MB {child_figures['before_mb']:>4.0f} MB"
              if child_figures else f"{'—':>9} {'—':>7}")
    print(f"{label:58} {rows:>10,} {seconds:>8.1f} {rows / seconds:>9,.0f} {memory}", flush=True)


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def psql(url, command):
    subprocess.run(["psql", "--quiet", "--set", "ON_ERROR_STOP=1", "--dbname", url, "--command", command],
                   check=True, stdout=subprocess.DEVNULL)


def recreate_database(url, name):
    import psycopg2

    parts = urlsplit(url)
    admin = psycopg2.connect(parts._replace(path="/postgres").geturl())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def run_child(step, url, **options):
    command = [sys.executable, __file__, "--step", step]
    for key, value in options.items():
        command += [f"--{key}", str(value)]
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "REDIS_URL": ""}
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# Child steps ---------------------------------------------------------------------------------

def child(args):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    figures = setup(args) if args.step == "setup" else import_file(Path(args.path))
    print(json.dumps(figures))


def setup(args):
    from django.core.management import call_command
    from django.db import connection

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    school, students, subjects = make_school(args.students)
    rows = write_files(students, subjects, args.rows)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version" if connection.vendor == "postgresql" else "SELECT sqlite_version()")
        server = cursor.fetchone()[0]
    return {"rows": rows, "seconds": time.perf_counter() - start, "server": server}


def make_school(count):
    import numpy as np

    from portal import services as portal_services
    from students.models import MAX_LEERJAAR, Student, Subject
    from students.subjects.standard import ensure_standard_subjects

    school, _created = portal_services.create_school(brin=BRIN, name="Benchmark College")
    ensure_standard_subjects(school)
    rng = np.random.default_rng(2026)
    levels = list(MAX_LEERJAAR)
    Student.objects.bulk_create([
        Student(school=school, student_number=f"{200000 + n}", given_name="Leerling", family_name=f"B{n}",
                level=(level := levels[int(rng.integers(len(levels)))]),
                leerjaar=int(rng.integers(1, MAX_LEERJAAR[level] + 1)), class_code=f"K{n % 400}")
        for n in range(count)
    ], batch_size=5000)
    students = dict(Student.objects.filter(school=school).values_list("student_number", "pk"))
    subjects = dict(Subject.objects.filter(school=school).values_list("code", "pk"))
    return school, students, subjects


def write_files(students, subjects, rows):
    """The export (Dutch format) and the same rows resolved to ids (for the floor COPY)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    numbers = np.array(sorted(students))
    per_student = -(-rows // len(numbers))  # tests per student in the school year
    codes = np.array(sorted(subjects))
    k = np.tile(np.arange(per_student), len(numbers))[:rows]
    number = np.repeat(numbers, per_student)[:rows]
    subject = codes[k % len(codes)]
    test = pd.Series(k // len(codes) + 1).map("Toets {}".format)
    day = (np.datetime64("2025-09-01") + (k * 9 + (k % 5)).astype("timedelta64[D]"))
    grade = np.clip(np.round(rng.normal(6.6, 1.3, rows), 1), 1, 10)
    weight = np.where(k % 3 == 2, 2, 1)
    period = np.where(day < np.datetime64("2025-11-15"), "P1", np.where(day < np.datetime64("2026-02-15"), "P2", "P3"))
    grade_text = pd.Series(grade).map("{:.1f}".format)
    pd.DataFrame({
        "leerlingnummer": number, "vak": subject, "toets": test,
        "datum": pd.to_datetime(day).strftime("%d-%m-%Y"), "cijfer": grade_text.str.replace(".", ",", regex=False),
        "weging": weight, "periode": period,
    }).to_csv(OUT / "scores.csv", sep=";", index=False)
    pd.DataFrame({
        "student_id": pd.Series(number).map(students), "subject_id": pd.Series(subject).map(subjects),
        "test": test, "date": pd.to_datetime(day).strftime("%Y-%m-%d"), "grade": grade_text,
        "weight": weight, "period": period,
    }).to_csv(OUT / "scores_resolved.csv", header=False, index=False)
    return rows


def import_file(path):
    from portal.celery import app
    from portal.models import School
    from students.imports import scores

    app.conf.task_always_eager = False  # flagging is queued for a worker, as in production
    school = School.objects.get(brin=BRIN)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    result = scores.import_scores(school=school, path_or_file=path)
    seconds = time.perf_counter() - start
    assert not result.rejected, [str(e) for e in result.errors[:5]]
    return {"rows": result.rows_read, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "seconds": seconds, "before_mb": before,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


if __name__ == "__main__":
    main()
