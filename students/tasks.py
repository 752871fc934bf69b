"""Celery tasks: thin wrappers that take ids, load, and call the module that does the work."""

from celery import shared_task

from portal.models import School


@shared_task(acks_late=True)
def run_import_job(job_id):
    """Apply a confirmed score import (students.importers.run_score_job writes progress)."""
    from . import importers

    return importers.run_score_job(job_id)


@shared_task(acks_late=True)
def flag_school(school_id):
    """Recompute the risk flags of one school (set-based, idempotent, safe to run twice)."""
    from dataclasses import asdict

    from . import risk

    return asdict(risk.flag_students(School.objects.get(pk=school_id)))


@shared_task(acks_late=True)
def flag_all_schools():
    """Nightly (Celery beat): recompute every school's flags."""
    for school_id in School.objects.values_list("pk", flat=True):
        flag_school.delay(school_id)
