"""Score files → scores: grade exports (cijferlijsten) and standardised test results (Cito / LVS).

Up to millions of rows in bounded memory: the shared pipeline reads the file in chunks, checks
every row and stages the good ones in a temporary table (`staging`); a clean file is written
in one transaction, idempotent by the natural key (student, subject, test, date), for
standardised results (student, domain, test, date). A score file may need its columns mapped
first (the mapping step), and a large one is checked and imported by a Celery worker. Subjects
a grade file names that the school does not know are the leader's choice (new_subjects).
"""

from django.conf import settings
from django.utils.translation import ngettext

from portal import audit
from portal.queueing import queue_after_commit, run_here, task_named

from ..models import ImportJob
from ..subjects.selectors import subjects_in_use
from . import jobs, new_subjects, pipeline
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
        plan = plan_score_columns(table.header, table.first_rows, kind=options.get("kind"),
                                  columns=columns,
                                  saved=saved_score_mapping(school) if columns is None else None)
        plan.choices = {k: options[k] for k in (new_subjects.CHOICES, new_subjects.DEFAULT) if k in options}
        return plan

    def checker(self, *, school, plan, header):
        if plan.kind == GRADES:
            return new_subjects.NewSubjectRows(school, plan, header,
                                               new_subjects.NewSubjects.from_options(school, plan.choices))
        return ScoreRows(school, plan, header)

    def staging(self, checker, *, school):
        if isinstance(checker, new_subjects.NewSubjectRows):
            checker.new_subjects.targets  # loaded here, not in the checking thread  # noqa: B018
            stage = new_subjects.NewSubjectStaging(checker.target, checker.new_subjects, school=school)
        else:
            stage = Staging(checker.target, school=school)
        stage.score_rows = getattr(checker, "rows", checker)  # the ScoreRows whose tally the summary reports
        checker.stage = stage  # for `written`: whose grades changed
        return stage

    def refusal(self, checker):
        if isinstance(checker, new_subjects.NewSubjectRows):
            return checker.new_subjects.refusal()
        return ""

    def details(self, plan, stage):
        if stage is None:
            return {}
        details = {"results": stage.score_rows.tally}
        if isinstance(stage, new_subjects.NewSubjectStaging):
            details.update(stage.new_subjects.summary())
        return details

    def written(self, result, *, school, actor, checker):
        if result.imported:
            target = checker.target
            audit.record(user=actor, school=school, action=audit.Action.IMPORT,
                         object_type=target.model._meta.model_name,
                         summary=f"{target.audit_what}: {result.created} nieuw, "
                                 f"{result.updated} bijgewerkt, {result.unchanged} ongewijzigd")
            queue_flagging(school, students=checker.stage.changed_students)


KIND = ScoreKind()

# How the preview and the command name the kinds of result a file holds.
_MARK_CODES = {"o": "O", "v": "V", "g": "G", "zg": "ZG", "vr": "vr", "inh": "inh"}


def describe_results(tally):
    """['120 grades', 'of which 12 school-exam grades (SE/PTA)', '8 marks (V 5, vr 2, inh 1)', …]
    from the tally of a checked file (summary["results"])."""
    if not tally:
        return []
    words = []
    if tally.get("grades"):
        words.append(ngettext("%(n)s grade", "%(n)s grades", tally["grades"]) % {"n": tally["grades"]})
    marks = [(code, tally.get(f"mark_{value}", 0)) for value, code in _MARK_CODES.items()]
    total = sum(n for _code, n in marks)
    if total:
        words.append(ngettext("%(n)s mark (%(marks)s)", "%(n)s marks (%(marks)s)", total) % {
            "n": total, "marks": ", ".join(f"{code} {n}" for code, n in marks if n)})
    if tally.get("school_exam"):
        words.append(ngettext("%(n)s school-exam result (SE/PTA)", "%(n)s school-exam results (SE/PTA)",
                              tally["school_exam"]) % {"n": tally["school_exam"]})
    for name, count in (
            ("levels", lambda n: ngettext("%(n)s level I–V or A–E", "%(n)s levels I–V or A–E", n)),
            ("reference_levels", lambda n: ngettext("%(n)s reference level (1F, 2F, 1S …)",
                                                    "%(n)s reference levels (1F, 2F, 1S …)", n)),
            ("level_advice", lambda n: ngettext("%(n)s level advice (havo …)",
                                                "%(n)s level advices (havo …)", n)),
            ("ability", lambda n: ngettext("%(n)s ability score", "%(n)s ability scores", n))):
        if tally.get(name):
            words.append(count(tally[name]) % {"n": tally[name]})
    return words


def import_scores(*, school, path_or_file, filename=None, actor=None, dry_run=False, kind=None,
                  columns=None, new=None, progress=None, on_written=None):
    """Check a score file and, when every row is right, write all its rows at once.

    `kind` (GRADES or STANDARDISED) and `columns` ({field: column index}) come from the
    mapping step; without them the kind and columns are recognised, the school's saved mapping
    first. `new` (new_subjects.ADD or SKIP) says what to do with every subject the school does
    not know; without it such a file is held (result.held), not written. A re-import updates
    changed scores and leaves the rest. With `dry_run` nothing is written, and the counts say
    what an import would do. See pipeline.run for the rest.
    """
    return pipeline.run(KIND, school=school, path_or_file=path_or_file, filename=filename,
                        actor=actor, dry_run=dry_run,
                        options={"kind": kind, "columns": columns, new_subjects.DEFAULT: new},
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


def confirm_score_job(*, job, actor, choices=None):
    """Import a checked job, once, with the choice for each of its new subjects ({key: ADD,
    SKIP or the id of a subject of the school in use}); False when the job was not waiting
    for that, or a new subject has no (valid) choice."""
    found = job.summary.get("new_subjects", [])
    in_use = set(subjects_in_use(job.school).values_list("pk", flat=True)) if found else set()
    chosen = {}
    for entry in found:
        choice = new_subjects.parse_choice((choices or {}).get(entry["key"]))
        if choice is None or (isinstance(choice, int) and choice not in in_use):
            return False
        chosen[entry["key"]] = choice
    return pipeline.confirm_job(KIND, job=job, actor=actor,
                                mapping={**job.mapping, new_subjects.CHOICES: chosen})


def run_score_job(job_id):
    """Check or import a queued score job (the Celery task `run_import_job` comes here)."""
    return pipeline.run_job(KIND, job_id)
