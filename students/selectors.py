"""Read functions for students. Every one starts from portal.access, the one door."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from portal import access, numbers
from portal.models import Role, User
from portal.schoolyear import week_start

from . import hooks
from .flags.selectors import with_risk
from .models import (
    Category,
    Conversation,
    ResultKind,
    ReviewItem,
    Score,
    Severity,
    Signal,
    StandardisedResult,
    Student,
    Transfer,
    WeekNote,
)
from .wording import ROMAN

SORTS = {
    "naam": ("family_name", "given_name"),
    "klas": ("class_code", "family_name", "given_name"),
    "niveau": ("level", "leerjaar", "combined_level", "class_code", "family_name"),
    "nummer": ("student_number",),
    "zorg": ("-risk_level", "-care_level", "-overdue_evaluations", "family_name", "given_name"),
}


def students_for(user):
    """All students this user may see (none for inspectors)."""
    return access.scoped(Student.objects.select_related("school", "mentor"), user)


def editable_students_for(user):
    """Students whose records this user may change: a leader's school, a mentor's mentees."""
    return access.editable(Student.objects.all(), user)


def can_edit(user, student):
    return editable_students_for(user).filter(pk=student.pk).exists()


def filter_students(queryset, *, q="", class_code="", level="", leerjaar=None, sort="klas",
                    min_care=None):
    if q:
        queryset = queryset.filter(
            Q(given_name__icontains=q) | Q(family_name__icontains=q) | Q(student_number__icontains=q)
        )
    if class_code:
        queryset = queryset.filter(class_code__iexact=class_code)
    if level:
        queryset = queryset.filter(level=level)
    if leerjaar:
        queryset = queryset.filter(leerjaar=leerjaar)
    if min_care:
        queryset = queryset.filter(care_level__gte=min_care)
    if sort == "zorg" and "care_level" not in queryset.query.annotations:
        sort = "klas"
    return queryset.order_by(*SORTS.get(sort, SORTS["klas"]))


def mentees(user):
    return students_for(user).active().filter(mentor=user)


def caseload(user, *, today, **filters):
    """'Mijn leerlingen': the mentor's own active mentees, with their care summary."""
    return filter_students(with_care_summary(mentees(user), today), **filters)


def school_students(user, *, today, **filters):
    return filter_students(with_care_summary(students_for(user).active(), today), **filters)


def class_codes(user):
    return (
        students_for(user).active().exclude(class_code="")
        .order_by("class_code").values_list("class_code", flat=True).distinct()
    )


def combined_levels_by_level(user):
    """{norm level: [combined levels]} among the active students this user sees: a level filter
    names them, since filtering by level means the norm level ("havo" includes havo/vwo)."""
    found = {}
    for level, combined in (students_for(user).active().exclude(combined_level="").order_by()
                            .values_list("level", "combined_level").distinct()):
        found.setdefault(level, []).append(combined)
    return found


def mentors_of(school):
    """Users who may be a mentor at this school (for forms and the roster import)."""
    return User.objects.filter(memberships__school=school, memberships__role=Role.MENTOR).distinct()


def week_grid(user, week):
    """Rows for the mentor's week grid: each active mentee with this week's values.

    Where nothing is recorded yet this week, a category starts from last week's open
    concern (attention or worse), so a mentor only touches what changed. Four queries,
    whatever the group size.
    """
    students = list(mentees(user).order_by("family_name", "given_name"))
    signals = Signal.objects.filter(student__in=students, week__in=[week, week - timedelta(days=7)])
    this_week, last_week = {}, {}
    for signal in signals:
        target = this_week if signal.week == week else last_week
        target[(signal.student_id, signal.category)] = signal
    notes = dict(WeekNote.objects.filter(student__in=students, week=week)
                 .values_list("student_id", "note"))
    rows = []
    for student in students:
        cells, carried, subject_id = [], False, None
        for category in Category.values:
            current = this_week.get((student.pk, category))
            previous = last_week.get((student.pk, category))
            if current is not None:
                value = current.severity
            elif previous is not None and previous.severity >= Severity.ATTENTION:
                value, carried = previous.severity, True
            else:
                value = Severity.NONE
            source = current or previous
            if category == Category.COGNITIVE and source is not None:
                subject_id = source.subject_id
            cells.append({"category": category, "label": Category(category).label, "value": value,
                          "carried": current is None and previous is not None and value > 0})
        rows.append({"student": student, "cells": cells, "subject_id": subject_id,
                     "note": notes.get(student.pk, ""), "carried": carried,
                     "recorded": any((student.pk, c) in this_week for c in Category.values)})
    return rows


