"""Promotion as a process: advice moments, the final decision and the school leader's
overview with the warnings and the retention rate."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access, audit
from portal.models import Role
from portal.schoolyear import SchoolYear

from .. import selectors
from . import figures, records
from .forms import AdviceForm, DecisionForm

leaders_only = access.role_required(Role.LEADER)


def _student(request, student_pk, may):
    """The student if `may(user, student)`: 404 outside the user's schools, else 403."""
    student = get_object_or_404(selectors.students_for(request.user), pk=student_pk)
    if not may(request.user, student):
        raise PermissionDenied
    return student


def advice_create(request, student_pk):
    student = _student(request, student_pk, records.can_advise)
    today = timezone.localdate()
    year = SchoolYear.of(today)
    advice = list(records.advice_for(student, year))
    form = AdviceForm(request.POST or None, school_year=year, initial={
        "given_on": today, "moment": records.suggested_moment(advice, today)})
    if request.method == "POST" and form.is_valid():
        try:
            records.record_advice(actor=request.user, student=student, school_year=year,
                                    **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Advice recorded."))
            return redirect(student)
    audit.record_student_view(user=request.user, student=student, what="adviezen")
    return render(request, "students/promotion_advice_form.html", {
        "student": student, "form": form, "advice": advice, "school_year": year,
        "decision": records.decision_for(student, year),
    })


def decision(request, student_pk):
    student = _student(request, student_pk, records.can_decide)
    today = timezone.localdate()
    year = SchoolYear.of(today)
    form = DecisionForm(request.POST or None, school_year=year, initial={"decided_on": today})
    if request.method == "POST" and form.is_valid():
        try:
            records.record_decision(actor=request.user, student=student, school_year=year,
                                      **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Final decision recorded."))
            return redirect(student)
    audit.record_student_view(user=request.user, student=student, what="bevorderingsbesluit")
    return render(request, "students/promotion_decision_form.html", {
        "student": student, "form": form, "school_year": year,
        "decision": records.decision_for(student, year),
        "advice": records.advice_for(student, year),
    })


def _school_year(request, current):
    """?jaar=2025-2026 for an earlier year; the current one otherwise (never a later one)."""
    try:
        year = SchoolYear.parse(request.GET.get("jaar", ""))
    except ValueError:
        return current
    return year if year.start_year <= current.start_year else current


@leaders_only
def overview(request):
    schools = list(access.schools_for(request.user, (Role.LEADER,)).order_by("name"))
    school = access.chosen_school(request.user, (Role.LEADER,), request.GET.get("school"))
    current = SchoolYear.of(timezone.localdate())
    year = _school_year(request, current)
    data = figures.overview(request.user, school, year)
    figures.record_overview_view(user=request.user, school=school, year=year,
                                   count=len(data["surprises"]))
    return render(request, "students/promotion_overview.html", {
        "school": school, "schools": schools, "current_year": current,
        "previous_year": SchoolYear(year.start_year - 1),
        "next_year": SchoolYear(year.start_year + 1) if year.start_year < current.start_year else None,
        **data,
    })
