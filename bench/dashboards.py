"""Dashboards at national scale: 650 schools, 1,000,000 students, a school year of flags,
plans, evaluations and last year's promotion decisions.

Measures, on PostgreSQL:
1. refreshing the stored measures of every school (what the nightly Celery run does);
2. the inspector overview of all 650 schools and a school leader's dashboard: median and
   p95 over 50 requests each (in-process Django test client: URL routing, middleware, the
   queries and the template, no network), with the number of queries per request;
3. the inspector's page of one school and the leader's drill-down into one group.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leerroute_dashbench \
        DEBUG=0 SECRET_KEY=bench HTTPS=0 STATIC_MANIFEST=0 .venv/bin/python bench/dashboards.py

(production settings: DEBUG=1 would log every query and slow the pages down).

The database is created when missing and loaded once with set-based SQL (deterministic, so
every run sees the same data); `--fresh` loads it again; `--schools` and `--students` pick
another size. The target: under 300 ms p95 for the inspector overview.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("EMAIL_URL", "memorymail://")

sys.path.insert(0, str(ROOT / "bench"))
from flagging import ensure_database  # noqa: E402  (one way to create the bench database)

PASSWORD = "bench-dashboards"
INSPECTOR = "inspecteur@bench.invalid"
LEADER = "schoolleider@bench.invalid"


def setup():
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(schools, students):
    """Schools, students, flags (about 14 %), their events, plans for most flagged students,
    evaluations of the plans older than six weeks, and last year's decisions (4 % repeat)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from portal.models import Membership, Role, School, User
    from portal.schoolyear import SchoolYear

    today = timezone.localdate()
    year = SchoolYear.of(today)
    start = year.start.replace(month=9, day=1)  # lessons start in September
    start = start if start < today else year.start
    days = max((today - start).days, 1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE portal_school, portal_user RESTART IDENTITY CASCADE")
        cursor.execute("""
            INSERT INTO portal_school (name, brin, vestiging, sector, municipality, board)
            SELECT 'School ' || g, 'B' || lpad(g::text, 3, '0'), '', 'vo', 'Gemeente ' || (g %% 97), ''
            FROM generate_series(1, %s) g""", [schools])
        # Levels in rotation; leerjaar within the level's range; every 13th student has no mentor.
        cursor.execute("""
            INSERT INTO students_student (school_id, student_number, given_name, tussenvoegsel, family_name,
                level, leerjaar, class_code, is_active, sex, primary_school_notes)
            SELECT 1 + (g %% %s), (100000 + g)::text, 'Leerling', '', 'Nummer ' || g,
                (ARRAY['pro','vmbo_bb','vmbo_kb','vmbo_gt','havo','vwo'])[1 + (g / %s) %% 6],
                1 + (g / (%s * 6)) %% (ARRAY[4,4,4,4,5,6])[1 + (g / %s) %% 6],
                'K' || (g %% 40), true, '', ''
            FROM generate_series(1, %s) g""", [schools, schools, schools, schools, students])
        # Flags: a deterministic pseudo-random 14 %, raised during the school year so far.
        cursor.execute("""
            INSERT INTO students_flag (student_id, level, reasons, status, raised_on, changed_on, resolved_on,
                dismiss_reason, projection, projection_rule)
            SELECT s.id, 1 + (h %% 4 = 0)::int, '[{"rule": "insufficient", "text": "bench", "points": 2}]',
                CASE WHEN h %% 10 = 0 THEN 'resolved' WHEN h %% 25 = 1 THEN 'dismissed' ELSE 'open' END,
                %s::date + (h %% %s) * interval '1 day' + interval '15 hours',
                %s::date + (h %% %s) * interval '1 day' + interval '15 hours',
                CASE WHEN h %% 10 = 0 THEN %s::date + (h %% %s) * interval '1 day' + interval '30 days' END,
                '', '', ''
            FROM (SELECT id, (id * 2654435761) %% 1000 AS h FROM students_student) s
            WHERE s.h < 140""", [start, days, start, days, start, days])
        cursor.execute("UPDATE students_flag SET resolved_on = NULL WHERE resolved_on > now()")
        cursor.execute("""
            INSERT INTO students_flagevent (flag_id, at, kind, level, reasons, note)
            SELECT id, raised_on, 'raised', level, reasons, '' FROM students_flag""")
        # Plans for three in four flagged students, 0-29 days after the flag.
        cursor.execute("""
            INSERT INTO interventions_interventionplan (student_id, title, need, goal, started_on, status,
                next_evaluation_on, dose, agreements, created_at)
            SELECT student_id, 'Bijles', 'bench', 'voldoende', d, 'active', d + 42, '', '', now()
            FROM (SELECT student_id, LEAST(raised_on::date + (id %% 30)::int, %s::date) AS d
                  FROM students_flag WHERE id %% 4 <> 0) f""", [today])
        cursor.execute("""
            INSERT INTO interventions_planevaluation (plan_id, cycle, due_on, evaluated_on, goal_result, decision,
                notes, created_at)
            SELECT id, 1, started_on + 42, started_on + 42 + (id %% 7)::int,
                (ARRAY['met','partly','not_met'])[1 + id %% 3], 'continue', '', now()
            FROM interventions_interventionplan WHERE started_on + 49 <= %s""", [today])
        cursor.execute("""
            INSERT INTO students_promotiondecision (student_id, school_year, decision, level, leerjaar,
                decided_on, justification)
            SELECT id, %s, CASE WHEN (id * 40503) %% 100 < 4 THEN 'doubleren' ELSE 'bevorderd' END,
                level, leerjaar - 1, %s, ''
            FROM students_student WHERE leerjaar > 1""", [year.start_year - 1, year.start.replace(month=7, day=8)])
    inspector = User.objects.create_user(email=INSPECTOR, password=PASSWORD, first_name="Inge", last_name="Spectie")
    leader = User.objects.create_user(email=LEADER, password=PASSWORD, first_name="Sam", last_name="Leider")
    all_schools = list(School.objects.order_by("pk"))
    Membership.objects.bulk_create([Membership(user=inspector, school=s, role=Role.INSPECTOR) for s in all_schools])
    Membership.objects.create(user=leader, school=all_schools[0], role=Role.LEADER)


def timed(client, url, n):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], 0
    for _ in range(n):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    times.sort()
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
    print(f"  {url:<40} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   "
          f"max {times[-1]:7.1f} ms   {queries} queries")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=650)
    parser.add_argument("--students", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--fresh", action="store_true", help="load the data again")
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test import Client

    from dashboards import services
    from dashboards.models import SchoolMeasures
    from portal.models import School, User
    from students.models import Flag, Student

    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL (DATABASE_URL=postgres://...).")
    if args.fresh or Student.objects.count() != args.students or School.objects.count() != args.schools:
        began = time.perf_counter()
        load(args.schools, args.students)
        print(f"loaded {args.schools} schools, {Student.objects.count():,} students, "
              f"{Flag.objects.count():,} flags in {time.perf_counter() - began:.0f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    SchoolMeasures.objects.all().delete()
    began = time.perf_counter()
    services.refresh_all()
    took = time.perf_counter() - began
    print(f"refresh of all {args.schools} schools' measures: {took:.1f} s "
          f"({1000 * took / args.schools:.0f} ms per school, one process)")

    first = School.objects.order_by("pk").first()
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(email=INSPECTOR))
    print(f"inspector ({args.schools} schools), {args.requests} requests each:")
    timed(client, "/inspectie/", args.requests)
    timed(client, "/inspectie/?sort=reach&order=desc", args.requests)
    timed(client, f"/inspectie/{first.brin}/", args.requests)
    client.force_login(User.objects.get(email=LEADER))
    print(f"school leader (one school of {Student.objects.filter(school=first).count():,} students):")
    timed(client, f"/scholen/{first.brin}/", args.requests)
    timed(client, f"/scholen/{first.brin}/groep/havo/3/", args.requests)


if __name__ == "__main__":
    main()
