"""An import job's life: claimed, progressing, finished or failed; on its way to a worker, and
back on track after an outage.

The job row is the record of what has to happen; a broker message only says "start now".
- `queue(job)` sends the job's task once the job is committed. When the broker refuses (Redis
  down), the job stays queued and is marked as waiting, and the page says so.
- `resume()` (Celery beat, every minute) sends the waiting jobs once the broker takes them
  again, and sends again a running job that made no progress for IMPORT_STALL_MINUTES (its
  worker was killed or its message was lost). Re-running a job is safe: the import writes
  everything in one transaction, so an interrupted run wrote nothing, and a finished job is
  not run twice (`pipeline.run_job`). After MAX_RESENDS such restarts the job fails
  with a message, so a file that kills its worker cannot loop forever.
- The page that polls a waiting job sends it too (`send_waiting`, at most every
  POLL_RETRY), so the user does not wait for the next beat.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import User
from portal.queueing import queue_after_commit, send, task_named

from ..models import ImportJob

logger = logging.getLogger(__name__)
RUN_TASK = "students.tasks.run_import_job"

WAITING = "waiting_for_worker"  # summary key: the broker refused the job's task
WATCH = "watch"  # summary key: {"rows": processed rows, "since": ISO time} of a running job
RESENT = "resent"  # summary key: how often a stalled run was started again
MAX_RESENDS = 3
POLL_RETRY = timedelta(seconds=15)

ACTIVE = (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING)


def queue(job):
    """Hand the job to a worker once it is committed; if the broker refuses, it waits."""
    queue_after_commit(task_named(RUN_TASK), job.pk, if_refused=lambda: _mark_waiting(job.pk))


def is_waiting(job):
    """True while the job's task could not be handed to the broker."""
    return job.status == ImportJob.Status.QUEUED and bool(job.summary.get(WAITING))


def send_waiting(job_ids=None, *, unless_tried_within=None):
    """Send the jobs that wait for the broker (all, or these); returns how many it took.

    `unless_tried_within` (a timedelta) skips jobs that the broker refused that recently, so a
    page polling every two seconds does not knock on a dead broker every time.
    """
    jobs = ImportJob.objects.filter(kind=ImportJob.Kind.SCORES, status=ImportJob.Status.QUEUED,
                                    summary__has_key=WAITING)
    if job_ids is not None:
        jobs = jobs.filter(pk__in=job_ids)
    sent = 0
    for pk in jobs.values_list("pk", flat=True):
        if _unmark_waiting(pk, unless_tried_within):
            sent += _send(pk)
    return sent


def resume_stalled(*, now=None):
    """Start again the running jobs that made no progress for IMPORT_STALL_MINUTES.

    A running job's processed rows are noted with the time they were first seen; when a
    later pass finds the same number after the stall time, nobody is working on the job.
    Returns how many jobs were sent again.
    """
    now = now or timezone.now()
    stall = timedelta(minutes=settings.IMPORT_STALL_MINUTES)
    running = ImportJob.objects.filter(kind=ImportJob.Kind.SCORES, status=ImportJob.Status.RUNNING)
    sent = 0
    for pk in running.values_list("pk", flat=True):
        if _stalled(pk, now, stall):
            sent += _send(pk)
    return sent


def resume(*, now=None):
    """Both recoveries; the beat task runs this every minute. Returns the number of jobs sent."""
    return send_waiting() + resume_stalled(now=now)


def _send(job_id):
    if send(task_named(RUN_TASK), job_id):
        return 1
    _mark_waiting(job_id)
    return 0


def _mark_waiting(job_id):
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id, status__in=ACTIVE).first()
        if job is not None:
            # A running job that cannot be sent again goes back to waiting for the broker.
            job.status = ImportJob.Status.QUEUED
            job.summary = {**job.summary, WAITING: timezone.now().isoformat()}
            job.summary.pop(WATCH, None)
            job.save(update_fields=["status", "summary"])


