"""The progress measures of one school in one school year, computed from the raw data.

Everything stored is a count (or a median with the count it was taken over), per group of
level and leerjaar and for the school as a whole, so that a page can show how a figure was
made, derive shares, and suppress cells of fewer than ten students for inspectors. The
definitions here are the ones the dashboard explains under "How these numbers are made".

A fixed number of queries per school, whatever its size; the work is done in Python on
rows of a single school (a few tens of thousands of grades at most).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from statistics import median

from django.db.models import Q
from django.utils import timezone

from interventions.models import Intervention, InterventionPlan, PlanEvaluation
from portal.schoolyear import SchoolYear, week_start
from schoolplans import selectors as programme_selectors
from schoolplans.models import SchoolProgramme
from students.models import Flag, FlagEvent, Level, PromotionDecision, Score, Student, is_pre_exam_year

HELP_WITHIN_DAYS = 21      # "helped within 3 weeks"
FOLLOW_UP_DAYS = 42        # "six weeks after the start"
TOTAL = ("", 0)            # the key of the school's own row among the groups

# The state of a School Programme and the step of the five it has reached.
PROGRAMME_STEP = {
    SchoolProgramme.State.DRAFT: 2,
    SchoolProgramme.State.CONSULTATION: 3,
    SchoolProgramme.State.MR_APPROVED: 3,
    SchoolProgramme.State.ADOPTED: 4,
    SchoolProgramme.State.RUNNING: 4,
    SchoolProgramme.State.CLOSED: 5,
}

COUNTS = (
    "students", "flagged", "flagged_high", "flagged_with_plan", "new_flags",
    "first_flagged", "helped", "due", "helped_in_time",
    "plans_active", "evaluations_on_time", "evaluations_late", "evaluations_overdue",
    "plans_evaluated", "goals_met", "decided", "repeated",
)


def compute(school, today=None):
    """{school_year, as_of, groups, weeks, retention, what_works, programme} for `school`:
    plain JSON-ready numbers (see the module's docstring)."""
    today = today or timezone.localdate()
    year = SchoolYear.of(today)
    data = _Data.load(school, year, today)
    groups = _groups(data)
    return {
        "school_year": year.start_year,
        "as_of": today.isoformat(),
        "groups": [{"level": level, "leerjaar": leerjaar, **row}
                   for (level, leerjaar), row in sorted(groups.items(), key=_group_order)],
        "weeks": _weeks(data),
        "retention": _retention(data),
        "what_works": _what_works(data),
        "programme": _programme(school, year),
    }


def group(school, level, leerjaar, today=None):
    """The figures of one level/leerjaar computed now, and per student of the group the facts
    they are made of (for the school leader's drill-down): {"figures", "students"}."""
    today = today or timezone.localdate()
    data = _Data.load(school, SchoolYear.of(today), today, with_scores=False)
    members = {pk for pk, key in data.students.items() if key == (level, leerjaar)}
    figures = _groups(data).get((level, leerjaar)) or dict.fromkeys(COUNTS, 0)
    figures.setdefault("median_days", None)
    first_flags = _first_flags(data)
    waits = days_to_help(data, first_flags)
    facts = {pk: {"risk": 0, "flag_status": "", "first_flag": first_flags.get(pk), "days": waits.get(pk),
                  "plans": [], "next_evaluation": None, "overdue": False, "goal_result": ""}
             for pk in members}
    for flag in data.flags:
        if flag["student_id"] in facts and flag["resolved"] is None:
            facts[flag["student_id"]].update(risk=flag["level"], flag_status=flag["status"])
    latest = {e["plan_id"]: e["goal_result"] for e in data.evaluations}
    for plan in data.plans:
        fact = facts.get(plan["student_id"])
        if fact is None or plan["status"] != InterventionPlan.Status.ACTIVE:
            continue
        fact["plans"].append(plan["title"])
        due = plan["next_evaluation_on"]
        if due and (fact["next_evaluation"] is None or due < fact["next_evaluation"]):
            fact["next_evaluation"], fact["overdue"] = due, due < today
        fact["goal_result"] = latest.get(plan["pk"], fact["goal_result"])
    return {"figures": figures, "students": facts}


def _group_order(item):
    (level, leerjaar), _row = item
    order = {value: i for i, value in enumerate(Level.values)}
    return (level != "", order.get(level, 99), leerjaar)


# --- Raw data ---------------------------------------------------------------------------------

@dataclass
class _Data:
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

    @classmethod
    def load(cls, school, year, today, *, with_scores=True):
        local = timezone.localdate
        students = {pk: (level, leerjaar) for pk, level, leerjaar in
                    Student.objects.filter(school=school, is_active=True)
                    .values_list("pk", "level", "leerjaar")}
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
            Score.objects.filter(student__school=school, student__is_active=True,
                                 date__gte=year.start, date__lte=today)
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
                   decisions, interventions)

    def in_year(self, day):
        return day is not None and self.year.start <= day <= self.today


