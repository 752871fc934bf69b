"""The staff import in the browser, for school leaders: upload → preview → confirm, like the roster."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from portal import access
from portal.models import Role

from ..models import ImportJob
from . import staff
from .forms import StaffUploadForm
from .staff_rows import COLUMNS, NOT_STORED, ROLE_SPELLINGS
from .staff_write import role_list

LEADER = (Role.LEADER,)
LABELS = {column.field: column.label for column in COLUMNS}
CHANGES = {
    "account": gettext_lazy("new account"), "school": gettext_lazy("new at this school"),
    "name": gettext_lazy("name"), "roles": gettext_lazy("roles"), "code": gettext_lazy("teacher code"),
}


def staff_jobs(user):
    """The staff imports of the schools this user leads."""
    return access.scoped(
        ImportJob.objects.filter(kind=ImportJob.Kind.STAFF).select_related("school", "created_by"),
        user, roles=LEADER,
    )


@access.role_required(Role.LEADER)
def upload(request):
    form = StaffUploadForm(request.POST or None, request.FILES or None,
                           schools=access.schools_for(request.user, LEADER))
    if request.method == "POST" and form.is_valid():
        job = staff.start_staff_job(school=form.cleaned_data["school"], upload=form.cleaned_data["file"],
                                    actor=request.user)
        return redirect("roster_import:staff_preview", pk=job.pk)
    return render(request, "students/staff_upload.html", {
        "form": form, "columns": COLUMNS,
        "roles": [(role.label, spellings) for role, spellings in ROLE_SPELLINGS.items()],
        "jobs": staff_jobs(request.user)[:10],
    })


@access.role_required(Role.LEADER)
def preview(request, pk):
    job = get_object_or_404(staff_jobs(request.user), pk=pk)
    summary, columns = job.summary, job.mapping.get("columns", [])
    people = [_person(p) for p in summary.get("people", [])]
    me = request.user.email.lower()
    return render(request, "students/staff_preview.html", {
        "job": job,
        "summary": summary,
        "people": people,
        "columns": [(LABELS.get(field, field), header) for field, header in columns],
        "notes": _notes(summary, columns),
        "loses_own_leader_role": any(p["email"] == me and Role.LEADER in p["before"]
                                     and Role.LEADER not in p["roles"] for p in people),
        "can_confirm": job.status == ImportJob.Status.PREVIEW and not job.errors,
    })


def _person(found):
    """One person of the preview with their roles and changes in words."""
    changes = [str(CHANGES[word]) for word in found["changes"] if word in CHANGES]
    if found["students"]:
        changes.append(ngettext("mentor of %(count)s student", "mentor of %(count)s students",
                                found["students"]) % {"count": found["students"]})
    return {**found, "role_names": role_list(found["roles"]), "before_names": role_list(found["before"]),
            "change_names": ", ".join(changes)}


def _notes(summary, columns):
    """What the file holds that the import does not use, or cannot use yet."""
    headers = dict(columns)
    notes = [staff.not_stored_note(headers.get(field, field)) for field in summary.get("not_stored", [])
             if field in NOT_STORED]
    if summary.get("classes_without_students"):
        notes.append(staff.classes_note(summary["classes_without_students"]))
    notes += [staff.mentees_note(email, count) for email, count in summary.get("mentees_kept", [])]
    return notes


@access.role_required(Role.LEADER)
@require_POST
def confirm(request, pk):
    job = get_object_or_404(staff_jobs(request.user), pk=pk)
    if not staff.confirm_staff_job(job=job, actor=request.user):
        messages.info(request, _("This import was already handled; nothing was imported again."))
    elif job.status == ImportJob.Status.DONE:
        messages.success(request, _("The staff file has been imported."))
    else:
        messages.error(request, _("The file no longer passes the checks, so nothing was imported. "
                                  "See the errors below."))
    if hasattr(request.user, "_membership_cache"):
        del request.user._membership_cache  # the import may have changed the leader's own roles
    if not staff_jobs(request.user).filter(pk=job.pk).exists():
        return redirect("home")  # a leader who took away their own leader role here
    return redirect("roster_import:staff_preview", pk=job.pk)
