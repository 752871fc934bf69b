"""A real Celery worker process, on the real broker and database, runs a queued task."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.models import AuditEntry
from portal.tasks import purge_audit_log

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _test_database_url():
    db = connection.settings_dict
    return (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


@pytest.fixture
def worker():
    """Start `celery worker` on a queue of its own, pointed at the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "REDIS_URL": settings.REDIS_URL}
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "--app", "portal", "worker", "--pool", "solo",
         "--queues", queue, "--loglevel", "INFO", "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    yield queue, process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def test_a_queued_task_changes_the_database(worker, school_a, mentor_a, student_a, client):
    queue, process = worker
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    client.force_login(mentor_a)
    client.get(student_a.get_absolute_url())
    AuditEntry.objects.update(at=timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS + 1))

    purge_audit_log.apply_async(queue=queue)

    deadline = time.monotonic() + 60
    while AuditEntry.objects.exists() and time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.5)
    assert not AuditEntry.objects.exists(), "the worker did not purge the expired entry in 60 s"
