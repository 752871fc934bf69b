"""The school leader's subject list, under /vakken/ (?school=BRIN for a leader of several)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import access
from portal.models import Role
from students.models import Subject

from . import selectors, services
from .forms import MergeForm, SubjectForm
from .standard import ensure_standard_subjects

leaders_only = access.role_required(Role.LEADER)


def _led_school(request):
    return access.chosen_school(request.user, (Role.LEADER,), request.GET.get("school"))


def _led_subject(request, pk):
    """A subject of a school the user leads; any other is a 404."""
    return get_object_or_404(access.scoped(Subject.objects.select_related("school"), request.user,
                                           roles=(Role.LEADER,)), pk=pk)


def _list_url(school, request):
    url = reverse("subjects:list")
    return f"{url}?school={school.brin}" if request.GET.get("school") else url


@leaders_only
def subject_list(request):
    school = _led_school(request)
    form = SubjectForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        subject = services.add_subject(actor=request.user, school=school, data=form.cleaned_data)
        messages.success(request, _("Subject %(code)s added.") % {"code": subject.code})
        return redirect(_list_url(school, request))
    subjects = selectors.subject_list(school)
    return render(request, "students/subjects.html", {
        "school": school, "schools": access.schools_for(request.user, (Role.LEADER,)).order_by("name"),
        "subjects": subjects, "form": form,
        "school_query": f"?school={school.brin}" if request.GET.get("school") else "",
    })


@leaders_only
@require_POST
def subject_fill(request):
    school = _led_school(request)
    added = ensure_standard_subjects(school)
    messages.success(request, _("Standard subjects added: %(count)s.") % {"count": added})
    return redirect(_list_url(school, request))


@leaders_only
def subject_edit(request, pk):
    subject = _led_subject(request, pk)
    form = SubjectForm(request.POST or None, instance=subject, school=subject.school)
    if request.method == "POST" and form.is_valid():
        if services.change_subject(actor=request.user, subject=subject, data=form.cleaned_data):
            messages.success(request, _("Subject saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return redirect("subjects:list")
    return render(request, "students/subject_form.html", {
        "subject": subject, "form": form, "merge_form": MergeForm(subject=subject)})


@leaders_only
def subject_merge(request, pk):
    subject = _led_subject(request, pk)
    form = MergeForm(request.POST or None, subject=subject)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            moved = services.merge_subjects(actor=request.user, source=subject, target=target)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("%(source)s merged into %(target)s: %(count)s grades moved.") % {
                "source": subject.code, "target": target.code, "count": moved})
            return redirect("subjects:list")
    return render(request, "students/subject_merge.html", {"subject": subject, "form": form})
