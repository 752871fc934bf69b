from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from students import selectors as student_selectors

from . import selectors, services
from .forms import PlanForm


def plan_create(request, student_pk):
    student = get_object_or_404(student_selectors.students_for(request.user), pk=student_pk)
    if not student_selectors.can_edit(request.user, student):
        raise PermissionDenied
    form = PlanForm(request.POST or None, student=student,
                    initial={"started_on": timezone.localdate(), "responsible": request.user})
    if request.method == "POST" and form.is_valid():
        services.start_plan(actor=request.user, student=student, data=form.cleaned_data)
        messages.success(request, _("Plan started."))
        return redirect(student)
    return render(request, "interventions/plan_form.html", {"form": form, "student": student})


def plan_edit(request, pk):
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    if not selectors.editable_plans_for(request.user).filter(pk=plan.pk).exists():
        raise PermissionDenied
    form = PlanForm(request.POST or None, instance=plan, student=plan.student)
    if request.method == "POST" and form.is_valid():
        services.update_plan(actor=request.user, plan=plan,
                             changes={f: form.cleaned_data[f] for f in form.changed_data})
        messages.success(request, _("Plan saved."))
        return redirect(plan.student)
    return render(request, "interventions/plan_form.html",
                  {"form": form, "student": plan.student, "plan": plan})
