from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal import access, audit
from portal.models import Role
from students.flags import selectors as student_flags
from students import selectors as student_selectors

from . import selectors, services
from .forms import EnrolForm, EvaluationForm, GroupForm, PlanForm

staff_only = access.role_required(*access.STUDENT_ROLES)
leaders_only = access.role_required(Role.LEADER)


def _flag_for(request, student):
    """The flag of ?flag=<pk>: the student's current flag, visible to the user; else 404."""
    raw = request.GET.get("flag")
    if not raw:
        return None
    if not str(raw).isdigit():
        raise Http404
    flag = student_flags.current_flag(student)
    if flag is None or flag.pk != int(raw) or not student_flags.flags_for(request.user).filter(pk=flag.pk).exists():
        raise Http404
    return flag


def _initial_from_flag(student, flag, settings, today):
    initial = {"need": "\n".join(r.get("text", "") for r in flag.reasons if r.get("text"))}
    subject = selectors.goal_subject_from_reasons(student.school, flag.reasons)
    if subject is not None:
        initial.update(goal_subject=subject, goal_grade="5,5", goal_date=today + settings.cycle,
                       goal=f"{subject.name} ≥ 5,5")
    return initial


def plan_create(request, student_pk):
    student = get_object_or_404(student_selectors.students_for(request.user), pk=student_pk)
    if not student_selectors.can_edit(request.user, student):
        raise PermissionDenied
    flag = _flag_for(request, student)
    today = timezone.localdate()
    settings = selectors.plan_settings_for(student.school)
    initial = {"started_on": today, "responsible": request.user}
    if flag is not None:
        initial.update(_initial_from_flag(student, flag, settings, today))
    needs = selectors.needs_from_reasons(flag.reasons) if flag else []
    form = PlanForm(request.POST or None, student=student, initial=initial,
                    suggestions=selectors.suggest_interventions(student, needs))
    if request.method == "POST" and form.is_valid():
        services.start_plan(actor=request.user, student=student, data=form.plan_data(), flag=flag)
        messages.success(request, _("Plan started."))
        return redirect(student)
    audit.record_student_view(user=request.user, student=student, what="nieuw plan")
    return render(request, "interventions/plan_form.html", {
        "form": form, "student": student, "flag": flag, "needs": needs, "settings": settings})


def _editable_plan(request, pk):
    """The plan if the user may change it: 404 outside their schools, else 403."""
    plan = get_object_or_404(selectors.plans_for(request.user).select_related("student__school"), pk=pk)
    if not selectors.can_edit_plan(request.user, plan):
        raise PermissionDenied
    return plan


def plan_edit(request, pk):
    plan = _editable_plan(request, pk)
    form = PlanForm(request.POST or None, instance=plan, student=plan.student)
    if request.method == "POST" and form.is_valid():
        services.update_plan(actor=request.user, plan=plan,
                             changes={f: form.cleaned_data[f] for f in form.changed_data})
        messages.success(request, _("Plan saved."))
        return redirect(plan.student)
    today = timezone.localdate()
    audit.record_student_view(user=request.user, student=plan.student, what=f"plan {plan.pk}")
    return render(request, "interventions/plan_form.html", {
        "form": form, "student": plan.student, "plan": plan, "today": today,
        "settings": selectors.plan_settings_for(plan.student.school),
        **selectors.plan_page(plan)})


def plan_evaluate(request, pk):
    plan = _editable_plan(request, pk)
    today = timezone.localdate()
    context = selectors.evaluation_context(plan, today=today)
    form = None
    if plan.is_active:
        form = EvaluationForm(request.POST or None, plan=plan, settings=context["settings"], today=today,
                              initial={"evaluated_on": today})
        if request.method == "POST" and form.is_valid():
            try:
                services.record_evaluation(actor=request.user, plan=plan, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Evaluation recorded."))
                return redirect(plan.student)
        evaluated_on = form.is_bound and form.cleaned_data.get("evaluated_on")
        if evaluated_on:  # the cycles of the year the evaluation falls in, as the check counts them
            context = selectors.evaluation_context(plan, today=today, evaluated_on=evaluated_on)
    audit.record_student_view(user=request.user, student=plan.student, what=f"evaluatie plan {plan.pk}")
    return render(request, "interventions/evaluation_form.html", {
        "form": form, "plan": plan, "student": plan.student, "today": today, **context})


# --- Group interventions ----------------------------------------------------------------------

@staff_only
def group_list(request):
    return render(request, "interventions/group_list.html", {
        "groups": selectors.group_list(request.user),
        "can_create": access.has_role(request.user, Role.LEADER),
    })


@leaders_only
def group_create(request):
    schools = access.schools_for(request.user, (Role.LEADER,)).order_by("name")
    form = GroupForm(request.POST or None, schools=schools)
    if request.method == "POST" and form.is_valid():
        data = {f: v for f, v in form.cleaned_data.items() if f != "school"}
        group = services.create_group(actor=request.user, school=form.target_school(), data=data)
        messages.success(request, _("Group intervention created; now enrol its students."))
        return redirect(group)
    return render(request, "interventions/group_form.html", {"form": form})


def _group_page(request, group, form=None):
    q = request.GET.get("q", "").strip()
    may_enrol = selectors.can_enrol(request.user, group)
    members = list(selectors.group_members(group))
    candidates = list(selectors.enrolment_candidates(group, q=q)) if may_enrol else []
    if may_enrol and form is None:
        form = EnrolForm(group=group, candidates=candidates)
    audit.record(user=request.user, school=group.school, action=audit.Action.LIST, obj=group,
                 summary=f"groepsinterventie {group.pk}: {len(members)} deelnemers")
    return render(request, "interventions/group_detail.html", {
        "group": group, "members": members, "form": form, "may_enrol": may_enrol, "q": q,
        "today": timezone.localdate(), "candidate_count": len(candidates),
    })


@staff_only
def group_detail(request, pk):
    group = get_object_or_404(selectors.groups_for(request.user), pk=pk)
    return _group_page(request, group)


@staff_only
@require_POST
def group_enrol(request, pk):
    group = get_object_or_404(selectors.groups_for(request.user), pk=pk)
    if not selectors.can_enrol(request.user, group):
        raise PermissionDenied
    q = request.GET.get("q", "").strip()
    form = EnrolForm(request.POST, group=group, candidates=selectors.enrolment_candidates(group, q=q))
    if not form.is_valid():
        return _group_page(request, group, form)
    plans = services.enrol_students(actor=request.user, group=group, students=form.cleaned_data["students"])
    messages.success(request, ngettext("%(count)s student enrolled.", "%(count)s students enrolled.",
                                       len(plans)) % {"count": len(plans)})
    return redirect(group)