# --- Per group ----------------------------------------------------------------------------

def _keys(level, leerjaar):
    return (TOTAL, (level, leerjaar))


def _first_flags(data):
    """student pk -> the date of their first flag raised this school year (not dismissed)."""
    first = {}
    for flag in data.flags:
        if flag["status"] == Flag.Status.DISMISSED or not data.in_year(flag["raised"]):
            continue
        student = flag["student_id"]
        if student not in first or flag["raised"] < first[student]:
            first[student] = flag["raised"]
    return first


def days_to_help(data, first_flags):
    """student pk -> days from the first flag to the start of help (0 when a plan was already
    running that day), for the students who got help; the others are missing."""
    days = {}
    for plan in data.plans:
        student, started = plan["student_id"], plan["started_on"]
        flagged_on = first_flags.get(student)
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


def _groups(data):
    rows = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    rows[TOTAL]  # the school's own row, also for a school without students
    for level, leerjaar in data.students.values():
        for key in _keys(level, leerjaar):
            rows[key]["students"] += 1

    def add(student, field, n=1):
        if student in data.students:
            for key in _keys(*data.students[student]):
                rows[key][field] += n

    active_plans = {p["student_id"] for p in data.plans
                    if p["status"] == InterventionPlan.Status.ACTIVE}
    for flag in data.flags:
        if flag["resolved"] is None and flag["status"] != Flag.Status.DISMISSED:
            add(flag["student_id"], "flagged")
            add(flag["student_id"], "flagged_high", int(flag["level"] >= 2))
            add(flag["student_id"], "flagged_with_plan", int(flag["student_id"] in active_plans))
        if data.in_year(flag["raised"]):
            add(flag["student_id"], "new_flags")

    first_flags = _first_flags(data)
    waits = days_to_help(data, first_flags)
    waited_by_group = defaultdict(list)
    for student, flagged_on in first_flags.items():
        add(student, "first_flagged")
        waited = waits.get(student)
        if waited is not None:
            add(student, "helped")
            if student in data.students:
                for key in _keys(*data.students[student]):
                    waited_by_group[key].append(waited)
        if (data.today - flagged_on).days >= HELP_WITHIN_DAYS:
            add(student, "due")
            add(student, "helped_in_time", int(waited is not None and waited <= HELP_WITHIN_DAYS))

    plan_student = {p["pk"]: p["student_id"] for p in data.plans}
    for plan in data.plans:
        if plan["status"] == InterventionPlan.Status.ACTIVE:
            add(plan["student_id"], "plans_active")
            if plan["next_evaluation_on"] and plan["next_evaluation_on"] < data.today:
                add(plan["student_id"], "evaluations_overdue")
    latest = {}
    for evaluation in data.evaluations:
        if not data.in_year(evaluation["evaluated_on"]):
            continue
        student = plan_student[evaluation["plan_id"]]
        on_time = evaluation["evaluated_on"] <= evaluation["due_on"]
        add(student, "evaluations_on_time" if on_time else "evaluations_late")
        latest[evaluation["plan_id"]] = evaluation["goal_result"]  # ordered by cycle
    for plan_id, result in latest.items():
        add(plan_student[plan_id], "plans_evaluated")
        add(plan_student[plan_id], "goals_met", int(result == PlanEvaluation.GoalResult.MET))

    for decision in data.decisions:
        if decision["school_year"] != data.year.start_year:
            continue
        for key in _keys(decision["level"], decision["leerjaar"]):
            rows[key]["decided"] += 1
            rows[key]["repeated"] += int(decision["decision"] == PromotionDecision.Decision.REPEAT)

    for key, row in rows.items():
        waited = waited_by_group.get(key, [])
        row["median_days"] = float(median(waited)) if waited else None
    return rows


