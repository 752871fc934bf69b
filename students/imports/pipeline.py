"""The one import pipeline: read → check → preview → stage → write → job state.

Every kind of file (the roster, score files, and any later kind) goes through `run` and the
job functions below; what differs between kinds is plugged in as a `Kind`:

- `plan(table, school=, options=)`: which column holds which field (a columns.ColumnPlan);
- `preview(table, plan)`: the first rows as the preview shows them;
- `checker(school=, plan=, header=)`: an object whose `check(frame)` turns a chunk of text
  into a results.Checked (the rows ready to stage, and the errors of the others); a checker
  that needs the whole file for a check (a value that may not appear twice, whichever rows
  hold it) may also have `finish()`, a last Checked after the last chunk;
- `staging(checker, school=)`: where checked rows wait: `add(ready)`, `compare()` (what a
  write would do, for a dry run), `write(actor=)` → (created, updated, unchanged), `drop()`;
  optionally `prepare(ready)` (turns rows into what `add` takes, in the checking thread) and
  `writes_while_checking` with `write_chunk(prepared)`;
- `written(result, school=, actor=, checker=)`: what follows a write, in its transaction;
- `refusal(checker)`: why a clean file is not written yet (a choice the user still has to
  make, such as what to do with new subjects), or "": the result is then `held`, not rejected;
- `details(plan, stage)` and `job_mapping(result)`: what the kind adds to the summary and job.

The whole file is checked and every problem counted; a file with any error writes nothing.
Pass 1 reads the file in chunks (bounded memory), checks every row and stages the good ones;
only a clean file gets pass 2, one write in one transaction. A stage that `writes_while_checking`
(scores on PostgreSQL) gets both passes in one transaction instead: a thread reads and checks
the next chunk while the database writes this one, so the two cores work at once; the first
error stops the writing, and the transaction is rolled back at the end.
"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import ImportJob
from . import jobs
from .checking import Checking, threads_allowed
from .limits import FileProblem, missing_columns_message, no_rows_message, not_opened
from .reading import Table, check_suffix, filename_of, opened
from .results import ImportResult, RowError


class Kind:
    """The kind-specific parts of an import (see the module doc); roster and scores subclass it."""

    name = ""  # the result's kind until the plan says otherwise
    job_kind = ""  # ImportJob.Kind
    limits = None  # reading.ReadLimits
    max_errors = None  # errors kept on the result (None: all); error_count counts them all
    keeps_rejected_file = False  # a rejected file stays for a mapping step
    has_mapping_step = False
    sync_max_bytes = None  # files up to this size run in the request (None: every file)

    def plan(self, table, *, school, options):
        raise NotImplementedError

    def preview(self, table, plan):
        return [{"row": number, "cells": cells} for number, cells in table.first_rows]

    def checker(self, *, school, plan, header):
        raise NotImplementedError

    def staging(self, checker, *, school):
        raise NotImplementedError

    def written(self, result, *, school, actor, checker):
        """Runs in the write transaction after a write (audit entries, follow-up tasks)."""

    def refusal(self, checker):
        """Why a clean file is not written yet (a choice still to make), or ""."""
        return ""

    def details(self, plan, stage):
        return {}

    def job_mapping(self, result):
        """The job's mapping after a check, or None to keep the one planned at the upload."""
        return None


def run(kind, *, school, path_or_file, filename=None, actor=None, dry_run=False, options=None,
        progress=None, on_written=None):
    """Check a file of this kind and, when every row is right, write all its rows at once.

    `path_or_file` is a path or an open binary file; `filename` (default: the path's name)
    tells CSV from XLSX; `options` go to the kind's plan. With `dry_run` nothing is written and
    the counts say what an import would do. `progress(step, rows, total)` hears about each
    chunk of pass 1 ("checking") and the start of pass 2 ("writing"); `on_written(result)`
    runs inside the write transaction.
    """
    result = ImportResult(kind=kind.name, dry_run=dry_run)
    filename = filename_of(path_or_file, filename)
    plan = stage = None
    try:
        check_suffix(filename)
        with opened(path_or_file) as file:
            table = Table(file, filename, kind.limits)
            plan = kind.plan(table, school=school, options=options or {})
            result.kind, result.header, result.columns = plan.kind, table.header, plan.columns
            result.estimated_rows = table.estimated_rows
            result.preview_rows = kind.preview(table, plan)
            if plan.missing:
                result.missing = [c.field for c in plan.missing]
                result.rows_read = table.count_rows()
                result.add_file_error(missing_columns_message(plan.missing, table.header))
            else:
                checker = kind.checker(school=school, plan=plan, header=table.header)
                stage = kind.staging(checker, school=school)
                try:
                    if getattr(stage, "writes_while_checking", False) and not dry_run:
                        _check_and_write(kind, table, checker, stage, result, school=school,
                                         actor=actor, progress=progress, on_written=on_written, plan=plan)
                    else:
                        _check_all(kind, table, checker, stage, result, progress)
                        if not result.rejected:
                            result.held = "" if dry_run else kind.refusal(checker)
                            if result.held:  # what a write would do, as for a dry run
                                result.created, result.updated, result.unchanged = stage.compare()
                            else:
                                _write_all(kind, checker, stage, result, school=school, actor=actor,
                                           progress=progress, on_written=on_written, plan=plan)
                finally:
                    stage.drop()
    except OSError:
        result.add_file_error(not_opened())
    except FileProblem as problem:
        result.add_file_error(str(problem))
    except ValidationError as exc:
        # The checks mirror the model's; this only catches a rule added there later.
        for message in exc.messages:
            result.add_file_error(message)
        stage = None
    result.details = kind.details(plan, stage)
    return result


