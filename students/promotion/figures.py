"""The school leader's view of promotion: the warnings (a doubleren or afstromen nobody saw
coming) and the retention rate, per school, level and leerjaar.

A final "doubleren" or "afstromen" is flagged for the school leader when no earlier advice
of that school year said exactly that (a surprise in June), or when the student had no
intervention plan that started in that school year (the plans come from the app that holds
them, through students.hooks).
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext as _

from portal import access, audit
from portal.models import Role
from portal.schoolyear import SchoolYear

from .. import hooks
from ..models import AdviceMoment, Level, PromotionDecision, Student, is_pre_exam_year
from .records import Decision, Moment, start_year

# Decisions the school leader is warned about when nobody saw them coming.
WARNED = (Decision.REPEAT, Decision.DOWN)


def decisions_for(user, school_year):
    """Final decisions of a school year for the students of the schools the user leads."""
    students = access.scoped(Student.objects.all(), user, roles=(Role.LEADER,))
    return PromotionDecision.objects.filter(school_year=start_year(school_year),
                                            student__in=students)


@dataclass
class Surprise:
    """A final doubleren/afstromen the school leader should look at, and why."""

    decision: PromotionDecision
    announced: bool  # an earlier advice of that school year gave the same prognosis
    had_plan: bool   # an intervention plan started in that school year

    @property
    def student(self):
        return self.decision.student

    @property
    def warnings(self):
        found = []
        if not self.announced:
            found.append(_("no earlier advice said “%(decision)s”")
                         % {"decision": self.decision.get_decision_display()})
        if not self.had_plan:
            found.append(_("no intervention plan this school year"))
        return found


def surprises(user, school_year, *, school=None):
    """The school leader's warnings: every final doubleren or afstromen of the school year
    that no earlier advice announced, or that no intervention plan preceded. One query.

    "Announced" means an advice moment of the same school year, given before the day of the
    decision, with exactly the same prognosis: an advice of afstromen does not announce
    doubleren, nor the other way round, because for the student and the parents they are
    different news. A plan counts when it started in the school year (1 August–31 July),
    whatever became of it; a plan of an earlier year does not count.
    """
    year = SchoolYear(start_year(school_year))
    decisions = decisions_for(user, year).filter(decision__in=WARNED)
    if school is not None:
        decisions = decisions.filter(student__school=school)
    announced = AdviceMoment.objects.filter(
        student=OuterRef("student"), school_year=year.start_year,
        prognosis=OuterRef("decision"), given_on__lt=OuterRef("decided_on"),
    )
    plans = hooks.plans().filter(student=OuterRef("student"),
                                    started_on__range=(year.start, year.end))
    rows = (
        decisions.annotate(announced=Exists(announced), had_plan=Exists(plans))
        .filter(Q(announced=False) | Q(had_plan=False))
        .select_related("student__school", "decided_by")
        .order_by("student__school__name", "student__level", "student__leerjaar",
                  "student__family_name", "student__given_name", "pk")
    )
    return [Surprise(decision=d, announced=d.announced, had_plan=d.had_plan) for d in rows]


@dataclass
class RetentionRow:
    """Students with a final decision and how many of them repeat the year.

    `level` and `leerjaar` are None on a school's total row; `school` is None on the total
    of all schools.
    """

    school: object = None
    level: str | None = None
    leerjaar: int | None = None
    decided: int = 0
    repeated: int = 0

    @property
    def rate(self):
        """Share of the decided students who repeat the year (0.0375), or None without any."""
        if not self.decided:
            return None
        return (Decimal(self.repeated) / Decimal(self.decided)).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP)

    @property
    def percent(self):
        """The rate as a percentage with one decimal (3.8), as the sector reports it."""
        if not self.decided:
            return None
        return (Decimal(100 * self.repeated) / Decimal(self.decided)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def pre_exam(self):
        return self.level is not None and is_pre_exam_year(self.level, self.leerjaar)

    @property
    def level_label(self):
        return Level(self.level).label if self.level else ""

    def add(self, other):
        self.decided += other.decided
        self.repeated += other.repeated


@dataclass
class Retention:
    school_year: SchoolYear
    rows: list = field(default_factory=list)           # per school, level and leerjaar
    school_totals: list = field(default_factory=list)  # per school, in the order given
    total: RetentionRow = field(default_factory=RetentionRow)


def retention_rate(schools, school_year):
    """The retention rate (share of students whose final decision is doubleren) per school,
    level and leerjaar, with a total per school and over all schools. One query for the
    figures (plus one when `schools` is a queryset still to be read).

    Only students with a final decision of that school year count: a student without one is
    not in the denominator. Figures only, never a name: fit for inspectors' dashboards too;
    the caller passes the schools the user may see (`access.schools_for`).

    Level and leerjaar are the ones the decision was about (stored with it), so earlier
    school years stay right after students have moved on.
    """
    year = SchoolYear(start_year(school_year))
    schools = list(schools)
    by_school = {s.pk: RetentionRow(school=s) for s in schools}
    figures = (
        PromotionDecision.objects.filter(school_year=year.start_year,
                                         student__school__in=list(by_school))
        .values("student__school", "level", "leerjaar")
        .annotate(decided=Count("pk"), repeated=Count("pk", filter=Q(decision=Decision.REPEAT)))
        .order_by()
    )
    level_order = {level: i for i, level in enumerate(Level.values)}
    result = Retention(school_year=year, school_totals=list(by_school.values()))
    for row in figures:
        school_total = by_school[row["student__school"]]
        line = RetentionRow(school=school_total.school, level=row["level"],
                            leerjaar=row["leerjaar"], decided=row["decided"],
                            repeated=row["repeated"])
        result.rows.append(line)
        school_total.add(line)
        result.total.add(line)
    school_order = {s.pk: i for i, s in enumerate(schools)}
    result.rows.sort(key=lambda r: (school_order[r.school.pk], level_order.get(r.level, 99),
                                    r.leerjaar))
    return result


def overview(user, school, school_year):
    """The school leader's promotion page: advice per moment and prognosis, the final
    decisions, the warnings and the retention rate. A constant number of queries."""
    year = SchoolYear(start_year(school_year))
    advice = Counter({
        (moment, prognosis): n for moment, prognosis, n in
        AdviceMoment.objects.filter(student__school=school, school_year=year.start_year)
        .values_list("moment", "prognosis").annotate(n=Count("pk")).order_by()
    })
    decided = dict(
        PromotionDecision.objects.filter(student__school=school, school_year=year.start_year)
        .values_list("decision").annotate(n=Count("pk")).order_by()
    )
    counts = [
        {"prognosis": value, "label": label,
         "advice": [advice[moment, value] for moment in Moment.values],
         "decisions": decided.get(value, 0)}
        for value, label in Decision.choices
    ]
    totals = {"advice": [sum(row["advice"][i] for row in counts) for i in range(len(Moment))],
              "decisions": sum(decided.values())}
    return {
        "school_year": year,
        "moments": Moment.choices,
        "counts": counts,
        "totals": totals,
        "surprises": surprises(user, year, school=school),
        "retention": retention_rate([school], year),
    }


def record_overview_view(*, user, school, year, count):
    """The overview names students (the warnings): log that the leader listed them."""
    audit.record(user=user, school=school, action=audit.Action.LIST, object_type="promotiondecision",
                 summary=f"bevorderingsoverzicht {year}: {count} leerlingen met een waarschuwing")
