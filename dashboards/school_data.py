"""The raw data of one school in one school year, as the measures read it.

A fixed number of queries per school, whatever its size; what follows works in Python on
rows of a single school (a few tens of thousands of grades at most). Also the two facts
several measures share: each student's first flag and how long they waited for help.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from interventions.models import Intervention, InterventionPlan, PlanEvaluation
from portal.schoolyear import SchoolYear
from students.models import Flag, FlagEvent, PromotionDecision, Score, Student, placement

TOTAL = ("", 0)            # the key of the school's own row among the groups


@dataclass
class SchoolData:
    """The rows of one school the measures are made of, read in a fixed number of queries."""

    school: object
    year: SchoolYear
    today: object
    students: dict      # pk -> (level, leerjaar)
    flags: list         # dicts
    events: dict        # flag pk -> [(date, level)] in order
    plans: list         # dicts, with "interventions" (a set of menukaart ids)
    evaluations: list   # dicts
    scores: dict        # student pk -> [(date, grade, weight)] in date order
    decisions: list     # dicts
    interventions: dict  # pk -> Intervention
    combined: dict = field(default_factory=dict)  # pk -> combined level (havo/vwo), where there is one
    placements: dict = field(default_factory=dict)  # pk -> Placement against the advice, if known

    @classmethod
    def load(cls, school, year, today, *, with_scores=True):
        local = timezone.localdate
        rows = (Student.objects.filter(school=school, is_active=True)
                .values_list("pk", "level", "leerjaar", "combined_level", "transfer__advice",
                             "transfer__adjusted_advice"))
        students, combined, placements = {}, {}, {}
        for pk, level, leerjaar, combined_level, advice, adjusted in rows:
            students[pk] = (level, leerjaar)  # the norm level: groups and figures use it
            if combined_level:
                combined[pk] = combined_level
            if advice:
                placements[pk] = placement(level, adjusted or advice)
        flags = [
            {**f, "raised": local(f["raised_on"]),
             "resolved": local(f["resolved_on"]) if f["resolved_on"] else None}
            for f in Flag.objects.filter(student__school=school, raised_on__date__lte=today)
            .filter(Q(resolved_on__isnull=True) | Q(resolved_on__date__gte=year.start))
            .values("pk", "student_id", "level", "status", "raised_on", "resolved_on")
        ]
        events = defaultdict(list)
        for flag_id, at, level in (FlagEvent.objects
                                   .filter(flag_id__in=[f["pk"] for f in flags])
                                   .order_by("at", "pk").values_list("flag_id", "at", "level")):
            events[flag_id].append((local(at), level))
        plans = list(
            InterventionPlan.objects.filter(student__school=school, started_on__lte=today)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=year.start))
            .values("pk", "student_id", "title", "started_on", "ended_on", "status", "next_evaluation_on",
                    "intervention_id", "group__intervention_id")
        )
        for plan in plans:
            plan["interventions"] = {plan["intervention_id"], plan["group__intervention_id"]} - {None}
        evaluations = list(
            PlanEvaluation.objects.filter(plan_id__in=[p["pk"] for p in plans])
            .values("plan_id", "cycle", "due_on", "evaluated_on", "goal_result")
            .order_by("plan_id", "cycle", "pk")
        )
        scores = defaultdict(list)
        for student_id, day, grade, weight in () if not with_scores else (
            Score.objects.report_grades(year.start, today)
            .filter(student__school=school, student__is_active=True)
            .order_by("date").values_list("student_id", "date", "grade", "weight")
        ):
            scores[student_id].append((day, grade, weight))
        decisions = list(
            PromotionDecision.objects.filter(student__school=school)
            .values("school_year", "level", "leerjaar", "decision")
        )
        used = set().union(*(p["interventions"] for p in plans)) if plans else set()
        interventions = {i.pk: i for i in Intervention.objects.filter(pk__in=used)}
        return cls(school, year, today, students, flags, events, plans, evaluations, scores,
                   decisions, interventions, combined, placements)

    def in_year(self, day):
        return day is not None and self.year.start <= day <= self.today


def group_keys(level, leerjaar):
    """The rows a student of (level, leerjaar) counts in: the school's own and their group's."""
    return (TOTAL, (level, leerjaar))


def first_flags(data):
    """student pk -> the date of their first flag raised this school year (not dismissed)."""
    first = {}
    for flag in data.flags:
        if flag["status"] == Flag.Status.DISMISSED or not data.in_year(flag["raised"]):
            continue
        student = flag["student_id"]
        if student not in first or flag["raised"] < first[student]:
            first[student] = flag["raised"]
    return first


def days_to_help(data, first):
    """student pk -> days from the first flag to the start of help (0 when a plan was already
    running that day), for the students who got help; the others are missing."""
    days = {}
    for plan in data.plans:
        student, started = plan["student_id"], plan["started_on"]
        flagged_on = first.get(student)
        if flagged_on is None:
            continue
        if started >= flagged_on:
            waited = (started - flagged_on).days
        elif plan["ended_on"] is None or plan["ended_on"] >= flagged_on:
            waited = 0
        else:
            continue
        days[student] = min(waited, days.get(student, waited))
    return days
