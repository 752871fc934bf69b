"""Load test: 150 mentors save their week grid within 10 minutes, through gunicorn.

What it does, end to end, on this machine's loopback only:
1. seeds a bench school (BRIN LOAD) with 150 mentors of 25 mentees each through the same
   services as `create_school`/`create_user` (idempotent: a second run reuses it) and clears
   this week's signals and notes of that school;
2. writes the plan: per mentor, the severities and notes they will enter (fixed by a seed);
3. starts gunicorn exactly as the Procfile's `web` process (deploy/gunicorn.conf.py) in
   production mode (DEBUG=0, real password hashing) on a free port of 127.0.0.1;
4. runs locust (bench/week_grid_locustfile.py): the mentors arrive one by one, evenly spread
   so that every save falls inside the window; each logs in (CSRF), opens the grid, thinks a
   few seconds, saves it (and one in ten clicks Save twice at once), and views the result;
5. counts the signals in the database against what was sent and prints p50/p95/max per step,
   the errors, and lost or duplicated signals. Exit status 1 when any is lost or duplicated,
   or when a request failed.

Run it against PostgreSQL (load generator: `make bench-load` installs it and runs this):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leerroute_loadbench \
        .venv/bin/python bench/load_week_grid.py [--duration 600] [--mentors 150] [--burst]

`--duration` compresses the window for a run by hand (`--duration 60`: ten times the rate);
`--burst` lets every mentor start at once without thinking (the worst case). The run ends by
itself: when every mentor is done, or at the window plus two minutes. Celery stays eager
(no REDIS_URL): saving the grid queues no task.
"""

import argparse
import json
import os
import random
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("DEBUG", "1")  # this process seeds and counts; the server runs with DEBUG=0

BRIN = "LOAD"
PASSWORD = "week-grid-load-test-2026"
SEED = 20261125
ACCESS_LOG_STATUS = re.compile(r'"(?:GET|POST|HEAD) [^"]*" (\d{3}) ')
from flagging import ensure_database  # noqa: E402  (one way to create a bench database)

CATEGORIES = ["study_skills", "wellbeing", "motivation", "attendance", "behaviour", "home"]


def setup():
    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n_mentors, n_mentees):
    """The bench school, its mentors (with a password) and their mentees; idempotent."""
    from portal import services
    from portal.models import Role
    from students.models import Level, Student

    school, _created = services.create_school(brin=BRIN, name="Loadtest College", municipality="Almere")
    have = set(Student.objects.filter(school=school).values_list("student_number", flat=True))
    mentors = []
    for i in range(n_mentors):
        mentor, _created = services.create_user(
            email=f"mentor{i}@load.example", role=Role.MENTOR, schools=[school], password=PASSWORD,
            first_name="Mentor", last_name=str(i), keep_password=True)
        mentors.append(mentor)
        new = [Student(school=school, mentor=mentor, student_number=f"{700000 + i * 100 + j}",
                       given_name="Leerling", family_name=f"{i}-{j}", level=Level.HAVO, leerjaar=3,
                       class_code=f"3H{i}") for j in range(n_mentees)
               if f"{700000 + i * 100 + j}" not in have]
        Student.objects.bulk_create(new)
        if (i + 1) % 25 == 0:
            print(f"  seeded {i + 1}/{n_mentors} mentors", flush=True)
    return school, mentors


