"""Celery tasks of the flagging run, under their original names (students.tasks.*: the beat
schedule and queued messages use them); students.tasks imports them so they register."""

from dataclasses import asdict

from celery import shared_task

from portal.models import School
from portal.queueing import queue, run_here

from .flagging import flag_students


@shared_task(name="students.tasks.flag_school", acks_late=True)
def flag_school(school_id, students=None):
    """Recompute the risk flags of one school, or of these students of it (ids; after an
    import, those whose scores changed): set-based, idempotent, safe to run twice."""
    return asdict(flag_students(School.objects.get(pk=school_id), students=students))


@shared_task(name="students.tasks.flag_all_schools", acks_late=True)
def flag_all_schools():
    """Nightly (Celery beat): recompute every school's flags, each as a task of its own."""
    for school_id in School.objects.values_list("pk", flat=True):
        queue(flag_school, school_id, if_refused=run_here)
