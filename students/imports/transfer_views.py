"""The warme overdracht import in the browser, for school leaders: upload → preview → confirm.

The portal has no role for a zorgcoördinator; the school leader imports, and every member of
the school's staff reads the result on the student page.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import access
from portal.models import Role

from ..models import Advice, ImportJob
from . import transfer
from .forms import TransferUploadForm

LEADER = (Role.LEADER,)
LABELS = {column.field: column.label for column in transfer.COLUMNS}


def transfer_jobs(user):
    """The transfer imports of the schools this user leads."""
    return access.scoped(
        ImportJob.objects.filter(kind=ImportJob.Kind.TRANSFER).select_related("school", "created_by"),
        user, roles=LEADER,
    )


@access.role_required(Role.LEADER)
def upload(request):
    form = TransferUploadForm(request.POST or None, request.FILES or None,
                              schools=access.schools_for(request.user, LEADER))
    if request.method == "POST" and form.is_valid():
        job = transfer.start_transfer_job(school=form.cleaned_data["school"],
                                          upload=form.cleaned_data["file"], actor=request.user)
        return redirect("roster_import:transfer_preview", pk=job.pk)
    return render(request, "students/transfer_upload.html", {
        "form": form, "columns": transfer.COLUMNS, "advices": [str(a.label) for a in Advice],
        "jobs": transfer_jobs(request.user)[:10],
    })


@access.role_required(Role.LEADER)
def preview(request, pk):
    job = get_object_or_404(transfer_jobs(request.user), pk=pk)
    return render(request, "students/transfer_preview.html", {
        "job": job,
        "summary": job.summary,
        "columns": [(LABELS.get(field, field), header) for field, header in job.mapping.get("columns", [])],
        "can_confirm": job.status == ImportJob.Status.PREVIEW and not job.errors,
    })


@access.role_required(Role.LEADER)
@require_POST
def confirm(request, pk):
    job = get_object_or_404(transfer_jobs(request.user), pk=pk)
    if not transfer.confirm_transfer_job(job=job, actor=request.user):
        messages.info(request, _("This import was already handled; nothing was imported again."))
    elif job.status == ImportJob.Status.DONE:
        messages.success(request, _("The transfer data has been imported."))
    else:
        messages.error(request, _("The file no longer passes the checks, so nothing was imported. "
                                  "See the errors below."))
    return redirect("roster_import:transfer_preview", pk=job.pk)