# --- Over time ----------------------------------------------------------------------------

def _weeks(data):
    """Per week of the school year so far, per group: new flags, new high flags, plans started."""
    first = week_start(data.year.start)
    weeks = []
    week = first
    while week <= data.today:
        weeks.append(week)
        week += timedelta(weeks=1)
    index = {week: i for i, week in enumerate(weeks)}
    series = defaultdict(lambda: {"new_flags": [0] * len(weeks), "new_high": [0] * len(weeks),
                                  "plans_started": [0] * len(weeks)})

    def add(student, field, day):
        if student in data.students and data.in_year(day):
            for key in _keys(*data.students[student]):
                series[key][field][index[week_start(day)]] += 1

    for flag in data.flags:
        add(flag["student_id"], "new_flags", flag["raised"])
        if flag["level"] >= 2:
            add(flag["student_id"], "new_high", flag["raised"])
    for plan in data.plans:
        add(plan["student_id"], "plans_started", plan["started_on"])
    return {
        "weeks": [week.isoformat() for week in weeks],
        "groups": [{"level": level, "leerjaar": leerjaar, **values}
                   for (level, leerjaar), values in series.items()],
    }


def _retention(data):
    """Per school year with decisions and per group: decided, repeated (and the pre-exam
    years apart on the school's row)."""
    years = defaultdict(lambda: defaultdict(lambda: {"decided": 0, "repeated": 0}))
    for decision in data.decisions:
        repeated = int(decision["decision"] == PromotionDecision.Decision.REPEAT)
        keys = list(_keys(decision["level"], decision["leerjaar"]))
        keys.append(("pre_exam" if is_pre_exam_year(decision["level"], decision["leerjaar"])
                     else "other", 0))
        for key in keys:
            cell = years[decision["school_year"]][key]
            cell["decided"] += 1
            cell["repeated"] += repeated
    return [
        {"school_year": year, "groups": [{"level": level, "leerjaar": leerjaar, **cell}
                                         for (level, leerjaar), cell in groups.items()]}
        for year, groups in sorted(years.items())
    ]


# --- What works here ----------------------------------------------------------------------

def _mean_grade(scores, start, end):
    """Weighted mean of the grades dated in [start, end), or None."""
    total = weights = Decimal("0")
    for day, grade, weight in scores:
        if start <= day < end:
            total += grade * weight
            weights += weight
    return total / weights if weights else None


class _RiskTimeline:
    """A student's risk level (0, 1, 2) on any day, from their flags and the flag events."""

    def __init__(self, data):
        self.changes = defaultdict(list)
        for flag in data.flags:
            steps = data.events.get(flag["pk"]) or [(flag["raised"], flag["level"])]
            self.changes[flag["student_id"]].extend(steps)
            if flag["resolved"]:
                self.changes[flag["student_id"]].append((flag["resolved"], 0))
        for steps in self.changes.values():
            steps.sort(key=lambda step: step[0])

    def level(self, student, day):
        level = 0
        for when, value in self.changes.get(student, ()):
            if when > day:
                break
            level = value
        return level


def _change(data, risk, student, start):
    """(grade change, risk change) from the start to six weeks after, or None when the six
    weeks are not over; the grade change is None without grades on either side."""
    after = start + timedelta(days=FOLLOW_UP_DAYS)
    if after > data.today:
        return None
    scores = data.scores.get(student, ())
    before_grade = _mean_grade(scores, start - timedelta(days=FOLLOW_UP_DAYS), start)
    after_grade = _mean_grade(scores, start, after)
    grade = (after_grade - before_grade) if before_grade is not None and after_grade is not None else None
    return grade, risk.level(student, after) - risk.level(student, start)


