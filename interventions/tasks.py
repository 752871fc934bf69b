from celery import shared_task
from django.utils import timezone

from . import reminders


@shared_task(acks_late=True)
def remind_overdue_evaluations():
    """Daily: remind people of overdue plan evaluations (idempotent per due date)."""
    return reminders.remind_overdue_evaluations(timezone.localdate())
