"""The progress measures of one school in one school year, computed from the raw data.

Everything stored is a count (or a median with the count it was taken over), per group of
level and leerjaar and for the school as a whole, so that a page can show how a figure was
made, derive shares, and suppress cells of fewer than ten students for inspectors. The
definitions here are the ones the dashboard explains under "How these numbers are made".
The raw rows come from `school_data`, "what works here" from `what_works`.
"""

from collections import defaultdict
from datetime import timedelta
from statistics import median

from django.utils import timezone

from interventions.models import InterventionPlan, PlanEvaluation
from portal.schoolyear import SchoolYear, week_start
from schoolplans import selectors as programme_selectors
from schoolplans.models import SchoolProgramme
from students.models import Flag, Level, PromotionDecision, is_pre_exam_year

from .school_data import TOTAL, SchoolData, days_to_help, first_flags, group_keys
from .what_works import what_works

HELP_WITHIN_DAYS = 21      # "helped within 3 weeks"

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
    "with_advice", "below_advice", "at_advice", "above_advice",
)


def compute(school, today=None):
    """{school_year, as_of, groups, weeks, retention, what_works, programme} for `school`:
    plain JSON-ready numbers (see the module's docstring)."""
    today = today or timezone.localdate()
    year = SchoolYear.of(today)
    data = SchoolData.load(school, year, today)
    groups = _groups(data)
    return {
        "school_year": year.start_year,
        "as_of": today.isoformat(),
        "groups": [{"level": level, "leerjaar": leerjaar, **row, **_combined_in(data, (level, leerjaar))}
                   for (level, leerjaar), row in sorted(groups.items(), key=_group_order)],
        "weeks": _weeks(data),
        "retention": _retention(data),
        "what_works": what_works(data),
        "programme": _programme(school, year),
    }


def group(school, level, leerjaar, today=None):
    """The figures of one level/leerjaar computed now, and per student of the group the facts
    they are made of (for the school leader's drill-down): {"figures", "students"}."""
    today = today or timezone.localdate()
    data = SchoolData.load(school, SchoolYear.of(today), today, with_scores=False)
    members = {pk for pk, key in data.students.items() if key == (level, leerjaar)}
    figures = _groups(data).get((level, leerjaar)) or dict.fromkeys(COUNTS, 0)
    figures.setdefault("median_days", None)
    first = first_flags(data)
    waits = days_to_help(data, first)
    facts = {pk: {"risk": 0, "flag_status": "", "first_flag": first.get(pk), "days": waits.get(pk),
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


def _combined_in(data, key):
    """{"combined": [...]}: the combined levels (havo/vwo) of the students counted in a group of
    a norm level, so that its name says so; {} for none (and for the school's own row)."""
    found = sorted({c for pk, c in data.combined.items() if data.students[pk] == key})
    return {"combined": found} if found and key != TOTAL else {}


def _group_order(item):
    (level, leerjaar), _row = item
    order = {value: i for i, value in enumerate(Level.values)}
    return (level != "", order.get(level, 99), leerjaar)


# --- Per group ----------------------------------------------------------------------------

def _groups(data):
    rows = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    rows[TOTAL]  # the school's own row, also for a school without students
    for level, leerjaar in data.students.values():
        for key in group_keys(level, leerjaar):
            rows[key]["students"] += 1

    def add(student, field, n=1):
        if student in data.students:
            for key in group_keys(*data.students[student]):
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

    first = first_flags(data)
    waits = days_to_help(data, first)
    waited_by_group = defaultdict(list)
    for student, flagged_on in first.items():
        add(student, "first_flagged")
        waited = waits.get(student)
        if waited is not None:
            add(student, "helped")
            if student in data.students:
                for key in group_keys(*data.students[student]):
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
        for key in group_keys(decision["level"], decision["leerjaar"]):
            rows[key]["decided"] += 1
            rows[key]["repeated"] += int(decision["decision"] == PromotionDecision.Decision.REPEAT)

    for student, place in data.placements.items():  # the warme overdracht's advice, where imported
        add(student, "with_advice")
        add(student, f"{place.value}_advice")

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
            for key in group_keys(*data.students[student]):
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
        keys = list(group_keys(decision["level"], decision["leerjaar"]))
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
