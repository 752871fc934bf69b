"""Celery tasks of the imports, under their original names (students.tasks.*: the beat schedule
and queued messages use them); students.tasks imports them so they register."""

from celery import shared_task

from . import jobs, scores


@shared_task(name="students.tasks.run_import_job", acks_late=True)
def run_import_job(job_id):
    """Check or apply a queued score import (scores.run_score_job writes progress)."""
    return scores.run_score_job(job_id)


@shared_task(name="students.tasks.resume_import_jobs", acks_late=True)
def resume_import_jobs():
    """Every minute (Celery beat): send the import jobs that waited for the broker, and again
    the running ones whose worker died (jobs.resume)."""
    return jobs.resume()