def with_care_summary(students, today):
    """Annotate students with what a mentor scans for: the risk level of their current flag,
    the highest signal of the last four weeks, the last week with a signal, open plans and
    overdue evaluations. Subqueries, so the
    counts are not multiplied by joins and the page runs a constant number of queries."""
    since = week_start(today) - timedelta(weeks=3)
    recent = Signal.objects.filter(student=OuterRef("pk"), week__gte=since).values("student")
    plans = hooks.active_plans().filter(student=OuterRef("pk")).values("student")

    def subquery(qs, aggregate):
        return Coalesce(Subquery(qs.annotate(v=aggregate).values("v")[:1],
                                 output_field=IntegerField()), Value(0))

    return with_risk(students).annotate(
        care_level=subquery(recent, Max("severity")),
        last_signal_week=Subquery(
            Signal.objects.filter(student=OuterRef("pk"), severity__gt=0)
            .order_by("-week").values("week")[:1]),
        open_plans=subquery(plans, Count("pk")),
        overdue_evaluations=subquery(plans.filter(next_evaluation_on__lt=today), Count("pk")),
    )


def transfer_of(student):
    """The student's warme overdracht (imported from the primary school's file), or None."""
    transfer = Transfer.objects.filter(student=student).first()
    if transfer is not None:
        transfer.student = student  # its placement reads the level; no second query
    return transfer


def plans_of(student):
    """The student's intervention plans, from the app that holds them (students.hooks)."""
    return hooks.plans().filter(student=student)


def timeline(student):
    """Everything that happened around a student, newest first: signals (per week), week
    notes, intervention plans starting and ending, driehoeksgesprekken, team reviews.
    Returns a list of dicts {date, kind, title, text, severity}."""
    events = []
    weeks = {}
    for signal in Signal.objects.filter(student=student).select_related("subject"):
        if signal.severity == Severity.NONE and not signal.history:
            continue
        weeks.setdefault(signal.week, []).append(signal)
    for week, signals in weeks.items():
        signals.sort(key=lambda s: -s.severity)
        events.append({"date": week, "kind": "signals", "week": week, "signals": signals,
                       "severity": signals[0].severity})
    for note in WeekNote.objects.filter(student=student):
        events.append({"date": note.week, "kind": "note", "week": note.week, "text": note.note})
    for plan in plans_of(student).select_related("goal_subject"):
        events.append({"date": plan.started_on, "kind": "plan_start", "plan": plan})
        if plan.ended_on:
            events.append({"date": plan.ended_on, "kind": "plan_end", "plan": plan})
    for conversation in Conversation.objects.filter(student=student):
        events.append({"date": conversation.held_on, "kind": "conversation",
                       "conversation": conversation})
    for item in ReviewItem.objects.filter(student=student).select_related("review"):
        events.append({"date": item.review.held_on, "kind": "review", "item": item})
    order = {"plan_end": 0, "conversation": 1, "review": 2, "plan_start": 3, "note": 4, "signals": 5}
    events.sort(key=lambda e: (e["date"], -order[e["kind"]]), reverse=True)
    return events


PASS = Decimal("5.5")


