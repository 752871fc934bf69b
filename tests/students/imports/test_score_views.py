"""Score import in the browser: a school leader uploads, maps columns when needed, sees the
preview, confirms; large files go through the Celery task while the page shows progress."""

import json
import os
import re
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from celery import signals
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from portal import services
from portal.models import AuditEntry, Role
from students.models import ColumnMapping, ImportJob, Score, StandardisedResult
from students.tasks import run_import_job
from tests.conftest import make_student, make_user

pytestmark = pytest.mark.django_db

HEADER = "leerlingnummer;vak;toets;datum;cijfer;weging;periode"
UPLOAD = reverse("roster_import:scores_upload")
GOOD = ("1001;ne;Toets 1;14-09-2026;5,5;2;P1", "1002;Nederlandse taal;Toets 1;14-09-2026;7;;P1")
BAD = ("1001;ne;Toets 1;14-09-2026;5,5;2;P1", "1002;sterrenkunde;Toets 1;31-02-2026;11;;P1",
       "9999;ne;Toets 1;14-09-2026;6;;P1")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def school(school_with_numbers):
    return school_with_numbers


@pytest.fixture
def tasks_run():
    """The names and arguments of the Celery tasks that ran (observed, not replaced)."""
    ran = []

    def record(sender=None, args=None, **kwargs):
        ran.append((sender.name, list(args or ())))

    signals.task_prerun.connect(record, weak=False)
    yield ran
    signals.task_prerun.disconnect(record)


def scores_file(*rows, header=HEADER, name="cijfers.csv"):
    return SimpleUploadedFile(name, "\n".join([header, *rows]).encode(), content_type="text/csv")


def upload(client, file, **data):
    return client.post(UPLOAD, {"file": file, **data})


def preview_url(job):
    return reverse("roster_import:scores_preview", args=[job.pk])


def confirm_url(job):
    return reverse("roster_import:scores_confirm", args=[job.pk])


def mapping_url(job):
    return reverse("roster_import:scores_mapping", args=[job.pk])


def status_url(job):
    return reverse("roster_import:job_status", args=[job.pk])


def test_the_upload_page_explains_the_columns_of_both_kinds_of_file(client, leader_a, school):
    client.force_login(leader_a)
    page = client.get(UPLOAD).content.decode()
    assert 'accept=".csv,.xlsx"' in page and 'enctype="multipart/form-data"' in page
    for header in ("leerlingnummer", "toetsomschrijving", "cijfer", "weging", "periode",
                   "vaardigheidsscore", "domein", "niveau"):
        assert header in page
    assert "ne (Nederlands)" in page  # the school's subjects
    assert 'name="school"' in page and 'type="hidden"' in page
    assert 'name="kind"' in page and 'type="radio"' in page


def test_a_leader_previews_then_confirms_and_the_scores_are_imported_once(
        client, leader_a, school, tasks_run, eager_celery, django_capture_on_commit_callbacks):
    client.force_login(leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, scores_file(*GOOD))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == preview_url(job)
    assert (job.kind, job.status, job.filename, job.created_by) == ("scores", "preview", "cijfers.csv", leader_a)
    assert (job.summary["rows_read"], job.summary["created"], job.summary["unchanged"]) == (2, 2, 0)
    assert job.mapping["kind"] == "grades" and job.mapping["columns"]["grade"] == 4
    assert not Score.objects.exists() and not AuditEntry.objects.exists()

    page = client.get(preview_url(job)).content.decode()
    assert confirm_url(job) in page
    assert "<td>Nederlandse taal</td>" in page and "<td>5,5</td>" in page  # the first rows

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_url(job))
    assert response.status_code == 302 and response["Location"] == preview_url(job)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.finished_at is not None
    assert (job.summary["created"], job.processed_rows, job.summary["confirmed_by"]) == (2, 2, leader_a.pk)
    assert sorted(Score.objects.values_list("student__student_number", "grade")) == [
        ("1001", Decimal("5.5")), ("1002", Decimal("7"))]
    entry = AuditEntry.objects.get()
    assert (entry.user, entry.summary) == (leader_a, "cijfers: 2 nieuw, 0 bijgewerkt, 0 ongewijzigd")
    assert ("students.tasks.flag_school", [school.pk]) in tasks_run  # flags recomputed after commit
    assert confirm_url(job) not in client.get(preview_url(job)).content.decode()

    client.post(confirm_url(job))  # a second click, a reload, a double submit
    assert Score.objects.count() == 2 and AuditEntry.objects.count() == 1