def plan(school, mentors, week, think, window):
    """What each mentor enters this week: about one mentee in two gets a signal, one in five a
    second (urgent) one, one in four a note. Returns the plan and the signals it should leave."""
    from students.models import Signal, Student, WeekNote

    Signal.objects.filter(student__school=school, week=week).delete()
    WeekNote.objects.filter(student__school=school, week=week).delete()
    rng = random.Random(SEED)
    caseloads = {}
    for pk, mentor_id in Student.objects.filter(school=school, is_active=True).values_list("pk", "mentor_id"):
        caseloads.setdefault(mentor_id, []).append(pk)
    entries, expected = [], {}
    for i, mentor in enumerate(mentors):
        grid, notes = {}, {}
        for j, pk in enumerate(sorted(caseloads[mentor.pk])):
            cells = {}
            if rng.random() < 0.5:
                cells[rng.choice(CATEGORIES)] = rng.choice((1, 2))
            if rng.random() < 0.2:
                cells[rng.choice(CATEGORIES)] = 3
            if rng.random() < 0.25:
                notes[pk] = f"Week {week:%V}: gesprek gevoerd met leerling {j}."
            grid[pk] = cells
            expected.update({(pk, category): severity for category, severity in cells.items()})
        entries.append({"email": mentor.email, "grid": grid, "notes": notes, "double": i % 10 == 5,
                        "at": window * i / len(mentors)})  # evenly spread arrivals
    return {"password": PASSWORD, "think": think, "mentors": entries}, expected


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port, log):
    """The Procfile's web process, in production mode but on plain HTTP (loopback, no TLS proxy)."""
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines()
                    if line and not line.startswith("#"))
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "HTTPS": "0",
           "ALLOWED_HOSTS": "127.0.0.1", "STATIC_MANIFEST": "0", "REDIS_URL": "",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "LOG_LEVEL": "WARNING",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    server = subprocess.Popen(shlex.split(procfile["web"]), cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
            return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("gunicorn did not start; see " + log.name)
            time.sleep(0.3)


def run_locust(locust, port, plan_file, mentors, window):
    """Every user starts at once; each waits for its arrival time in the plan."""
    command = [locust, "-f", str(ROOT / "bench" / "week_grid_locustfile.py"), "--headless",
               "--host", f"http://127.0.0.1:{port}", "--users", str(mentors),
               "--spawn-rate", str(min(mentors, 100)), "--run-time", f"{int(window) + 120}s",
               "--json-file", str(OUT / "week_grid"), "--only-summary", "--loglevel", "WARNING"]
    env = {**os.environ, "WEEK_GRID_PLAN": str(plan_file)}
    started = time.monotonic()
    result = subprocess.run(command, env=env, cwd=ROOT)
    return time.monotonic() - started, result.returncode


def percentile(times, share):
    """`times` is locust's histogram {milliseconds: count}."""
    total, seen = sum(times.values()), 0
    for ms in sorted(times):
        seen += times[ms]
        if seen >= share * total:
            return ms
    return 0


def latency_table(log):
    """p50/p95/max per step and for all requests (locust's final statistics), and the status
    codes gunicorn logged. Returns the number of failed requests."""
    entries = json.loads((OUT / "week_grid.json").read_text())
    every = {}
    print(f"\n{'step':<22}{'requests':>9}{'failed':>7}{'p50 ms':>8}{'p95 ms':>8}{'max ms':>8}")
    for entry in [*sorted(entries, key=lambda e: e["name"]), None]:
        if entry is None:
            entry = {"name": "all requests", "response_times": every,
                     "num_requests": sum(e["num_requests"] for e in entries),
                     "num_failures": sum(e["num_failures"] for e in entries),
                     "max_response_time": max(e["max_response_time"] for e in entries)}
        times = {int(float(ms)): n for ms, n in entry["response_times"].items()}
        if entry["name"] != "all requests":
            for ms, n in times.items():
                every[ms] = every.get(ms, 0) + n
        print(f"{entry['name']:<22}{entry['num_requests']:>9}{entry['num_failures']:>7}"
              f"{percentile(times, 0.5):>8}{percentile(times, 0.95):>8}{entry['max_response_time']:>8.0f}")
    statuses = {}
    for status in ACCESS_LOG_STATUS.findall(Path(log.name).read_text()):
        statuses[status] = statuses.get(status, 0) + 1
    print("gunicorn answered: " + ", ".join(f"{n}× {code}" for code, n in sorted(statuses.items())))
    return sum(e["num_failures"] for e in entries)


def count_signals(school, week, expected):
    """Signals in the database against what the mentors sent: lost, wrong, extra, duplicated."""
    from django.db.models import Count

    from students.models import Signal

    stored = Signal.objects.filter(student__school=school, week=week)
    duplicated = (stored.values("student_id", "category").annotate(n=Count("id")).filter(n__gt=1).count())
    found = dict(((pk, category), severity) for pk, category, severity in
                 stored.values_list("student_id", "category", "severity"))
    lost = [key for key in expected if key not in found]
    wrong = [key for key in expected if key in found and found[key] != expected[key]]
    extra = [key for key in found if key not in expected]
    print(f"\nsignals sent {len(expected)}, stored {stored.count()}: lost {len(lost)}, "
          f"wrong severity {len(wrong)}, unexpected {len(extra)}, duplicated {duplicated}")
    return len(lost) + len(wrong) + len(extra) + duplicated


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=150)
    parser.add_argument("--mentees", type=int, default=25)
    parser.add_argument("--duration", type=float, default=600, help="window in seconds (default 600)")
    parser.add_argument("--burst", action="store_true", help="every mentor at once, no thinking")
    parser.add_argument("--locust", default=str(OUT / "locust-venv" / "bin" / "locust"))
    args = parser.parse_args()
    if not Path(args.locust).exists():
        raise SystemExit(f"{args.locust} not found: run `make bench-load` (installs bench/requirements.txt)")
    setup()
    from django.db import connection
    from django.utils import timezone

    from portal.schoolyear import week_start

    OUT.mkdir(parents=True, exist_ok=True)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    school, mentors = seed(args.mentors, args.mentees)
    week = week_start(timezone.localdate())
    think = (0, 0) if args.burst else (min(5, args.duration / 20), min(30, args.duration / 10))
    window = 0 if args.burst else args.duration - think[1] - 10  # the last save lands in time
    the_plan, expected = plan(school, mentors, week, think, window)
    plan_file = OUT / "week_grid_plan.json"
    plan_file.write_text(json.dumps(the_plan))
    connection.close()

    port = free_port()
    with (OUT / "week_grid_gunicorn.log").open("w") as log:
        server = start_gunicorn(port, log)
        try:
            mode = "all at once" if args.burst else f"spread over {window:.0f} s, thinking {think[0]:.0f}–{think[1]:.0f} s"
            print(f"{args.mentors} mentors × {args.mentees} mentees, week {week:%G-W%V}, {mode}; "
                  f"gunicorn {os.environ.get('WEB_CONCURRENCY', 'default')} workers", flush=True)
            elapsed, _status = run_locust(args.locust, port, plan_file, args.mentors, window)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"\nrun took {elapsed:.0f} s")
    failed = latency_table(log)
    wrong = count_signals(school, week, expected)
    sys.exit(1 if failed or wrong else 0)


if __name__ == "__main__":
    main()
