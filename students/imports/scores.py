"""Score files → scores: grade exports (cijferlijsten) and standardised test results (Cito / LVS).

Up to millions of rows in bounded memory: the shared pipeline reads the file in chunks, checks
every row and stages the good ones in a temporary table (`staging`); a clean file is written
in one transaction, idempotent by the natural key (student, subject, test, date), for
standardised results (student, domain, test, date). A score file may need its columns mapped
first (the mapping step), and a large one is checked and imported by a Celery worker.
"""

from django.conf import settings

from portal import audit
from portal.queueing import queue_after_commit, run_here, task_named

from ..models import ImportJob
from . import jobs, pipeline
from .limits import MAX_STORED_ERRORS
from .reading import ReadLimits
from .score_columns import GRADES, plan_score_columns, save_score_mapping, saved_score_mapping
from .score_rows import ScoreRows
from .staging import Staging

# Files up to this size are checked and imported in the request, larger ones by a Celery worker
# (about 5,000 rows of a cijferlijst; the setting SCORE_IMPORT_SYNC_MAX_BYTES overrides it).
SCORE_SYNC_MAX_BYTES = 256 * 1024
FLAG_TASK = "students.tasks.flag_school"
FLAG_SCOPE_MAX = 10_000  # students named in one flagging task; more: the whole school


class ScoreKind(pipeline.Kind):
    """Score files as the pipeline sees them: two kinds of file, a mapping step, a staging table."""

    name = GRADES
    job_kind = ImportJob.Kind.SCORES
    limits = ReadLimits(ImportJob.Kind.SCORES, xlsx_max_cells="IMPORT_SCORE_XLSX_MAX_CELLS")
    max_errors = MAX_STORED_ERRORS
    keeps_rejected_file = True
    has_mapping_step = True

    @property
    def sync_max_bytes(self):
        return getattr(settings, "SCORE_IMPORT_SYNC_MAX_BYTES", SCORE_SYNC_MAX_BYTES)

    def plan(self, table, *, school, options):
        columns = options.get("columns")
        return plan_score_columns(table.header, table.first_rows, kind=options.get("kind"),
                                  columns=columns,
                                  saved=saved_score_mapping(school) if columns is None else None)

    def checker(self, *, school, plan, header):
        return ScoreRows(school, plan, header)

    def staging(self, checker, *, school):
        checker.stage = Staging(checker.target, school=school)  # for `written`: who changed
        return checker.stage

    def written(self, result, *, school, actor, checker):
        if result.imported:
            target = checker.target
            audit.record(user=actor, school=school, action=audit.Action.IMPORT,
                         object_type=target.model._meta.model_name,
                         summary=f"{target.audit_what}: {result.created} nieuw, "
                                 f"{result.updated} bijgewerkt, {result.unchanged} ongewijzigd")
            queue_flagging(school, students=checker.stage.changed_students)


KIND = ScoreKind()


def import_scores(*, school, path_or_file, filename=None, actor=None, dry_run=False, kind=None,
                  columns=None, progress=None, on_written=None):
    """Check a score file and, when every row is right, write all its rows at once.

    `kind` (GRADES or STANDARDISED) and `columns` ({field: column index}) come from the
    mapping step; without them the kind and columns are recognised, the school's saved mapping
    first. A re-import updates changed scores and leaves the rest. With `dry_run` nothing is
    written, and the counts say what an import would do. See pipeline.run for the rest.
    """
    return pipeline.run(KIND, school=school, path_or_file=path_or_file, filename=filename,
                        actor=actor, dry_run=dry_run, options={"kind": kind, "columns": columns},
                        progress=progress, on_written=on_written)


def queue_flagging(school, *, students=None):
    """Recompute the risk flags of the students whose scores changed (ids; None: the whole
    school) once the new scores are committed. The others' facts did not change: their flags
    wait for the nightly run of the whole school. Beyond FLAG_SCOPE_MAX students the whole
    school is flagged (the same work, and a short message for the broker).

    Flagging is a job of its own, queued by its task name; its failure is logged and never
    undoes or breaks an import (with eager Celery, or when the broker is down, it runs right
    here, after the commit).
    """
    scope = {}
    if students is not None and len(students) <= FLAG_SCOPE_MAX:
        scope = {"kwargs": {"students": sorted(students)}}
    queue_after_commit(task_named(FLAG_TASK), school.pk, if_refused=run_here, **scope)


# The job: upload → (mapping) → check → preview → confirm → import ------------------------------

def start_score_job(*, school, upload, actor, kind=None):
    """Store an uploaded score file and check it (at once when small, else by a worker).

    When required columns are not recognised the job waits for the mapping step instead.
    """
    return pipeline.start_job(KIND, school=school, upload=upload, actor=actor, options={"kind": kind})


def can_change_mapping(job):
    """A job's columns can be (re)mapped while it waits for confirmation or was rejected, as
    long as its file was readable and is still there."""
    return (job.kind == ImportJob.Kind.SCORES
            and job.status in (ImportJob.Status.PREVIEW, ImportJob.Status.REJECTED)
            and bool(job.mapping.get("headers")) and bool(job.file))


def apply_score_mapping(*, job, kind, columns=None, save=False, actor=None):
    """The mapping step: use these columns (or, for a changed kind, recognise them) and check again.

    With `save`, the mapping is remembered for the school. False when the job is past the
    point where its columns can change.
    """
    if not can_change_mapping(job):
        return False
    header = job.mapping["headers"]
    if kind != job.mapping.get("kind"):
        columns = None  # another kind has other fields: recognise them first
    first_rows = [(r["row"], r["cells"]) for r in job.preview_rows]
    plan = plan_score_columns(header, first_rows, kind=kind, columns=columns,
                              saved=saved_score_mapping(job.school) if columns is None else None)
    if save and columns is not None and not plan.missing:
        save_score_mapping(school=job.school, kind=plan.kind, columns=plan.columns, header=header,
                           actor=actor)
    claimed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(status=ImportJob.Status.QUEUED)
    if not claimed:
        return False
    job.status = ImportJob.Status.QUEUED
    pipeline.plan_job(KIND, job, plan, header)
    return True


def confirm_score_job(*, job, actor):
    """Import a checked job, once; False when the job was not waiting for that."""
    return pipeline.confirm_job(KIND, job=job, actor=actor)


def run_score_job(job_id):
    """Check or import a queued score job (the Celery task `run_import_job` comes here)."""
    return pipeline.run_job(KIND, job_id)
