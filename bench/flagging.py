"""Flagging a school of 50,000 students: seconds and queries per run.

Measures `students.risk.flagging.flag_students` on one school with 50,000 active students, about
1,000,000 scores (from the start of the school year up to today, so every score counts),
weekly signals and standardised (Cito) results:

1. first run: every at-risk student gets a flag, an event, a notification; mentors get mail;
2. second run on the same data: must change nothing (idempotent);
3. third run after new grades for one student in ten (what follows a score import).

Run it on PostgreSQL (the target is under 10 s on 2 cores):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leerroute_flagbench DEBUG=1 \
        .venv/bin/python bench/flagging.py

The script creates that database when it is missing and migrates it; the data is loaded once
(seeded, so every run sees the same data) and reused; `--fresh` loads it again and
`--students N` picks another size. It also runs on SQLite for a small N (no COPY there).
E-mail goes to Django's in-memory backend.
"""

import argparse
import io
import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("EMAIL_URL", "memorymail://")

BRIN = "BNCH"
TWELVE_SUBJECTS = ["ne", "en", "wi", "fa", "du", "gs", "ak", "bi", "na", "sk", "ec", "lo"]
SEED = 20261125
STUDENTS_PER_CLASS = 25
SCORES_PER_STUDENT = 20
LEVELS = [("vmbo_bb", 4, 0.10), ("vmbo_kb", 4, 0.15), ("vmbo_gt", 4, 0.25), ("havo", 5, 0.25),
          ("vwo", 6, 0.25)]


def ensure_database():
    """CREATE DATABASE when DATABASE_URL points at a PostgreSQL database that does not exist."""
    import environ

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return
    config = environ.Env.db_url_config(url)
    import psycopg2
    from psycopg2 import sql

    connection = psycopg2.connect(dbname="postgres", user=config["USER"], password=config["PASSWORD"],
                                  host=config["HOST"], port=config["PORT"] or 5432)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"created database {config['NAME']}")
    connection.close()


def setup():
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def grade(value):
    return Decimal(str(min(10.0, max(1.0, round(value, 1)))))