def _what_works(data):
    """Per menukaart intervention used at the school this school year: students enrolled,
    goals met, and the change in average grade and risk level from the start to six weeks
    after, beside the same change for comparable students (same level and leerjaar, at risk
    on the same start day, without that intervention this year)."""
    risk = _RiskTimeline(data)
    latest = {}
    for evaluation in data.evaluations:
        latest[evaluation["plan_id"]] = evaluation["goal_result"]
    by_intervention = defaultdict(list)
    for plan in data.plans:
        if data.in_year(plan["started_on"]) and plan["student_id"] in data.students:
            for intervention_id in plan["interventions"]:
                by_intervention[intervention_id].append(plan)
    result = []
    for intervention_id, plans in by_intervention.items():
        intervention = data.interventions[intervention_id]
        enrolled = {p["student_id"] for p in plans}
        starts = {}
        for plan in plans:  # each student's first start with this intervention
            student = plan["student_id"]
            starts[student] = min(plan["started_on"], starts.get(student, plan["started_on"]))
        own = _changes(data, risk, starts.items())
        comparison_starts = []
        for student, start in starts.items():
            group = data.students[student]
            comparison_starts.extend(
                (other, start) for other, other_group in data.students.items()
                if other_group == group and other not in enrolled and risk.level(other, start) >= 1
            )
        comparison = _changes(data, risk, set(comparison_starts))
        evaluated = [latest[p["pk"]] for p in plans if p["pk"] in latest]
        result.append({
            "intervention": intervention_id,
            "name": intervention.name_nl,
            "name_en": intervention.name_en,
            "effect_months": intervention.effect_months,
            "evidence_level": intervention.evidence_level,
            "enrolled": len(enrolled),
            "plans_evaluated": len(evaluated),
            "goals_met": sum(1 for r in evaluated if r == PlanEvaluation.GoalResult.MET),
            **{f"own_{k}": v for k, v in own.items()},
            **{f"comparison_{k}": v for k, v in comparison.items()},
            "comparison_students": len({student for student, _start in comparison_starts}),
        })
    result.sort(key=lambda row: (-row["enrolled"], row["name"]))
    return result


def _changes(data, risk, student_starts):
    """Means of the grade and risk changes over (student, start) pairs, with their counts."""
    grades, risks = [], []
    for student, start in student_starts:
        change = _change(data, risk, student, start)
        if change is None:
            continue
        grade, level = change
        risks.append(level)
        if grade is not None:
            grades.append(grade)
    return {
        "grade_n": len(grades),
        "grade_change": float(round(sum(grades) / len(grades), 2)) if grades else None,
        "risk_n": len(risks),
        "risk_change": round(sum(risks) / len(risks), 2) if risks else None,
    }


# --- School Programme ---------------------------------------------------------------------

def _programme(school, year):
    """The programme that covers this school year (the furthest along, if several): state,
    step, budget (allocated), planned and spent this year, and reach per line."""
    programmes = [p for p in SchoolProgramme.objects.filter(school=school)
                  if p.first_year <= year.start_year < p.first_year + p.years]
    if not programmes:
        return None
    order = list(SchoolProgramme.State.values)
    programme = max(programmes, key=lambda p: (order.index(p.state), p.first_year, p.pk))
    accounts = programme_selectors.accounting(programme, year.start_year)
    return {
        "pk": programme.pk,
        "title": programme.title,
        "state": programme.state,
        "step": PROGRAMME_STEP[programme.state],
        "period": programme.period_label,
        "allocated": float(accounts["budget"]),
        "planned": float(accounts["planned"]),
        "spent": float(accounts["spent"]),
        "lines": [
            {"name": row["line"].intervention.name_nl, "category": row["category"],
             "expected": row["expected"], "reach": row["reach"],
             "planned": float(row["planned"]), "spent": float(row["spent"])}
            for row in accounts["lines"]
        ],
    }
