"""Health of the services the portal depends on, for /healthz and monitoring."""

from django.conf import settings
from django.db import connection


def database_status():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means unhealthy
        return False, f"error: {exc.__class__.__name__}"
    return True, "ok"


def broker_status():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "eager"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # unreachable broker, bad URL, auth failure
        return False, f"error: {exc.__class__.__name__}"
    return True, "ok"


def status():
    db_ok, db = database_status()
    broker_ok, broker = broker_status()
    return db_ok and broker_ok, {"database": db, "broker": broker}
