"""Celery tasks: thin wrappers that take ids, load, and call the module that does the work.

Every task is safe to run again (acks_late: a task whose worker died is delivered again):
an interrupted import wrote nothing and a finished one is not repeated; flagging is
set-based and idempotent. Tasks are queued through portal.queueing, never with a bare
`.delay()`, so a broker outage never loses what a user saved.
"""

from celery import shared_task

from portal.models import School
from portal.queueing import queue, run_here


@shared_task(acks_late=True)
def run_import_job(job_id):
    """Apply a confirmed score import (students.importers.run_score_job writes progress)."""
    from . import importers

    return importers.run_score_job(job_id)


@shared_task(acks_late=True)
def resume_import_jobs():
    """Every minute (Celery beat): send the import jobs that waited for the broker, and again
    the running ones whose worker died (students.job_queue)."""
    from . import job_queue

    return job_queue.resume()


@shared_task(acks_late=True)
def flag_school(school_id):
    """Recompute the risk flags of one school (set-based, idempotent, safe to run twice)."""
    from dataclasses import asdict

    from . import risk

    return asdict(risk.flag_students(School.objects.get(pk=school_id)))


@shared_task(acks_late=True)
def flag_all_schools():
    """Nightly (Celery beat): recompute every school's flags, each as a task of its own."""
    for school_id in School.objects.values_list("pk", flat=True):
        queue(flag_school, school_id, if_refused=run_here)


@shared_task(acks_late=True)
def anonymise_leavers():
    """Nightly (Celery beat): anonymise students who left longer ago than the retention period."""
    from . import privacy

    return privacy.anonymise_leavers().students


@shared_task(acks_late=True)
def forget_unconfirmed_imports():
    """Nightly (Celery beat): uploads never confirmed lose their file and preview after a week."""
    from . import privacy

    return privacy.forget_unconfirmed_imports()
