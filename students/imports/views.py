"""Imports in the browser, for school leaders: upload → preview → confirm.

The roster imports at once; a score file may first need its columns mapped, and a large one
is checked and imported by a Celery worker while the page shows its progress.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from portal import access
from portal.models import Role

from ..models import ImportJob
from . import jobs, roster, scores
from .forms import LeaversForm, NewSubjectsForm, RosterImportForm, ScoreMappingForm, ScoreUploadForm
from .limits import MAX_STORED_ERRORS
from .score_columns import GRADES, SCORE_COLUMNS, SCORE_KINDS

LEADER = (Role.LEADER,)
LABELS = {column.field: column.label for column in roster.COLUMNS}


def roster_jobs(user):
    """The roster imports of the schools this user leads."""
    return access.scoped(
        ImportJob.objects.filter(kind=ImportJob.Kind.ROSTER).select_related("school", "created_by"),
        user, roles=LEADER,
    )


@access.role_required(Role.LEADER)
def upload(request):
    form = RosterImportForm(request.POST or None, request.FILES or None,
                            schools=access.schools_for(request.user, LEADER))
    if request.method == "POST" and form.is_valid():
        job = roster.start_roster_job(school=form.cleaned_data["school"],
                                      upload=form.cleaned_data["file"], actor=request.user,
                                      full=form.cleaned_data["full"])
        return redirect("roster_import:preview", pk=job.pk)
    return render(request, "students/import_upload.html", {
        "form": form, "columns": roster.COLUMNS,
        "jobs": roster_jobs(request.user)[:10],
    })


@access.role_required(Role.LEADER)
def preview(request, pk):
    return _preview(request, get_object_or_404(roster_jobs(request.user), pk=pk))


def _leavers_form(job, data=None):
    summary = job.summary
    return LeaversForm(data, count=len(summary.get("leavers", [])), active=summary.get("active", 0),
                       many=summary.get("many_leavers", False))


def _preview(request, job, leavers_form=None):
    columns = job.mapping.get("columns", [])
    can_confirm = job.status == ImportJob.Status.PREVIEW and not job.errors
    full = job.summary.get("full", False)
    if full and can_confirm and job.summary.get("leavers") and leavers_form is None:
        leavers_form = _leavers_form(job)
    return render(request, "students/import_preview.html", {
        "job": job,
        "summary": job.summary,
        "columns": [(LABELS.get(field, field), header) for field, header in columns],
        "can_confirm": can_confirm,
        "full": full,
        "leavers": list(roster.leavers_of(job)) if full else [],
        "leavers_form": leavers_form,
        "left_on": parse_date(job.summary.get("left_on") or ""),
        "retention_years": settings.STUDENT_RETENTION_YEARS,
    })


@access.role_required(Role.LEADER)
@require_POST
def confirm(request, pk):
    job = get_object_or_404(roster_jobs(request.user), pk=pk)
    choice = {}
    if job.status == ImportJob.Status.PREVIEW and job.summary.get("full") and job.summary.get("leavers"):
        form = _leavers_form(job, request.POST)
        if not form.is_valid():
            return _preview(request, job, leavers_form=form)
        choice = {"left_on": form.cleaned_data["left_on"],
                  "many_leavers": form.cleaned_data.get("many_leavers", False)}
    if not roster.confirm_roster_job(job=job, actor=request.user, **choice):
        messages.info(request, _("This import was already handled; nothing was imported again."))
    elif job.status == ImportJob.Status.DONE:
        messages.success(request, _("The roster has been imported."))
    else:
        messages.error(request, _("The file no longer passes the checks, so nothing was imported. "
                                  "See the errors below."))
    return redirect("roster_import:preview", pk=job.pk)


# Score import: upload → (mapping) → preview → confirm, with a progress bar for large files.

def score_jobs(user):
    """The score imports of the schools this user leads."""
    return access.scoped(
        ImportJob.objects.filter(kind=ImportJob.Kind.SCORES).select_related("school", "created_by"),
        user, roles=LEADER,
    )


@access.role_required(Role.LEADER)
def scores_upload(request):
    schools = access.schools_for(request.user, LEADER)
    form = ScoreUploadForm(request.POST or None, request.FILES or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        job = scores.start_score_job(school=form.cleaned_data["school"],
                                        upload=form.cleaned_data["file"], actor=request.user,
                                        kind=form.cleaned_data["kind"] or None)
        return redirect("roster_import:scores_preview", pk=job.pk)
    return render(request, "students/scores_upload.html", {
        "form": form,
        "kinds": [(label, SCORE_COLUMNS[kind]) for kind, label in SCORE_KINDS.items()],
        "subjects": form.single_school.subjects.filter(is_active=True) if form.single_school else None,
        "jobs": score_jobs(request.user)[:10],
    })


@access.role_required(Role.LEADER)
def scores_preview(request, pk):
    return _scores_preview(request, get_object_or_404(score_jobs(request.user), pk=pk))


def _scores_preview(request, job, mapping_form=None, choice_form=None):
    mapping = job.mapping
    kind = mapping.get("kind", GRADES)
    labels = {c.field: c.label for c in SCORE_COLUMNS.get(kind, ())}
    fields_at = {}
    for field_name, index in mapping.get("columns", {}).items():
        fields_at.setdefault(index, []).append(labels.get(field_name, field_name))
    if mapping_form is None and scores.can_change_mapping(job):
        mapping_form = ScoreMappingForm(headers=mapping["headers"], kind=kind,
                                        columns=mapping.get("columns", {}))
    new = job.summary.get("new_subjects", [])
    return render(request, "students/scores_preview.html", {
        "job": job,
        "summary": job.summary,
        "new_subjects": new,
        "new_subjects_heading": ngettext("%(count)s subject is new: %(subjects)s",
                                         "%(count)s subjects are new: %(subjects)s", len(new)) % {
            "count": len(new), "subjects": ", ".join(s["text"] for s in new)},
        "choice_form": choice_form or NewSubjectsForm(job=job),
        "kind_label": SCORE_KINDS.get(kind, ""),
        "columns": [(header, fields_at.get(index, [])) for index, header in enumerate(mapping.get("headers", []))],
        "mapping_form": mapping_form,
        "needs_mapping": job.summary.get("needs_mapping", False),
        "running": job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
        "can_confirm": (job.status == ImportJob.Status.PREVIEW and not job.errors
                        and not job.summary.get("needs_mapping")),
        "error_count": job.summary.get("error_count", len(job.errors)),
        "max_errors": MAX_STORED_ERRORS,
        "results": scores.describe_results(job.summary.get("results")) if not job.errors else [],
    })


@access.role_required(Role.LEADER)
@require_POST
def scores_mapping(request, pk):
    job = get_object_or_404(score_jobs(request.user), pk=pk)
    if not scores.can_change_mapping(job):
        messages.info(request, _("The columns of this import can no longer be changed."))
        return redirect("roster_import:scores_preview", pk=job.pk)
    form = ScoreMappingForm(request.POST, headers=job.mapping["headers"],
                            kind=job.mapping.get("kind", GRADES),
                            columns=job.mapping.get("columns", {}))
    if not form.is_valid():
        return _scores_preview(request, job, mapping_form=form)
    scores.apply_score_mapping(job=job, kind=form.cleaned_data["kind"],
                                  columns=form.chosen_columns(), save=form.cleaned_data["save"],
                                  actor=request.user)
    if form.cleaned_data["save"] and not form.kind_changed:
        messages.success(request, _("The column mapping has been saved for your school."))
    return redirect("roster_import:scores_preview", pk=job.pk)


@access.role_required(Role.LEADER)
@require_POST
def scores_confirm(request, pk):
    job = get_object_or_404(score_jobs(request.user), pk=pk)
    choice_form = NewSubjectsForm(request.POST, job=job)
    if not choice_form.is_valid():
        messages.error(request, choice_form.refusal())
        return _scores_preview(request, job, choice_form=choice_form)
    if not scores.confirm_score_job(job=job, actor=request.user, choices=choice_form.choices()):
        messages.info(request, _("This import was already handled or is not ready; nothing was "
                                 "imported again."))
    elif job.status == ImportJob.Status.DONE:
        messages.success(request, _("The scores have been imported."))
    elif job.status == ImportJob.Status.PREVIEW and job.summary.get("held"):
        messages.warning(request, job.summary["held"])
    elif job.status == ImportJob.Status.REJECTED:
        messages.error(request, _("The file no longer passes the checks, so nothing was imported. "
                                  "See the errors below."))
    elif job.status == ImportJob.Status.FAILED:
        messages.error(request, _("The import failed, so nothing was imported."))
    return redirect("roster_import:scores_preview", pk=job.pk)


@access.role_required(Role.LEADER)
def job_status(request, pk):
    """The progress partial the preview page polls; once the job is finished, htmx reloads the page."""
    job = get_object_or_404(score_jobs(request.user), pk=pk)
    if jobs.is_waiting(job) and jobs.send_waiting(
            [job.pk], unless_tried_within=jobs.POLL_RETRY):  # the broker is back
        job.refresh_from_db()
    if request.htmx and job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return HttpResponseClientRefresh()
    return render(request, "students/_job_progress.html", {"job": job})
