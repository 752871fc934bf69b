"""What works here: per menukaart intervention used at the school, the change in grades and
risk level from the start to six weeks after, beside the same change for comparable students."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from interventions.models import PlanEvaluation

FOLLOW_UP_DAYS = 42        # "six weeks after the start"


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


def what_works(data):
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
