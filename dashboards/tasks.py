"""Celery tasks of the dashboards: thin wrappers around services (idempotent)."""

from celery import shared_task

from portal.models import School
from portal.queueing import queue, run_here

from . import services


@shared_task(acks_late=True)
def refresh_school_measures(school_id):
    services.refresh_school(School.objects.get(pk=school_id))


@shared_task(acks_late=True)
def refresh_all_measures():
    """Nightly, after the flagging run: one task per school, so workers share the load."""
    for school_id in School.objects.values_list("pk", flat=True):
        queue(refresh_school_measures, school_id, if_refused=run_here)
