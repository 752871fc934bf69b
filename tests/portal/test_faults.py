"""Faults: the broker goes down while people save, a worker is killed in the middle of a run.

Every test here runs its own redis-server on a free port of this machine and stops it (the
machine's shared Redis is never touched), so it needs only the redis-server binary. The
killed-worker tests also need PostgreSQL: a worker in another process must share the test
database.
"""

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, ProgrammingError, connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.celery import app as celery_app
from portal.models import AuditEntry, Role
from students.imports import jobs as job_queue
from students.models import Flag, ImportJob, Notification, RiskLevel, RiskRules, Score, Signal, Student
from students.risk.flagging import flag_students
from students.risk.settings import RiskSettings
from students.tasks import flag_school, resume_import_jobs, run_import_job
from tests.conftest import make_student, make_user
from tests.students.risk.test_rules import make_subjects, struggling

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(REDIS_SERVER is None,
                                reason="needs the redis-server binary: apt-get install redis-server")

HEADER = "leerlingnummer;vak;toets;datum;cijfer;weging;periode"


# --- A Redis of the test's own ---------------------------------------------------------------

def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server on a port of its own, without persistence, that the test stops and starts."""

    def __init__(self, directory):
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client().ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def client(self):
        return redis.Redis(port=self.port, socket_connect_timeout=1)

    def queued(self, queue="celery"):
        """(task name, args) of the messages waiting in the queue, oldest first."""
        messages = [json.loads(raw) for raw in reversed(self.client().lrange(queue, 0, -1))]
        return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]

    def take(self, queue="celery"):
        """Take the oldest message off the queue: (task name, args), or None."""
        raw = self.client().rpop(queue)
        if raw is None:
            return None
        message = json.loads(raw)
        return message["headers"]["task"], json.loads(base64.b64decode(message["body"]))[0]


def use_broker(**conf):
    celery_app.conf.update(conf)
    # Pooled connections and producers still point at the previous broker: drop them.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path, settings):
    """Celery publishes to a private Redis (no longer eager) for the length of the test."""
    server = PrivateRedis(tmp_path)
    server.start()
    before = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    use_broker(broker_url=server.url, task_always_eager=False)
    settings.CELERY_BROKER_URL, settings.CELERY_TASK_ALWAYS_EAGER = server.url, False
    yield server
    use_broker(**before)
    server.stop()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run_queued(broker, capture):
    """The worker's part, done in this process: the embedded test database lives in this
    process only. Runs each queued task (and what those queue in turn) until none is left."""
    ran = []
    while (message := broker.take()) is not None:
        name, args = message
        with capture(execute=True):
            celery_app.tasks[name].apply(args=args, throw=True)
        ran.append((name, args))
    return ran


# --- The broker is down while people save ------------------------------------------------------

@pytest.fixture
def school(school_with_numbers):
    return school_with_numbers


def scores_file(*rows, name="cijfers.csv"):
    return SimpleUploadedFile(name, "\n".join([HEADER, *rows]).encode(), content_type="text/csv")


ROWS = [f"{n};ne;Toets {t};14-09-2026;6,5;;P1" for n in ("1001", "1002") for t in range(1, 21)]


def preview_url(job):
    return reverse("roster_import:scores_preview", args=[job.pk])


def status_url(job):
    return reverse("roster_import:job_status", args=[job.pk])


def test_a_large_upload_while_redis_is_down_waits_and_starts_when_the_page_polls_again(
        client, leader_a, school, broker, settings, django_capture_on_commit_callbacks, clock):
    settings.SCORE_IMPORT_SYNC_MAX_BYTES = 0  # every file goes to a worker
    client.force_login(leader_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    broker.stop()

    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("roster_import:scores_upload"), {"file": scores_file(*ROWS)})
    waited = time.monotonic() - started

    assert response.status_code == 302  # not an error page
    assert waited < 15, f"the request hung for {waited:.1f} s on the dead broker"
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED and job_queue.is_waiting(job)
    assert job.file and os.path.exists(job.file.path)  # the upload is kept
    page = client.get(preview_url(job)).content.decode()
    assert "The background processing cannot be reached right now. Your file is saved" in page

    broker.start()
    ImportJob.objects.filter(pk=job.pk).update(  # the page retries at most every 15 s
        summary={**job.summary, job_queue.WAITING: (timezone.now() - timedelta(minutes=1)).isoformat()})
    client.get(status_url(job), HTTP_HX_REQUEST="true")  # the next poll of the progress bar

    job.refresh_from_db()
    assert not job_queue.is_waiting(job)
    assert broker.queued() == [("students.tasks.run_import_job", [job.pk])]
    run_queued(broker, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert (job.status, job.summary["created"]) == (ImportJob.Status.PREVIEW, 40)


def test_a_confirmed_import_while_redis_is_down_is_sent_by_the_beat_task_when_it_is_back(
        client, leader_a, school, broker, settings, django_capture_on_commit_callbacks):
    settings.SCORE_IMPORT_SYNC_MAX_BYTES = 0
    client.force_login(leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import:scores_upload"), {"file": scores_file(*ROWS)})
    job = ImportJob.objects.get()
    run_queued(broker, django_capture_on_commit_callbacks)  # checked: ready to confirm
    broker.stop()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("roster_import:scores_confirm", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED and job_queue.is_waiting(job)
    assert not Score.objects.exists()
    resume_import_jobs.apply()  # the beat task, while Redis is still down: nothing lost
    job.refresh_from_db()
    assert job_queue.is_waiting(job)

    broker.start()
    resume_import_jobs.apply()

    assert broker.queued() == [("students.tasks.run_import_job", [job.pk])]
    ran = run_queued(broker, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Score.objects.count() == 40
    assert ("students.tasks.flag_school", [school.pk]) in ran  # the import queued the flagging


def test_a_small_import_while_redis_is_down_is_imported_and_flagged_at_once(
        client, clock, leader_a, school_a, broker, django_capture_on_commit_callbacks):
    subjects = make_subjects(school_a)
    student = make_student(school_a, student_number="2001")
    rows = [f"2001;{code};Toets 1;{clock.today:%d-%m-%Y};{grade};;"  # counts in today's school year
            for code, grade in (("wi", "3,5"), ("en", "4,0"), ("ne", "4,5"))]
    assert subjects
    client.force_login(leader_a)
    broker.stop()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("roster_import:scores_upload"), {"file": scores_file(*rows)})
        job = ImportJob.objects.get()
        response = client.post(reverse("roster_import:scores_confirm", args=[job.pk]))

    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Score.objects.filter(student=student).count() == 3
    # flag_school could not be queued, so it ran in the request after the commit
    assert Flag.objects.get(student=student).level == RiskLevel.HIGH


def test_changed_rules_while_redis_is_down_are_saved_and_the_flags_recomputed(
        client, clock, leader_a, school_a, broker, django_capture_on_commit_callbacks):
    subjects = make_subjects(school_a)
    student = struggling(school_a, subjects=subjects, on=clock.today, days_before=0)
    flag_students(school_a)
    assert Flag.objects.get(student=student).level == RiskLevel.ATTENTION
    values = {name: str(value).replace(".", ",") for name, value in RiskSettings().to_values().items()}
    client.force_login(leader_a)
    broker.stop()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("flags:rules"), {**values, "attention_points": "5",
                                                        "high_points": "6"})

    assert response.status_code == 302
    assert RiskRules.objects.get(school=school_a).values["attention_points"] == 5
    assert Flag.objects.get(student=student).status == Flag.Status.RESOLVED  # recomputed: 3 < 5


def test_a_mentor_saves_the_week_grid_while_redis_is_down(client, mentor_a, student_a, broker):
    client.force_login(mentor_a)
    broker.stop()
    page = client.get(reverse("students:week"))
    data = {name: field.initial for name, field in page.context["form"].fields.items()}
    data = {name: ("" if value is None else value) for name, value in data.items()}
    data[f"s-{student_a.pk}-motivation"] = "2"
    data[f"note-{student_a.pk}"] = "Weinig inzet deze week."

    response = client.post(reverse("students:week"), data)

    assert response.status_code == 302
    saved = Signal.objects.get(student=student_a)
    assert (saved.category, saved.severity) == ("motivation", 2)


# --- A worker that died ----------------------------------------------------------------------

def confirmed_job(school, leader, *, status=ImportJob.Status.QUEUED, rows=0):
    """A checked and confirmed import of ROWS (40 grades), queued or (as a killed worker leaves
    it) running with `rows` processed."""
    return ImportJob.objects.create(
        school=school, kind=ImportJob.Kind.SCORES, created_by=leader, filename="cijfers.csv",
        file=scores_file(*ROWS), status=status, total_rows=40, processed_rows=rows,
        mapping={"kind": "grades", "columns": {"student_number": 0, "subject": 1, "test": 2,
                                               "date": 3, "grade": 4, "weight": 5, "period": 6}},
        summary={"phase": "import", "confirmed_by": leader.pk, "step": "checking"})


def test_a_running_job_without_progress_is_started_again_after_the_stall_time(
        leader_a, school, broker, settings, django_capture_on_commit_callbacks, clock):
    settings.IMPORT_STALL_MINUTES = 15
    job = confirmed_job(school, leader_a, status=ImportJob.Status.RUNNING, rows=30)  # as a worker killed half-way leaves it
    now = timezone.now()

    assert job_queue.resume(now=now) == 0  # first seen: its progress is noted
    assert job_queue.resume(now=now + timedelta(minutes=14)) == 0
    assert broker.queued() == []
    assert job_queue.resume(now=now + timedelta(minutes=16)) == 1

    assert broker.queued() == [("students.tasks.run_import_job", [job.pk])]
    run_queued(broker, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Score.objects.count() == 40


def test_a_running_job_that_keeps_progressing_is_left_alone(leader_a, school, broker, settings, clock):
    job = confirmed_job(school, leader_a, status=ImportJob.Status.RUNNING, rows=10)
    now = timezone.now()
    job_queue.resume(now=now)
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=20)  # the worker writes progress
    assert job_queue.resume(now=now + timedelta(minutes=16)) == 0
    assert job_queue.resume(now=now + timedelta(minutes=30)) == 0
    assert broker.queued() == []


def test_a_job_that_keeps_stalling_fails_with_a_message_instead_of_looping(
        client, leader_a, school, broker, settings, clock):
    job = confirmed_job(school, leader_a, status=ImportJob.Status.RUNNING, rows=30)
    now = timezone.now()
    job_queue.resume(now=now)
    for attempt in range(1, job_queue.MAX_RESENDS + 2):  # every restart dies at the same row
        job_queue.resume(now=now + timedelta(minutes=16 * attempt))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert len(broker.queued()) == job_queue.MAX_RESENDS
    client.force_login(leader_a)
    page = client.get(preview_url(job)).content.decode()  # stored in the school's language, Dutch
    assert "De import is 4 keer onderbroken en daarom gestopt; er is niets opgeslagen." in page


# --- Killed with SIGKILL in the middle of a run: another worker finishes it --------------------

def _test_database_url():
    db = connection.settings_dict
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


def start_worker(broker, log):
    """A real `celery worker` process on the private Redis and the PostgreSQL test database. A
    visibility timeout of 2 s: an unacknowledged task of a dead worker is delivered again soon."""
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "REDIS_URL": broker.url,
           "MEDIA_ROOT": str(django_settings.MEDIA_ROOT), "CELERY_VISIBILITY_TIMEOUT": "2"}
    with open(log, "a") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "--app", "portal", "worker", "--pool", "solo",
             "--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
            cwd=django_settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
    process.log = log
    return process


def stop_worker(process):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(condition, what, process=None, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the worker exited while waiting for {what}:\n{process.log.read_text()}")
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}"
                         + (f":\n{process.log.read_text()[-5000:]}" if process is not None else ""))


class TableLock:
    """Another session holds a lock on a table, so the worker's write waits on it: the test
    then knows the worker is in the middle of its write transaction."""

    def __init__(self, table):
        import psycopg2

        db = connection.settings_dict
        self.conn = psycopg2.connect(dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or None,
                                     host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432)
        self.table = table
        self.conn.cursor().execute(f"LOCK TABLE {table} IN SHARE MODE")  # in a transaction

    def blocked_backend(self):
        """The pid of the session that waits for this lock, if one does."""
        with self.conn.cursor() as cursor:
            # Statistics are a snapshot per transaction, and this session stays in one.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            row = cursor.fetchone()
        return row and row[0]

    def waiting(self):
        """How many other sessions wait for a lock (this one's or one they hold among themselves)."""
        with self.conn.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            return cursor.fetchone()[0]

    def terminate(self, pid):
        with self.conn.cursor() as cursor:  # the dead worker's session goes, its work rolled back
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

    def release(self):
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


def kill_in_the_middle(broker, tmp_path, table, queue_the_task):
    """Start a worker, let it block inside its write transaction on `table`, SIGKILL it, and
    start a second worker that gets the unacknowledged task again."""
    lock = TableLock(table)
    first = start_worker(broker, tmp_path / "first-worker.log")
    try:
        queue_the_task()
        pid = wait_for(lock.blocked_backend, f"the worker to wait on {table}", first)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        lock.terminate(pid)
    finally:
        lock.release()
        stop_worker(first)
    time.sleep(2.5)  # past the visibility timeout: the next worker takes the task back
    return start_worker(broker, tmp_path / "second-worker.log")


def score_state(school):
    return sorted(Score.objects.filter(student__school=school).values_list(
        "student__student_number", "subject__code", "test", "date", "grade", "weight", "period"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_import_whose_worker_is_killed_half_way_ends_as_an_uninterrupted_one(
        leader_a, school, school_b, broker, tmp_path):
    for number in ("1001", "1002"):
        make_student(school_b, student_number=number)
    leader_b = make_user("directie@b.example", Role.LEADER, school_b)
    reference = confirmed_job(school_b, leader_b)
    run_import_job.apply(args=[reference.pk])  # the same file, uninterrupted, in this process
    job = confirmed_job(school, leader_a)

    second = kill_in_the_middle(broker, tmp_path, "students_score",
                                lambda: run_import_job.apply_async(args=[job.pk]))
    try:
        job.refresh_from_db()
        assert job.status == ImportJob.Status.RUNNING and not score_state(school)  # nothing half-written
        wait_for(lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE,
                 "the second worker to finish the import", second)
    finally:
        stop_worker(second)

    assert score_state(school) == score_state(school_b) and len(score_state(school)) == 40
    job.refresh_from_db()
    reference.refresh_from_db()
    assert (job.summary["created"], job.summary["updated"]) == (reference.summary["created"], 0)
    assert AuditEntry.objects.filter(school=school, action="import").count() == 1


def flag_state(school):
    return sorted(Flag.objects.filter(student__school=school).values_list(
        "student__given_name", "level", "status", "reasons"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_flagging_whose_worker_is_killed_half_way_ends_as_an_uninterrupted_run(
        school_a, school_b, mentor_a, mentor_b, broker, tmp_path):
    for school, mentor in ((school_a, mentor_a), (school_b, mentor_b)):
        subjects = make_subjects(school)
        for n in range(12):
            # the real date, not the clock: a separate worker process does the flagging
            struggling(school, mentor, subjects=subjects, on=date.today(), given_name=f"Leerling {n}")
    flag_students(school_b)  # the reference: the same students, flagged uninterrupted

    second = kill_in_the_middle(broker, tmp_path, "students_flag",
                                lambda: flag_school.apply_async(args=[school_a.pk]))
    try:
        assert not Flag.objects.filter(student__school=school_a).exists()  # rolled back
        wait_for(lambda: Flag.objects.filter(student__school=school_a).exists(),
                 "the second worker to flag the school", second)
    finally:
        stop_worker(second)

    assert flag_state(school_a) == flag_state(school_b) and len(flag_state(school_a)) == 12
    # mentors are told once, not once per attempt
    assert (Notification.objects.filter(user=mentor_a).count()
            == Notification.objects.filter(user=mentor_b).count() == 12)
    assert Student.objects.filter(school=school_a).count() == 12


# --- A double click on Save ---------------------------------------------------------------------

@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_save_stores_the_week_once_and_answers_both_clicks(client, mentor_a, student_a):
    client.force_login(mentor_a)
    page = client.get(reverse("students:week"))
    data = {name: ("" if field.initial is None else field.initial)
            for name, field in page.context["form"].fields.items()}
    data[f"s-{student_a.pk}-motivation"] = "2"
    lock = TableLock("students_signal")  # both saves get as far as they can, then wait here
    answers = []

    def click():
        browser = Client(raise_request_exception=False)  # an error page, as a browser gets
        browser.cookies = client.cookies  # the same logged-in browser
        answers.append(browser.post(reverse("students:week"), data).status_code)
        connections.close_all()

    clicks = [threading.Thread(target=click) for _ in range(2)]
    try:
        for thread in clicks:
            thread.start()
        wait_for(lambda: lock.waiting() == 2, "both saves to be under way")
    finally:
        lock.release()
        for thread in clicks:
            thread.join(timeout=30)

    assert answers == [302, 302]
    assert Signal.objects.filter(student=student_a).values_list("category", "severity").get() == ("motivation", 2)


# --- The database gone: a clear 503, not a hanging request or a bare 500 ----------------------

def _database(error):
    def refuse(execute, sql, params, many, context):
        raise error

    return refuse


@pytest.mark.django_db
def test_a_database_outage_answers_503_with_retry_after(client, leader_a):
    client.force_login(leader_a)
    client.raise_request_exception = False
    with connection.execute_wrapper(_database(OperationalError("could not connect to server"))):
        response = client.get("/leerlingen/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "even niet bereikbaar" in response.content.decode()
    assert client.get("/leerlingen/").status_code == 200  # and back as soon as it is


@pytest.mark.django_db
def test_other_database_errors_stay_a_500(client, leader_a):
    client.force_login(leader_a)
    client.raise_request_exception = False
    with connection.execute_wrapper(_database(ProgrammingError("relation does not exist"))):
        response = client.get("/leerlingen/")
    assert response.status_code == 500 and "Retry-After" not in response
