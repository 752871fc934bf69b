"""Reads of the school programme: scoped programmes, the schoolscan, progress and accounting."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from interventions.models import Intervention, InterventionPlan, PlanEvaluation
from portal import access, disclosure
from portal.models import Role
from portal.schoolyear import SchoolYear
from students.models import Category, Flag, RiskLevel, Score, Severity, Signal, Student, group_name

from .models import SchoolProgramme, Spending
from .versions import diff, snapshot

READERS = (Role.LEADER, Role.INSPECTOR)
SCAN_AREAS = (Category.COGNITIVE, Category.STUDY_SKILLS, Category.WELLBEING)
PASS = Decimal("5.5")


def programmes_for(user):
    """Programmes the user may read: a leader's and an inspector's schools."""
    return access.scoped(SchoolProgramme.objects.select_related("school"), user, roles=READERS)


def editable_programmes(user):
    return access.scoped(SchoolProgramme.objects.select_related("school"), user, roles=(Role.LEADER,))


def _share(part, whole):
    return (Decimal(part) / whole * 100).quantize(Decimal("0.1")) if whole else Decimal("0.0")


def schoolscan(school, on):
    """Delays of the school's active students per level and leerjaar on day `on`: open flags
    (aandacht/hoog), students with a concern signal (zorg or urgent) per area in the last eight
    weeks, and the subjects with the largest share of averages below 5,5 this school year."""
    students = Student.objects.filter(school=school, is_active=True)
    groups, combined = {}, defaultdict(set)
    for row in students.values("level", "leerjaar", "combined_level").annotate(n=Count("pk")).order_by():
        key = (row["level"], row["leerjaar"])
        group = groups.setdefault(key, {"level": row["level"], "leerjaar": row["leerjaar"], "students": 0,
                                        "attention": 0, "high": 0, "areas": dict.fromkeys(SCAN_AREAS, 0),
                                        "worst_subject": None})
        group["students"] += row["n"]
        combined[key].add(row["combined_level"])
    for key, group in groups.items():  # by norm level, naming the combined levels counted in it
        group["label"] = group_name(group["level"], combined[key])
    flags = (Flag.objects.filter(student__in=students, resolved_on__isnull=True,
                                 level__gte=RiskLevel.ATTENTION)
             .values("student__level", "student__leerjaar", "level").annotate(n=Count("student", distinct=True)))
    for row in flags:
        group = groups[(row["student__level"], row["student__leerjaar"])]
        group["high" if row["level"] == RiskLevel.HIGH else "attention"] += row["n"]
    signals = (Signal.objects.filter(student__in=students, severity__gte=Severity.CONCERN,
                                     category__in=SCAN_AREAS, week__gt=on - timedelta(weeks=8), week__lte=on)
               .values("student__level", "student__leerjaar", "category")
               .annotate(n=Count("student", distinct=True)))
    for row in signals:
        groups[(row["student__level"], row["student__leerjaar"])]["areas"][row["category"]] += row["n"]
    rows = []
    for key in sorted(groups):
        group = groups[key]
        n = group["students"]
        group["flagged_share"] = _share(group["attention"] + group["high"], n)
        group["area_shares"] = {area: _share(count, n) for area, count in group["areas"].items()}
        rows.append(group)

    year = SchoolYear.of(on)
    averages = (Score.objects.report_grades(year.start, on).filter(student__in=students)
                .values("student", "student__level", "student__leerjaar", "subject__name")
                .annotate(points=Sum(F("grade") * F("weight")), weight=Sum("weight")))
    per_subject = defaultdict(lambda: [0, 0])
    per_group = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for row in averages:
        below = bool(row["weight"]) and row["points"] / row["weight"] < PASS
        for counts in (per_subject[row["subject__name"]],
                       per_group[(row["student__level"], row["student__leerjaar"])][row["subject__name"]]):
            counts[1] += 1
            counts[0] += below
    for key, subjects in per_group.items():
        worst = min(((-_share(b, n), name, b, n) for name, (b, n) in subjects.items() if b), default=None)
        if worst and key in groups:
            groups[key]["worst_subject"] = {"subject": worst[1], "below": worst[2], "students": worst[3],
                                            "share": -worst[0]}
    worst = sorted(({"subject": name, "below": below, "students": total, "share": _share(below, total)}
                    for name, (below, total) in per_subject.items() if below),
                   key=lambda s: (-s["share"], s["subject"]))[:5]
    total = sum(g["students"] for g in rows)
    totals = {"students": total,
              "attention": sum(g["attention"] for g in rows), "high": sum(g["high"] for g in rows),
              "areas": {a: sum(g["areas"][a] for g in rows) for a in SCAN_AREAS}}
    totals["flagged_share"] = _share(totals["attention"] + totals["high"], total)
    totals["area_shares"] = {a: _share(c, total) for a, c in totals["areas"].items()}
    return {"rows": rows, "totals": totals, "worst_subjects": worst, "on": on}


def programme_progress(programme):
    """Per line id: reach (distinct students with a plan of the line's intervention, directly or
    through a group, started within the programme's years), spending, share of those plans whose
    goal was met, and flags resolved. A fixed number of queries for any number of lines."""
    lines = list(programme.lines.select_related("intervention"))
    ids = {line.intervention_id for line in lines}
    start = SchoolYear(programme.first_year).start
    end = SchoolYear(programme.first_year + programme.years - 1).end
    plans = list(InterventionPlan.objects.filter(student__school=programme.school_id,
                                                 started_on__gte=start, started_on__lte=end)
                 .filter(Q(intervention_id__in=ids) | Q(group__intervention_id__in=ids))
                 .values("pk", "student_id", "intervention_id", "group__intervention_id", "flag__resolved_on"))
    met = set(PlanEvaluation.objects.filter(plan_id__in=[p["pk"] for p in plans],
                                            goal_result=PlanEvaluation.GoalResult.MET)
              .values_list("plan_id", flat=True))
    spent = dict(Spending.objects.filter(line__programme=programme).values("line")
                 .annotate(s=Sum("amount")).values_list("line", "s"))
    by_intervention = defaultdict(list)
    for plan in plans:
        for iid in {plan["intervention_id"], plan["group__intervention_id"]} - {None}:
            by_intervention[iid].append(plan)
    result = {}
    for line in lines:
        own = by_intervention.get(line.intervention_id, [])
        reached = len({p["student_id"] for p in own})
        result[line.pk] = {
            "line": line,
            "plans": len(own),
            "reach": reached,
            "reach_share": _share(reached, line.expected_students),
            "spent": spent.get(line.pk) or Decimal("0"),
            "met_share": _share(sum(1 for p in own if p["pk"] in met), len(own)),
            "flags_resolved": sum(1 for p in own if p["flag__resolved_on"]),
        }
    return result


def line_progress(line):
    return programme_progress(line.programme)[line.pk]


def accounting(programme, school_year):
    """Totals for the annual report of one school year: per line and per menukaart category."""
    progress = programme_progress(programme)
    spent = dict(Spending.objects.filter(line__programme=programme, school_year=school_year)
                 .values("line").annotate(s=Sum("amount")).values_list("line", "s"))
    budget = programme.budgets.filter(school_year=school_year).first()
    lines = []
    categories = {c: {"code": c, "label": label, "planned": Decimal("0"), "spent": Decimal("0")}
                  for c, label in Intervention.Category.choices}
    for pk, row in progress.items():
        line = row["line"]
        planned = line.cost_per_year if line.runs_in(school_year) else Decimal("0")
        line_spent = spent.get(pk) or Decimal("0")
        lines.append({"line": line, "category": line.intervention.category, "planned": planned,
                      "spent": line_spent, "expected": line.expected_students, "reach": row["reach"],
                      "met_share": row["met_share"], "flags_resolved": row["flags_resolved"]})
        categories[line.intervention.category]["planned"] += planned
        categories[line.intervention.category]["spent"] += line_spent
    return {
        "programme": programme,
        "school_year": SchoolYear(school_year),
        "budget": budget.total if budget else Decimal("0"),
        "lines": lines,
        "categories": [c for c in categories.values() if c["planned"] or c["spent"]],
        "planned": sum((row["planned"] for row in lines), Decimal("0")),
        "spent": sum((row["spent"] for row in lines), Decimal("0")),
    }


# --- For readers who may not see students (inspectors): small cells hidden ----------------

def scan_for_inspectors(scan):
    """The schoolscan with every cell of fewer than ten students shown as "<10"."""
    def group(g):
        n = g["students"]
        worst = g.get("worst_subject")
        return {**g, "students": disclosure.count(n), "attention": disclosure.count(g["attention"]),
                "high": disclosure.count(g["high"]), "flagged_share": disclosure.share(g["flagged_share"], n),
                "areas": {a: disclosure.count(c) for a, c in g["areas"].items()},
                "area_shares": {a: disclosure.share(v, n) for a, v in g["area_shares"].items()},
                "worst_subject": worst and {**worst, "below": disclosure.count(worst["below"]),
                                            "students": disclosure.count(worst["students"]),
                                            "share": disclosure.share(worst["share"], worst["students"])}}

    return {**scan, "rows": [group(g) for g in scan["rows"]], "totals": group(scan["totals"]),
            "worst_subjects": [{**w, "below": disclosure.count(w["below"]),
                                "students": disclosure.count(w["students"]),
                                "share": disclosure.share(w["share"], w["students"])}
                               for w in scan["worst_subjects"]]}


def _line_for_inspectors(row):
    reach = row["reach"]
    return {**row, "reach": disclosure.count(reach), "reach_share": disclosure.share(row.get("reach_share"), reach),
            "met_share": disclosure.share(row["met_share"], row.get("plans", reach)),
            "flags_resolved": disclosure.count(row["flags_resolved"])}


def progress_for_inspectors(progress):
    """Reach per line with small cells hidden (the plans counted are students' plans)."""
    return [_line_for_inspectors(row) for row in progress]


def accounting_for_inspectors(report):
    return {**report, "lines": [_line_for_inspectors(row) for row in report["lines"]]}


def version_diffs(programme):
    """The stored versions, and for each the differences to the next one (the last stored
    version against the programme as it is now, when that has moved on):
    [(from number, to number, diff, reason of the older version)]."""
    versions = list(programme.versions.all())
    diffs = []
    for older, newer in zip(versions, [*versions[1:], None]):
        if newer is not None:
            diffs.append((older.number, newer.number, diff(older.snapshot, newer.snapshot), older.reason))
        elif programme.version != older.number:
            diffs.append((older.number, programme.version, diff(older.snapshot, snapshot(programme)),
                          older.reason))
    return versions, diffs
