"""Handing tasks to the Celery broker without ever losing what the user saved.

Every task is queued through `queue_after_commit` (or `queue` where nothing is being
written): the task is sent only once the data it works on is committed, and a broker that is down or unreachable never turns a saved change
into an error page. The publish attempt is bounded (CELERY_TASK_PUBLISH_RETRY_POLICY and the
socket timeouts in CELERY_BROKER_TRANSPORT_OPTIONS), so a request waits at most a few
seconds; then `if_refused` decides what happens instead:

- `run_here`: run the task in this process (for short, idempotent work such as flagging);
- a function that records the task so that it is sent later (score import jobs wait for
  the broker and `students.imports.jobs.resume` sends them when it is back);
- None: log it and rely on the next scheduled run.
"""

import logging

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# What a publish raises once its retries are used up: kombu wraps the transport's connection
# errors (redis-py's ConnectionError, TimeoutError, ...) in its OperationalError.
BROKER_ERRORS = (OperationalError,)


def task_named(name):
    """A Celery task by its registered name ("students.tasks.flag_school"), so that an earlier
    module can queue a later one's task without importing it. The first time a name is
    missing, Celery's autodiscovery loads every app's tasks module (as a worker does at start)."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def send(task, *args, **options):
    """Send the task to the broker now: True when the broker took it, False (logged) when not.

    With eager Celery (no REDIS_URL) nothing is published: the task runs here and now, and
    its own errors are its own (they are not taken for a refusal).
    """
    if task.app.conf.task_always_eager:
        task.apply_async(args=args, **options)
        return True
    try:
        task.apply_async(args=args, **options)
    except BROKER_ERRORS as exc:
        logger.warning("Broker refused %s%r: %s", task.name, args, exc)
        return False
    return True


def run_here(task, *args, **kwargs):
    """`if_refused` choice: run the task in this process instead."""
    logger.warning("Running %s%r in-process because the broker is unreachable", task.name, args)
    task.apply(args=args, kwargs=kwargs, throw=False)


def queue(task, *args, if_refused=None, **options):
    """Send `task(*args)` now; when the broker refuses, do what `if_refused` says: `run_here`,
    a function of no arguments, or None (log it; see the module doc)."""
    if send(task, *args, **options):
        return
    if if_refused is run_here:
        run_here(task, *args, **options.get("kwargs", {}))
    elif if_refused is not None:
        if_refused()
    else:
        logger.error("%s%r was not queued; the next scheduled run picks up its work", task.name, args)


def queue_after_commit(task, *args, if_refused=None, **options):
    """`queue` once the current transaction commits (at once outside one).

    Never raises into the caller's request: the data is already committed when this runs.
    """
    # robust: a failure here (also of an eager task) is logged; the committed data stays.
    transaction.on_commit(lambda: queue(task, *args, if_refused=if_refused, **options), robust=True)
