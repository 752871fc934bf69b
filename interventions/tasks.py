from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(acks_late=True)
def remind_overdue_evaluations():
    """Daily: remind people of overdue plan evaluations (idempotent per due date)."""
    return services.remind_overdue_evaluations(timezone.localdate())
