from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access, audit
from portal.models import Role
from portal.schoolyear import SchoolYear, parse_week, week_label, week_start

from . import privacy, selectors, services
from .flags import selectors as flags
from .forms import StudentFilterForm, StudentNotesForm, WeekGridForm
from .meetings import conversations, reviews
from .models import CATEGORY_SHORT, Category, Severity, Subject
from .promotion.records import promotion_context

PAGE_SIZE = 50


@access.role_required(Role.MENTOR)
def my_students(request):
    today = timezone.localdate()
    form = StudentFilterForm(request.GET, combined=selectors.combined_levels_by_level(request.user))
    students = list(selectors.caseload(request.user, today=today, **form.filters()))
    services.record_list(user=request.user, schools=access.schools_for(request.user, (Role.MENTOR,)),
                         count=len(students), what="mijn leerlingen")
    return render(request, "students/my_students.html", {
        "form": form, "students": students, "today": today,
        "actions": reviews.open_actions_for(request.user), "this_week": week_start(today),
    })


@access.role_required(*access.STUDENT_ROLES)
def student_list(request):
    form = StudentFilterForm(request.GET, combined=selectors.combined_levels_by_level(request.user))
    students = selectors.school_students(request.user, today=timezone.localdate(), **form.filters())
    page = Paginator(students, PAGE_SIZE).get_page(request.GET.get("pagina"))
    services.record_list(user=request.user, schools=access.schools_for(request.user, access.STUDENT_ROLES),
                         count=len(page.object_list), what="leerlingenlijst")
    query = request.GET.copy()
    query.pop("pagina", None)
    return render(request, "students/student_list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "class_codes": selectors.class_codes(request.user),
    })


def student_detail(request, pk):
    student = get_object_or_404(selectors.students_for(request.user), pk=pk)
    services.record_view(user=request.user, student=student)
    today = timezone.localdate()
    can_edit = selectors.can_edit(request.user, student)
    return render(request, "students/student_detail.html", {
        "student": student, "can_edit": can_edit, "today": today,
        "can_record": conversations.can_record_conversation(request.user, student),
        "timeline": selectors.timeline(student),
        **selectors.student_results(student, SchoolYear.of(today)),
        "plans": selectors.plans_of(student).select_related("goal_subject", "responsible"),
        "conversations": conversations.conversations_for(student),
        "transfer": selectors.transfer_of(student),
        "can_export": privacy.can_export(request.user, student),
        **promotion_context(request.user, student, today),
        **flags.student_flag_context(request.user, student),
    })


def student_edit(request, pk):
    student = get_object_or_404(selectors.students_for(request.user), pk=pk)
    if not selectors.can_edit(request.user, student):
        raise PermissionDenied
    form = StudentNotesForm(request.POST or None, instance=student)
    if request.method == "POST" and form.is_valid():
        services.update_student(actor=request.user, student=student, changes={
            field: form.cleaned_data[field] for field in form.changed_data
        })
        messages.success(request, _("Saved."))
        return redirect(student)
    audit.record_student_view(user=request.user, student=student, what="notities")
    return render(request, "students/student_edit.html", {"student": student, "form": form})


def student_export(request, pk):
    """A student's full record (right of access): a ZIP with JSON and a CSV per kind."""
    student = get_object_or_404(selectors.students_for(request.user), pk=pk)
    if not privacy.can_export(request.user, student):
        raise PermissionDenied
    filename, content = privacy.export_archive(actor=request.user, student=student)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@access.role_required(Role.MENTOR)
def week_grid(request):
    today = timezone.localdate()
    current = week_start(today)
    try:
        week = parse_week(request.GET["week"]) if request.GET.get("week") else current
    except ValueError:
        week = current
    week = min(week, current)  # a week that has not begun cannot be recorded
    rows = selectors.week_grid(request.user, week)
    schools = {row["student"].school_id for row in rows}
    # Subjects in use, and any a row already shows (a subject switched off since it was chosen).
    shown = {row["subject_id"] for row in rows if row["subject_id"]}
    subjects = Subject.objects.filter(school__in=schools).filter(
        Q(is_active=True) | Q(pk__in=shown)).order_by("name")
    form = WeekGridForm(request.POST or None, rows=rows, subjects=subjects)
    if request.method == "POST" and form.is_valid():
        changed = services.record_week(author=request.user, week=week, entries=form.entries())
        messages.success(request, _("Week %(week)s saved: %(count)s students changed.") % {
            "week": week.strftime("%V"), "count": changed})
        return redirect(f"{reverse('students:week')}?week={week_label(week)}")
    services.record_list(user=request.user, schools=access.schools_for(request.user, (Role.MENTOR,)),
                         count=len(rows), what=f"weekgrid {week_label(week)}")
    return render(request, "students/week_grid.html", {
        "form": form, "rows": rows, "week": week,
        "categories": [(c, label, CATEGORY_SHORT[c]) for c, label in Category.choices],
        "severities": Severity.choices,
        "previous_week": week_label(week - timedelta(days=7)),
        "next_week": week_label(week + timedelta(days=7)) if week < current else None,
    })