def _check_all(kind, table, checker, stage, result, progress):
    """Pass 1: every row checked and every error counted; good rows staged while there are no errors."""
    prepare = getattr(stage, "prepare", None)
    with Checking(table, checker, progress, prepare, in_thread=threads_allowed()) as checked_chunks:
        for checked, prepared in checked_chunks:
            _count(kind, checked, result)
            if not result.error_count:
                stage.add(prepared)
    if finish := getattr(checker, "finish", None):  # checks over the whole file
        checked = finish()
        _count(kind, checked, result)
        if not result.error_count:
            stage.add(prepare(checked.ready) if prepare else checked.ready)
    if not result.rows_read and not result.rejected:
        result.add_file_error(no_rows_message())


def _write_all(kind, checker, stage, result, *, school, actor, progress, on_written, plan):
    """Pass 2: the staged rows written in one transaction; a dry run only counts. The kind's
    details are on the result before `on_written` (which stores the finished job) runs."""
    if result.dry_run:
        result.created, result.updated, result.unchanged = stage.compare()
        return
    if progress:
        progress("writing", result.rows_read, result.rows_read)
    with transaction.atomic():
        _written(kind, checker, stage, result, school=school, actor=actor, on_written=on_written, plan=plan)


def _check_and_write(kind, table, checker, stage, result, *, school, actor, progress, on_written, plan):
    """Both passes in one transaction: each clean chunk is written while the next is checked;
    after the first error nothing more is written and everything is rolled back at the end, as
    it is for a file held for a choice still to make (new subjects)."""
    checking = Checking(table, checker, progress, stage.prepare, in_thread=threads_allowed(),
                         then="writing")
    with transaction.atomic(), checking as checked_chunks:
        for checked, prepared in checked_chunks:
            _count(kind, checked, result)
            if not result.error_count:
                stage.write_chunk(prepared)
        if not result.rows_read and not result.rejected:
            result.add_file_error(no_rows_message())
        if not result.rejected:
            result.held = kind.refusal(checker)
        if result.rejected or result.held:
            transaction.set_rollback(True)
            return
        _written(kind, checker, stage, result, school=school, actor=actor, on_written=on_written, plan=plan)


def _count(kind, checked, result):
    result.rows_read += checked.rows_read
    result.rejected_row_count += checked.rejected_rows
    result.error_count += checked.errors.count
    room = checked.errors.count if kind.max_errors is None else kind.max_errors - len(result.errors)
    result.errors.extend(checked.errors.first(room))


def _written(kind, checker, stage, result, *, school, actor, on_written, plan):
    """The write and what follows it, in its transaction. The kind's details are on the result
    before `on_written` (which stores the finished job) runs."""
    result.created, result.updated, result.unchanged = stage.write(actor=actor)
    kind.written(result, school=school, actor=actor, checker=checker)
    result.details = kind.details(plan, stage)  # as written, for the finished job
    if on_written:
        on_written(result)


# The job: upload → (mapping) → check → preview → confirm → import, with the file kept in
# MEDIA_ROOT until it is no longer needed.