def _row(score):
    """One result as the tables show it: a grade as written (6,5; 6,75) or the mark's word."""
    return {"date": score.date.strftime("%d-%m-%Y"), "test": score.test, "weight": float(score.weight),
            "text": numbers.grade(score.grade) if score.grade is not None else score.get_mark_display(),
            "is_mark": score.grade is None,
            "insufficient": score.grade < PASS if score.grade is not None else score.mark == "o"}


def student_results(student, year):
    """What the student page shows of a student's results: `charts` (report grades this school
    year per subject, for the charts: see score_charts), `marks` (subjects with qualitative
    results, such as LO, or with marks only: the latest result first), `school_exam` (SE/PTA
    results, in a table of their own) and `standardised` (Cito/LVS results of every year). A
    mark is never drawn or averaged as a grade. Two queries, plus the plans for the charts."""
    by_subject, exam = {}, []
    for score in (Score.objects.filter(student=student, date__range=(year.start, year.end))
                  .select_related("subject").order_by("subject__name", "date", "pk")):
        if score.is_school_exam:
            exam.append({"subject": score.subject.name, **_row(score)})
        else:
            by_subject.setdefault(score.subject, []).append(score)
    graded, marks = {}, []
    for subject, scores in by_subject.items():
        if subject.result_kind == ResultKind.QUALITATIVE or all(s.grade is None for s in scores):
            rows = [_row(s) for s in reversed(scores)]
            marks.append({"subject": subject.name, "latest": rows[0], "earlier": rows[1:]})
        else:
            graded[subject] = scores
    standardised = [
        {"date": r.date, "test": r.test, "domain": r.domain, "level": ROMAN.get(r.level, ""),
         "reference_level": r.reference_level, "level_advice": r.level_advice_label, "ability": r.ability}
        for r in StandardisedResult.objects.filter(student=student).order_by("-date", "domain", "pk")]
    return {"charts": score_charts(student, year, graded), "marks": marks, "school_exam": exam,
            "standardised": standardised}


def score_charts(student, year, graded):
    """Per subject with report grades this school year (`graded`: {subject: its scores}): the
    grades, the pass line (5,5), the aim line of a plan with a goal for that subject, and where
    plans started and ended; the table beside each chart also lists the subject's marks (inh,
    vr). Days count from 1 August so the charts of one student share their x-axis."""

    def day(d):
        return (d - year.start).days

    plans = [p for p in plans_of(student).filter(started_on__lte=year.end)
             .select_related("goal_subject") if (p.ended_on or year.end) >= year.start]
    charts = {}
    for subject, scores in graded.items():
        charts[subject.pk] = {
            "subject": subject.name, "aims": [], "markers": [], "rows": [_row(s) for s in scores],
            "points": [{"x": day(s.date), "y": float(s.grade), "text": numbers.grade(s.grade),
                        "test": s.test, "insufficient": s.grade < PASS}
                       for s in scores if s.grade is not None]}
    for subject_id, chart in charts.items():
        for plan in plans:
            if plan.goal_subject_id not in (None, subject_id):
                continue
            if plan.goal_subject_id == subject_id and plan.goal_grade is not None:
                end = min(plan.goal_date or plan.ended_on or year.end, year.end)
                chart["aims"].append({"title": plan.title, "y": float(plan.goal_grade),
                                      "from": day(max(plan.started_on, year.start)), "to": day(end)})
            chart["markers"].append({"x": day(max(plan.started_on, year.start)), "kind": "start",
                                     "title": plan.title})
            if plan.ended_on and plan.ended_on <= year.end:
                chart["markers"].append({"x": day(plan.ended_on), "kind": "end", "title": plan.title})
    # What needs attention first: subjects with a plan goal, then those now below 5,5.
    ordered = sorted(charts.values(), key=lambda c: (
        not c["aims"], not c["points"][-1]["insufficient"], c["subject"].lower()))
    return {"year_start": year.start.isoformat(), "days": day(year.end), "pass": 5.5,
            "charts": ordered}
