from celery import shared_task

from . import audit


@shared_task(acks_late=True)
def purge_audit_log():
    """Nightly (Celery beat): drop audit entries past the retention period."""
    return audit.purge_expired()