def _unmark_waiting(job_id, unless_tried_within=None):
    """Claim a waiting job for sending (one caller wins when the beat and a page race)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(
            pk=job_id, status=ImportJob.Status.QUEUED).first()
        if job is None or WAITING not in job.summary:
            return False
        if (unless_tried_within is not None
                and timezone.now() - datetime.fromisoformat(job.summary[WAITING]) < unless_tried_within):
            return False
        job.summary = {k: v for k, v in job.summary.items() if k != WAITING}
        job.save(update_fields=["summary"])
        return True


def _stalled(job_id, now, stall):
    """Note a running job's progress; True when it stalled and should be sent again."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(
            pk=job_id, status=ImportJob.Status.RUNNING).first()
        if job is None:
            return False
        watch = job.summary.get(WATCH)
        if not watch or watch.get("rows") != job.processed_rows:  # new progress: note it
            job.summary = {**job.summary, WATCH: {"rows": job.processed_rows, "since": now.isoformat()}}
            job.save(update_fields=["summary"])
            return False
        if now - datetime.fromisoformat(watch["since"]) < stall:
            return False
        resent = job.summary.get(RESENT, 0)
        if resent >= MAX_RESENDS:
            fail(job, _("The import was interrupted %(count)s times, so it was stopped; "
                          "nothing was written. Upload the file again.") % {"count": resent + 1})
            return False
        job.summary = {**job.summary, RESENT: resent + 1,
                       WATCH: {"rows": job.processed_rows, "since": now.isoformat()}}
        job.save(update_fields=["summary"])
        return True


# A run of a job: claimed, progressing, finished or failed --------------------------------------

class AlreadyHandled(Exception):
    """Another run of the same job finished first; this run's writes are rolled back."""


def claim(job_id, job_kind):
    """The queued (or interrupted) job, now running, or None when it is not waiting for a run."""
    claimed = ImportJob.objects.filter(
        pk=job_id, kind=job_kind, status__in=ACTIVE,
    ).update(status=ImportJob.Status.RUNNING, processed_rows=0)
    if not claimed:
        return None
    return ImportJob.objects.select_related("school", "created_by").get(pk=job_id)


def actor_of(job):
    """Who the run acts for: the leader who confirmed an import, else the one who uploaded."""
    if job.summary.get("phase") == "import" and job.summary.get("confirmed_by"):
        return User.objects.filter(pk=job.summary["confirmed_by"]).first()
    return job.created_by


def lock_running(job):
    """In the write transaction: lock the job row; AlreadyHandled when another run finished it."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != ImportJob.Status.RUNNING:
        raise AlreadyHandled


class Progress:
    """Writes a running job's progress to its row (autocommitted, outside the write transaction)."""

    def __init__(self, job):
        self.job = job

    def __call__(self, step, rows, total):
        self.job.summary = {**self.job.summary, "step": step}
        ImportJob.objects.filter(pk=self.job.pk).update(processed_rows=rows, total_rows=total,
                                                        summary=self.job.summary)


def finish(job, result, status, *, keep_file=False):
    """The end of a run: the result on the job. The file goes once the job is done, and when it
    is rejected unless `keep_file` (a mapping step may still use it)."""
    keep = {k: job.summary[k] for k in ("phase", "confirmed_by") if k in job.summary}
    job.status = status
    job.summary = {**keep, **result.summary()}
    job.errors = [e.as_dict() for e in result.errors]
    job.total_rows = job.processed_rows = result.rows_read
    if status == ImportJob.Status.DONE:
        job.finished_at = timezone.now()
    job.save()
    if status == ImportJob.Status.DONE or (status == ImportJob.Status.REJECTED and not keep_file):
        delete_file_on_commit(job)


def reject_unread(job, error):
    """A file that could not be read at all: rejected with this one error (as_dict)."""
    job.errors = [error]
    job.summary = {"rejected": 0, "error_count": 1}
    job.status = ImportJob.Status.REJECTED
    job.save()
    delete_file_on_commit(job)


def fail(job, reason):
    job.status = ImportJob.Status.FAILED
    job.summary = {**job.summary, "failure": reason}
    job.finished_at = timezone.now()
    job.save()
    delete_file_on_commit(job)


def fail_with(job, exc):
    """A run that raised: logged, and its first line told to the user."""
    logger.exception("Import job %s failed", job.pk)
    detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    fail(job, _("The import stopped and nothing was written: %(detail)s") % {"detail": detail})


def delete_file_on_commit(job):
    """The file holds personal data: removed once the job is done or has failed (after commit,
    so a rollback keeps the job usable)."""
    if job.file:
        file = job.file
        transaction.on_commit(lambda: file.storage.delete(file.name))