def test_the_same_file_again_changes_nothing_and_queues_no_flagging(
        client, leader_a, school, tasks_run, eager_celery, django_capture_on_commit_callbacks):
    client.force_login(leader_a)
    for _time in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            upload(client, scores_file(*GOOD))
            job = ImportJob.objects.latest("pk")
            client.post(confirm_url(job))
    job.refresh_from_db()
    assert (job.status, job.summary["created"], job.summary["unchanged"]) == ("done", 0, 2)
    assert Score.objects.count() == 2 and AuditEntry.objects.count() == 1
    assert [name for name, _args in tasks_run].count("students.tasks.flag_school") == 1


def test_a_file_with_errors_is_rejected_with_every_error_listed(client, leader_a, school):
    client.force_login(leader_a)
    upload(client, scores_file(*BAD))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"], e["value"]) for e in job.errors] == [
        (3, "datum", "31-02-2026"), (3, "cijfer", "11"), (4, "leerlingnummer", "9999"),
    ]
    assert [(s["text"], s["rows"]) for s in job.summary["new_subjects"]] == [("sterrenkunde", 1)]
    page = client.get(preview_url(job)).content.decode()
    for value in ("31-02-2026", "9999"):
        assert f"<td>{value}</td>" in page
    assert "1 vak is nieuw: sterrenkunde" in page  # named, though the errors come first
    assert confirm_url(job) not in page
    client.post(confirm_url(job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED and not Score.objects.exists()


def test_the_preview_says_when_errors_are_not_all_shown(client, leader_a, school, settings):
    client.force_login(leader_a)
    upload(client, scores_file(*[f"9999;ne;T{n};14-09-2026;6;;" for n in range(1005)]))
    job = ImportJob.objects.get()
    assert len(job.errors) == 1000 and job.summary["errors_not_shown"] == 5
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(preview_url(job)).content.decode()
    assert "1005 errors" in page and "Only the first 1,000 errors are shown; 5 more are not." in page


def test_unrecognised_columns_are_mapped_by_hand_and_the_mapping_is_saved(client, leader_a, school):
    header = "Lln;Onderwerp;Beschrijving;Dag;Punt;Opmerking"
    client.force_login(leader_a)
    upload(client, scores_file("1001;ne;Toets 1;14-09-2026;6,5;", header=header))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEW and job.summary["needs_mapping"]
    assert job.summary["missing"] == ["student_number", "subject", "test", "date", "grade"]
    page = client.get(preview_url(job)).content.decode()
    assert mapping_url(job) in page and confirm_url(job) not in page
    assert 'name="column_grade"' in page and '<option value="4">Punt</option>' in page

    response = client.post(mapping_url(job), {"kind": "grades", "column_student_number": "0",
                                              "column_subject": "1", "column_test": "2"})
    assert response.status_code == 200  # shown again: date and grade are still missing
    assert response.context["mapping_form"].errors.keys() == {"column_date", "column_grade"}

    response = client.post(mapping_url(job), {
        "kind": "grades", "column_student_number": "0", "column_subject": "1", "column_test": "2",
        "column_date": "3", "column_grade": "4", "save": "on"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.summary["created"], job.mapping["source"]) == ("preview", 1, "manual")
    saved = ColumnMapping.objects.get(school=school, kind=ImportJob.Kind.SCORES)
    assert saved.mapping == {"grades": {"student_number": "Lln", "subject": "Onderwerp",
                                        "test": "Beschrijving", "date": "Dag", "grade": "Punt"}}
    assert saved.updated_by == leader_a

    upload(client, scores_file("1002;en;Toets 1;14-09-2026;7;", header=header))  # next time
    again = ImportJob.objects.latest("pk")
    assert (again.status, again.mapping["source"], again.summary["created"]) == ("preview", "saved", 1)


def test_choosing_the_other_kind_recognises_its_columns(client, leader_a, school):
    client.force_login(leader_a)
    header = "leerlingnummer;toets;onderwerp;datum;stand;score"
    upload(client, scores_file("1001;Cito M;rekenen;15-01-2026;III;150", header=header))
    job = ImportJob.objects.get()
    assert job.mapping["kind"] == "grades" and job.summary["missing"] == ["subject"]

    client.post(mapping_url(job), {"kind": "standardised"})
    job.refresh_from_db()
    assert job.mapping["kind"] == "standardised" and job.mapping["columns"]["ability"] == 5
    assert job.summary["missing"] == ["domain"]  # the ability score is a result of its own

    client.post(mapping_url(job), {"kind": "standardised", "column_student_number": "0",
                                   "column_test": "1", "column_domain": "2", "column_date": "3",
                                   "column_level": "4", "column_ability": "5"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW and job.summary["created"] == 1
    client.post(confirm_url(job))
    assert StandardisedResult.objects.values_list("domain", "level", "ability").get() == ("rekenen", 3, 150)


def test_a_rejected_file_can_be_mapped_again_when_columns_were_matched_wrongly(client, leader_a, school):
    client.force_login(leader_a)
    # "score" is taken for the grade, but here it holds the rank in class; "punt" is the grade.
    header = "leerlingnummer;vak;toets;datum;score;punt"
    upload(client, scores_file("1001;ne;Toets 1;14-09-2026;21;6,5", header=header))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED and job.errors[0]["column"] == "score"
    assert mapping_url(job) in client.get(preview_url(job)).content.decode()
    client.post(mapping_url(job), {"kind": "grades", "column_student_number": "0", "column_subject": "1",
                                   "column_test": "2", "column_date": "3", "column_grade": "5"})
    job.refresh_from_db()
    assert (job.status, job.errors, job.summary["created"]) == ("preview", [], 1)


def test_a_large_file_is_checked_and_imported_by_the_task_with_progress(
        client, leader_a, school, settings, eager_celery, tasks_run, django_capture_on_commit_callbacks):
    settings.SCORE_IMPORT_SYNC_MAX_BYTES = 0  # every file counts as large
    rows = [f"{n};ne;Toets {t};14-09-2026;6;;" for n in ("1001", "1002") for t in range(1, 31)]
    client.force_login(leader_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks() as callbacks:
        upload(client, scores_file(*rows))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED and job.summary["phase"] == "check"
    page = client.get(preview_url(job)).content.decode()  # a reload while it waits
    assert "Checking the file" in page and "Waiting for the background worker" in page
    assert f'hx-get="{status_url(job)}"' in page and 'hx-trigger="every 2s"' in page

    for callback in callbacks:  # the transaction commits: the task runs (eagerly)
        callback()
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows, job.summary["created"]) == ("preview", 60, 60, 60)
    assert ("students.tasks.run_import_job", [job.pk]) in tasks_run

    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and Score.objects.count() == 60
    assert [name for name, _args in tasks_run].count("students.tasks.run_import_job") == 2


def test_the_progress_partial_follows_the_job_row(client, leader_a, school, settings):
    job = ImportJob.objects.create(school=school, kind=ImportJob.Kind.SCORES, filename="groot.csv",
                                   status=ImportJob.Status.RUNNING, total_rows=1_000_000,
                                   processed_rows=300_000, summary={"phase": "import", "step": "checking"})
    client.force_login(leader_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    part = client.get(status_url(job)).content.decode()
    assert '<progress class="w-100" max="1000000" value="300000"' in part
    assert "300,000 of about 1,000,000 rows checked (30%)." in part
    assert 'hx-trigger="every 2s"' in part and preview_url(job) in part  # a plain link without JS

    ImportJob.objects.filter(pk=job.pk).update(processed_rows=1_000_000, summary={"phase": "import", "step": "writing"})
    assert "writing them to the database" in client.get(status_url(job)).content.decode()

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE)
    response = client.get(status_url(job), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Refresh"] == "true"  # reload to show the result
    part = client.get(status_url(job)).content.decode()
    assert "hx-get" not in part and "Show the result" in part


def test_a_failure_during_the_import_writes_nothing_and_marks_the_job_failed(
        client, leader_a, school, settings, django_capture_on_commit_callbacks):
    client.force_login(leader_a)
    upload(client, scores_file(*GOOD))
    job = ImportJob.objects.get()
    stored = Path(job.file.path)
    with connection.cursor() as cursor:  # the database refuses the last row (a real failure)
        if connection.vendor == "postgresql":
            cursor.execute("CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS "
                           "$$ BEGIN RAISE EXCEPTION 'disk full (injected)'; END $$")
            cursor.execute("CREATE TRIGGER refuse BEFORE INSERT ON students_score FOR EACH ROW "
                           "WHEN (NEW.student_id = %s) EXECUTE FUNCTION refuse_row()" % school.students.get(student_number="1002").pk)
        else:
            cursor.execute("CREATE TRIGGER refuse BEFORE INSERT ON students_score WHEN NEW.student_id = %s "
                           "BEGIN SELECT RAISE(ABORT, 'disk full (injected)'); END" % school.students.get(student_number="1002").pk)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "disk full (injected)" in job.summary["failure"]
    assert not Score.objects.exists() and not AuditEntry.objects.exists()
    assert not stored.exists()
    page = client.get(preview_url(job)).content.decode()
    assert "nothing was written" in page and confirm_url(job) not in page


def test_the_file_is_removed_once_imported_but_kept_while_it_may_be_mapped_again(
        client, leader_a, school, django_capture_on_commit_callbacks):
    client.force_login(leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, scores_file(*BAD))
        upload(client, scores_file(*GOOD))
    rejected, checked = ImportJob.objects.order_by("pk")
    assert Path(rejected.file.path).exists() and Path(checked.file.path).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm_url(checked))
    assert not Path(checked.file.path).exists()


def test_confirming_checks_the_file_again(client, leader_a, school):
    client.force_login(leader_a)
    upload(client, scores_file(*GOOD))
    job = ImportJob.objects.get()
    school.students.filter(student_number="1002").delete()  # the student left meanwhile
    client.post(confirm_url(job))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "leerlingnummer")]
    assert not Score.objects.exists()


def test_only_csv_and_xlsx_files_are_accepted(client, leader_a, school):
    client.force_login(leader_a)
    response = upload(client, SimpleUploadedFile("cijfers.pdf", b"%PDF-1.4"))
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_an_unreadable_file_is_rejected_at_once(client, leader_a, school):
    client.force_login(leader_a)
    upload(client, SimpleUploadedFile("cijfers.xlsx", b"not a workbook"))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REJECTED and job.errors[0]["row"] is None
    assert mapping_url(job) not in client.get(preview_url(job)).content.decode()


def test_a_leader_of_two_schools_picks_the_school(client, school, school_b):
    leader = make_user("bestuur@example.org", Role.LEADER, school)
    services.create_user(email=leader.email, role=Role.LEADER, schools=[school_b])
    client.force_login(leader)
    page = client.get(UPLOAD).content.decode()
    assert "Het Baken College" in page and "De Linde" in page and "<select" in page
    upload(client, scores_file(*GOOD), school=school_b.pk)
    job = ImportJob.objects.get()
    assert job.school == school_b and job.status == ImportJob.Status.REJECTED  # not B's students


def test_a_leader_cannot_upload_for_another_school(client, leader_a, school_b):
    client.force_login(leader_a)
    response = upload(client, scores_file(*GOOD), school=school_b.pk)
    assert response.status_code == 200 and response.context["form"].errors["school"]
    assert not ImportJob.objects.exists()


# Access (school leaders only; another school's job does not exist) is proven by the matrix in
# tests/portal/test_permissions.py; here only that changes answer POST alone.

@pytest.fixture
def job_a(client, leader_a, school):
    client.force_login(leader_a)
    upload(client, scores_file(*GOOD))
    client.logout()
    return ImportJob.objects.get()


@pytest.mark.parametrize("url", [mapping_url, confirm_url])
def test_changes_only_answer_post(client, job_a, leader_a, url):
    client.force_login(leader_a)
    assert client.get(url(job_a)).status_code == 405


def test_the_preview_page_runs_constant_queries(client, leader_a, school, django_assert_max_num_queries):
    for n in range(30):
        make_student(school, student_number=str(2000 + n))
    rows = [f"{2000 + n};ne;Toets 1;14-09-2026;{'11' if n % 2 else '6'};;P1" for n in range(30)]
    client.force_login(leader_a)
    upload(client, scores_file(*rows))
    job = ImportJob.objects.get()
    assert len(job.errors) == 15 and len(job.preview_rows) == 10
    with django_assert_max_num_queries(6):
        page = client.get(preview_url(job)).content.decode()
    assert page.count("<td>11</td>") >= 15 and mapping_url(job) in page


def test_the_status_and_upload_pages_run_constant_queries(client, leader_a, school,
                                                          django_assert_max_num_queries):
    client.force_login(leader_a)
    for n in range(12):
        upload(client, scores_file(*GOOD, name=f"export{n}.csv"))
    job = ImportJob.objects.latest("pk")
    with django_assert_max_num_queries(5):
        client.get(status_url(job))
    with django_assert_max_num_queries(8):
        page = client.get(UPLOAD).content.decode()
    assert page.count("export") >= 10


# A real worker: Celery on Redis and the PostgreSQL test database runs a queued score import.

def _test_database_url():
    db = connection.settings_dict
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


def _take_queued_flagging(school_id):
    """Remove (and count) the flag_school messages for this school from the default queue, which
    no test worker consumes, so the test broker does not fill up run after run."""
    import redis

    broker, taken = redis.Redis.from_url(django_settings.REDIS_URL), 0
    for raw in broker.lrange("celery", 0, -1):
        headers = json.loads(raw).get("headers", {})
        if (headers.get("task"), headers.get("argsrepr")) == ("students.tasks.flag_school", f"({school_id},)"):
            taken += broker.lrem("celery", 1, raw)
    return taken


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_checks_and_imports_a_large_file(leader_a, school, settings):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "REDIS_URL": django_settings.REDIS_URL,
           "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "portal", "worker", "--pool", "solo", "--queues", queue,
         "--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=django_settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        rows = [f"{n};ne;Toets {t};14-09-2026;6,5;;" for n in ("1001", "1002") for t in range(1, 501)]
        job = ImportJob.objects.create(school=school, kind=ImportJob.Kind.SCORES, created_by=leader_a,
                                       file=scores_file(*rows), filename="cijfers.csv",
                                       status=ImportJob.Status.QUEUED,
                                       mapping={"kind": "grades", "columns": {
                                           "student_number": 0, "subject": 1, "test": 2, "date": 3,
                                           "grade": 4, "weight": 5, "period": 6}},
                                       summary={"phase": "import", "confirmed_by": leader_a.pk})
        run_import_job.apply_async(args=[job.pk], queue=queue)
        deadline = time.monotonic() + 60
        while job.status not in ("done", "failed", "rejected") and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.5)
            job.refresh_from_db()
        assert job.status == ImportJob.Status.DONE, (job.status, job.summary)
        assert Score.objects.count() == 1000 and job.processed_rows == 1000
        assert re.search(r"cijfers: 1000 nieuw", AuditEntry.objects.get().summary)
        assert _take_queued_flagging(school.pk) == 1  # and the worker queued the flagging
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
