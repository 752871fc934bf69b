"""Roster import in the browser, for school leaders: upload → preview → confirm."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import access
from portal.models import Role

from . import importers
from .forms_import import RosterUploadForm
from .models import ImportJob

LEADER = (Role.LEADER,)
LABELS = {column.field: column.label for column in importers.COLUMNS}


def roster_jobs(user):
    """The roster imports of the schools this user leads."""
    return access.scoped(
        ImportJob.objects.filter(kind=ImportJob.Kind.ROSTER).select_related("school", "created_by"),
        user, roles=LEADER,
    )


@access.role_required(Role.LEADER)
def upload(request):
    form = RosterUploadForm(request.POST or None, request.FILES or None,
                            schools=access.schools_for(request.user, LEADER))
    if request.method == "POST" and form.is_valid():
        job = importers.start_roster_job(school=form.cleaned_data["school"],
                                         upload=form.cleaned_data["file"], actor=request.user)
        return redirect("roster_import:preview", pk=job.pk)
    return render(request, "students/import_upload.html", {
        "form": form, "columns": importers.COLUMNS,
        "jobs": roster_jobs(request.user)[:10],
    })


@access.role_required(Role.LEADER)
def preview(request, pk):
    job = get_object_or_404(roster_jobs(request.user), pk=pk)
    columns = job.mapping.get("columns", [])
    return render(request, "students/import_preview.html", {
        "job": job,
        "summary": job.summary,
        "columns": [(LABELS.get(field, field), header) for field, header in columns],
        "can_confirm": job.status == ImportJob.Status.PREVIEW and not job.errors,
    })


@access.role_required(Role.LEADER)
@require_POST
def confirm(request, pk):
    job = get_object_or_404(roster_jobs(request.user), pk=pk)
    if not importers.confirm_roster_job(job=job, actor=request.user):
        messages.info(request, _("This import was already handled; nothing was imported again."))
    elif job.status == ImportJob.Status.DONE:
        messages.success(request, _("The roster has been imported."))
    else:
        messages.error(request, _("The file no longer passes the checks, so nothing was imported. "
                                  "See the errors below."))
    return redirect("roster_import:preview", pk=job.pk)