def load(n_students, today):
    """The bench school with seeded data; bulk_create for rows with objects, COPY (PostgreSQL)
    for the million scores."""
    from django.db import connection, transaction

    from portal.models import Membership, Role, School, User
    from portal.schoolyear import SchoolYear, week_start
    from students.models import Category, Score, Signal, StandardisedResult, Student, Subject
    from students.subjects.standard import ensure_standard_subjects

    rng = random.Random(SEED)
    year = SchoolYear.of(today)
    start = year.start + timedelta(days=24)  # lessons start late August
    days = max(1, (today - start).days)
    with transaction.atomic():
        school = School.objects.create(brin=BRIN, name="Benchmark College")
        ensure_standard_subjects(school)  # graded in the twelve subjects of the earlier figures
        subjects = list(Subject.objects.filter(school=school, code__in=TWELVE_SUBJECTS).order_by("pk"))
        n_classes = -(-n_students // STUDENTS_PER_CLASS)
        mentors = User.objects.bulk_create([
            User(email=f"mentor{i}@bench.example", first_name="Mentor", last_name=str(i),
                 password="!") for i in range(n_classes)], batch_size=2000)
        Membership.objects.bulk_create([Membership(user=m, school=school, role=Role.MENTOR)
                                        for m in mentors], batch_size=2000)
        students = []
        for i in range(n_students):
            level, top, _share = rng.choices(LEVELS, weights=[w for *_x, w in LEVELS])[0]
            students.append(Student(
                school=school, student_number=str(1_000_000 + i), given_name="Leerling",
                family_name=str(i), level=level, leerjaar=rng.randint(1, top),
                class_code=f"K{i // STUDENTS_PER_CLASS}", mentor=mentors[i // STUDENTS_PER_CLASS],
                sex=rng.choice("vmx")))
        students = Student.objects.bulk_create(students, batch_size=5000)

        scores, signals, results = [], [], []
        for student in students:
            ability = rng.gauss(6.6, 0.8)
            sliding = rng.random() < 0.12
            slope = rng.gauss(-0.12, 0.04) if sliding else rng.gauss(0, 0.02)  # per week
            offsets = [rng.gauss(0, 0.6) for _s in subjects]
            for n in range(SCORES_PER_STUDENT):
                s = n % len(subjects)
                day = start + timedelta(days=rng.randrange(days))
                value = ability + offsets[s] + slope * (day - start).days / 7 + rng.gauss(0, 0.6)
                scores.append((student.pk, subjects[s].pk, f"T{n}", day, grade(value),
                               Decimal(rng.choice((1, 1, 2))), "P1"))
            for week in range(0, days // 7 + 1):
                monday = week_start(start) + timedelta(weeks=week)
                if sliding and rng.random() < 0.5:
                    signals.append((student.pk, monday, rng.choice(
                        [Category.MOTIVATION, Category.STUDY_SKILLS, Category.ATTENDANCE]),
                        rng.choice((1, 2, 2, 3))))
                elif rng.random() < 0.02:
                    signals.append((student.pk, monday, Category.WELLBEING, rng.choice((1, 2))))
            level = rng.randint(1, 4)
            for domain in ("rekenen", "lezen", "Engels"):
                drop = 1 if sliding and rng.random() < 0.4 else 0
                results.append((student.pk, "Cito 1", domain, today - timedelta(days=300), level))
                results.append((student.pk, "Cito 2", domain, today - timedelta(days=30),
                                min(5, level + drop)))
        if connection.vendor == "postgresql":
            copy(Score, ["student_id", "subject_id", "test", "date", "grade", "weight", "period"], scores)
            now = "now()"
            copy(Signal, ["student_id", "week", "category", "severity", "note", "history",
                          "created_at", "updated_at"],
                 [(*row, "", "[]", now, now) for row in signals])
            copy(StandardisedResult, ["student_id", "test", "domain", "date", "level"], results)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        else:
            Score.objects.bulk_create([Score(student_id=a, subject_id=b, test=c, date=d, grade=e,
                                             weight=f, period=g) for a, b, c, d, e, f, g in scores],
                                      batch_size=5000)
            Signal.objects.bulk_create([Signal(student_id=a, week=b, category=c, severity=d)
                                        for a, b, c, d in signals], batch_size=5000)
            StandardisedResult.objects.bulk_create(
                [StandardisedResult(student_id=a, test=b, domain=c, date=d, level=e)
                 for a, b, c, d, e in results], batch_size=5000)
    print(f"loaded {len(students)} students, {len(scores)} scores, {len(signals)} signals, "
          f"{len(results)} standardised results")
    return school


def copy(model, columns, rows):
    from django.db import connection

    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(str(v) for v in row) + "\n")
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN", buffer)


def new_grades(school, today, share=0.1):
    """One new grade for one student in ten, as a score import would add."""
    from students.models import Score, Student, Subject

    rng = random.Random(SEED + 1)
    subject = Subject.objects.filter(school=school).order_by("pk").first()
    ids = list(Student.objects.filter(school=school).values_list("pk", flat=True))
    stamp = f"bench {time.time_ns()}"
    Score.objects.bulk_create([Score(student_id=pk, subject=subject, test=stamp, date=today,
                                     grade=grade(rng.uniform(2, 9)), weight=Decimal(2))
                               for pk in rng.sample(ids, int(len(ids) * share))], batch_size=5000)


def timed(label, school):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from students.risk.flagging import flag_students

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        run = flag_students(school)
        seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:6.2f} s  {len(queries):4d} queries   {run}")
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=50_000)
    parser.add_argument("--fresh", action="store_true", help="load the data again")
    args = parser.parse_args()
    setup()

    from django.db import connection
    from django.utils import timezone

    from portal.models import School, User
    from students.models import Flag, Score, Student

    today = timezone.localdate()
    school = School.objects.filter(brin=BRIN).first()
    if school and (args.fresh or Student.objects.filter(school=school).count() != args.students):
        print("removing the previous bench data …")
        with connection.cursor() as cursor:  # faster than the ORM's cascade for a million rows
            for table in ("students_notification", "students_flagevent", "students_flag",
                          "students_score", "students_signal", "students_standardisedresult"):
                cursor.execute(f"DELETE FROM {table}")
        Student.objects.filter(school=school).delete()
        User.objects.filter(email__endswith="@bench.example").delete()
        school.delete()
        school = None
    if school is None:
        started = time.perf_counter()
        school = load(args.students, today)
        print(f"loading took {time.perf_counter() - started:.0f} s")
    Score.objects.filter(student__school=school, test__startswith="bench ").delete()
    Flag.objects.filter(student__school=school).delete()

    print(f"{connection.vendor}, {os.cpu_count()} cores, {args.students} students")
    timed("first run (raises flags)", school)
    timed("second run (same data: no-op)", school)
    new_grades(school, today)
    timed("third run (new grades for 10%)", school)
    print(f"flags: {Flag.objects.filter(student__school=school, resolved_on__isnull=True).count()}")


if __name__ == "__main__":
    main()
