"""Celery tasks: thin wrappers that take ids, load, and call the module that does the work.

Every task is safe to run again (acks_late: a task whose worker died is delivered again):
an interrupted import wrote nothing and a finished one is not repeated; flagging is
set-based and idempotent. Tasks are queued through portal.queueing, never with a bare
`.delay()`, so a broker outage never loses what a user saved.
"""

from celery import shared_task

from . import digest, privacy

from .imports.tasks import resume_import_jobs, run_import_job  # noqa: F401  (registered as students.tasks.*)
from .risk.tasks import flag_all_schools, flag_school  # noqa: F401  (registered as students.tasks.*)


@shared_task(acks_late=True)
def anonymise_leavers():
    """Nightly (Celery beat): anonymise students who left longer ago than the retention period."""
    return privacy.anonymise_leavers().students


@shared_task(acks_late=True)
def forget_unconfirmed_imports():
    """Nightly (Celery beat): uploads never confirmed lose their file and preview after a week."""
    return privacy.forget_unconfirmed_imports()


@shared_task(acks_late=True)
def send_daily_digests():
    """Every morning (Celery beat): the daily overview for users who chose it."""
    return digest.send_daily_digests()