def start_job(kind, *, school, upload, actor, options=None):
    """Store an uploaded file and check it (in the request when small, else by a worker).

    A kind with a mapping step reads the header first: when required columns are not
    recognised the job waits for the mapping step instead. A kind without one keeps `options`
    on the job (as its mapping, which `run_job` passes on).
    """
    job = ImportJob.objects.create(school=school, kind=kind.job_kind, file=upload,
                                   filename=Path(upload.name).name[:255], created_by=actor,
                                   mapping={} if kind.has_mapping_step else dict(options or {}))
    if not kind.has_mapping_step:  # its options stay on the job: run_job passes them on
        plan_job(kind, job, None, None)
        return job
    try:
        with job.file.open("rb") as file:
            table = Table(file, job.filename, kind.limits)
    except (FileProblem, OSError) as problem:
        reason = str(problem) if isinstance(problem, FileProblem) else not_opened()
        jobs.reject_unread(job, RowError(None, "", "", reason).as_dict())
        return job
    plan = kind.plan(table, school=school, options=options or {})
    job.preview_rows = kind.preview(table, plan)
    job.total_rows = table.estimated_rows
    plan_job(kind, job, plan, table.header)
    return job


def plan_job(kind, job, plan, header):
    """Queue the check of a job's file with these columns, or let it wait for the mapping step."""
    if plan is not None:
        job.mapping = {"kind": plan.kind, "headers": header, "columns": plan.columns,
                       "source": plan.source}
    job.errors = []
    job.processed_rows = 0
    if plan is not None and plan.missing:
        job.status = ImportJob.Status.PREVIEW
        job.summary = {"kind": plan.kind, "needs_mapping": True,
                       "missing": [c.field for c in plan.missing]}
        job.save()
        return
    job.status = ImportJob.Status.QUEUED
    job.summary = {"kind": plan.kind if plan else kind.name, "phase": "check"}
    job.save()
    run_or_queue(kind, job)


def confirm_job(kind, *, job, actor, mapping=None, options=None):
    """Import a checked job, once; False when the job was not waiting for that.

    What the person confirming chose goes with the job, in the same update that claims it:
    `mapping` replaces the job's mapping, `options` join it. The stored file is checked again,
    so the import stays all-or-nothing even when the school's data changed since the preview.
    """
    if job.summary.get("needs_mapping") or job.errors:
        return False
    summary = {**job.summary, "phase": "import", "confirmed_by": actor.pk if actor else None}
    # A conditional update claims the job: a second confirmation finds nothing to claim.
    claimed = ImportJob.objects.filter(pk=job.pk, kind=kind.job_kind,
                                       status=ImportJob.Status.PREVIEW).update(
        status=ImportJob.Status.QUEUED, summary=summary, processed_rows=0,
        mapping={**(job.mapping if mapping is None else mapping), **(options or {})})
    if not claimed:
        job.refresh_from_db()
        return False
    job.refresh_from_db()
    run_or_queue(kind, job)
    return True


def run_or_queue(kind, job):
    """Small files run in the request; larger ones go to a worker once this transaction commits."""
    limit = kind.sync_max_bytes
    try:
        size = job.file.size
    except OSError:
        size = 0
    if limit is None or size <= limit:
        run_job(kind, job.pk)
    else:
        jobs.queue(job)
    job.refresh_from_db()


def run_job(kind, job_id):
    """Check (phase "check") or import (phase "import") a queued job; a worker's task and the
    request (for small files) both come here.

    Safe to run twice: a redelivered task re-runs an interrupted job (its writes were rolled
    back) and does nothing for a finished one. Returns the job's new status, or None.
    """
    job = jobs.claim(job_id, kind.job_kind)
    if job is None:
        return None
    importing = job.summary.get("phase") == "import"

    def finish_in_transaction(result):
        jobs.lock_running(job)
        _finish(kind, job, result, ImportJob.Status.DONE)

    try:
        file = job.file.open("rb")
    except (OSError, ValueError):
        jobs.fail(job, not_opened())
        return job.status
    try:
        with file:
            result = run(kind, school=job.school, path_or_file=file, filename=job.filename,
                         actor=jobs.actor_of(job), dry_run=not importing, options=job.mapping,
                         progress=jobs.Progress(job),
                         on_written=finish_in_transaction if importing else None)
    except jobs.AlreadyHandled:
        return None
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job for the user
        jobs.fail_with(job, exc)
        return job.status
    if result.rejected:
        _finish(kind, job, result, ImportJob.Status.REJECTED)
    elif not importing or result.held:  # held: back to the preview, for the choice it needs
        _finish(kind, job, result, ImportJob.Status.PREVIEW)
    return job.status


def _finish(kind, job, result, status):
    mapping = kind.job_mapping(result)
    if mapping is not None:
        job.mapping, job.preview_rows = mapping, result.preview_rows
    jobs.finish(job, result, status, keep_file=kind.keeps_rejected_file)
