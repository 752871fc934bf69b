"""Promotion as a process: advice moments through the year, the final decision, the
school leader's warnings and the retention rate.

Mentors (for their own mentees) and school leaders record advice moments: January, the end
of the year and any extra moment, each with a prognosis, the reasons and the conversation
with the student and the parents. The final decision is taken by the team in a meeting and
recorded once, by a school leader; "doubleren" needs a written justification.

A final "doubleren" or "afstromen" is flagged for the school leader when no earlier advice
of that school year said exactly that (a surprise in June), or when the student had no
intervention plan that started in that school year.

Writes run in one transaction and leave an audit entry in Dutch that names the student by
number only, never by name or by what was written about them.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal import access, audit
from portal.models import Role
from portal.schoolyear import SchoolYear

from .models import AdviceMoment, Level, PromotionDecision, Student, is_pre_exam_year
from .selectors import can_edit

Decision = PromotionDecision.Decision
Moment = AdviceMoment.Moment

# Decisions the school leader is warned about when nobody saw them coming.
WARNED = (Decision.REPEAT, Decision.DOWN)

# Audit summaries are Dutch whatever the interface language (see portal.audit).
MOMENT_WORDS = {Moment.JANUARY: "januari-advies", Moment.END: "advies einde schooljaar",
                Moment.OTHER: "tussentijds advies"}


# --- Who may do what -------------------------------------------------------------------------

def can_advise(user, student):
    """The student's own mentor and the school's leaders record advice moments."""
    return can_edit(user, student)


def can_decide(user, student):
    """Only school leaders record the final decision (the team decides, the leader records)."""
    return student.school_id in access.school_ids(user, (Role.LEADER,))


# --- Reads ---------------------------------------------------------------------------------

def advice_for(student, school_year=None):
    """A student's advice moments, oldest first; of one school year when given."""
    advice = AdviceMoment.objects.filter(student=student).select_related("given_by")
    if school_year is not None:
        advice = advice.filter(school_year=_start_year(school_year))
    return advice.order_by("given_on", "pk")


def decision_for(student, school_year):
    """The final decision for the student's school year, or None."""
    return (PromotionDecision.objects.filter(student=student, school_year=_start_year(school_year))
            .select_related("decided_by").first())


def promotion_context(user, student, today):
    """What the student page's promotion partial (`students/_promotion.html`) needs."""
    year = SchoolYear.of(today)
    return {
        "student": student,
        "advice": list(advice_for(student, year)),
        "decision": decision_for(student, year),
        "can_advise": can_advise(user, student),
        "can_decide": can_decide(user, student),
    }


def suggested_moment(advice, today):
    """The moment a new advice most likely is, for the form's initial value: the January
    advice in winter, the end-of-year advice from April, each while it is not given yet."""
    given = {a.moment for a in advice}
    if today.month in (12, 1, 2, 3) and Moment.JANUARY not in given:
        return Moment.JANUARY
    if today.month in (4, 5, 6, 7) and Moment.END not in given:
        return Moment.END
    return Moment.OTHER


def _plans():
    # Plans live in the interventions app, which builds on this one; look the model up by
    # name so that this module does not import a later app.
    return apps.get_model("interventions", "InterventionPlan")


def decisions_for(user, school_year):
    """Final decisions of a school year for the students of the schools the user leads."""
    students = access.scoped(Student.objects.all(), user, roles=(Role.LEADER,))
    return PromotionDecision.objects.filter(school_year=_start_year(school_year),
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
    year = SchoolYear(_start_year(school_year))
    decisions = decisions_for(user, year).filter(decision__in=WARNED)
    if school is not None:
        decisions = decisions.filter(student__school=school)
    announced = AdviceMoment.objects.filter(
        student=OuterRef("student"), school_year=year.start_year,
        prognosis=OuterRef("decision"), given_on__lt=OuterRef("decided_on"),
    )
    plans = _plans().objects.filter(student=OuterRef("student"),
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
    year = SchoolYear(_start_year(school_year))
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
    year = SchoolYear(_start_year(school_year))
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


# --- Writes --------------------------------------------------------------------------------

def _start_year(school_year):
    return school_year.start_year if isinstance(school_year, SchoolYear) else int(school_year)


def _check_in_year(field_name, day, year):
    if day not in year:
        raise ValidationError({field_name: _(
            "The date must lie in school year %(year)s (%(start)s to %(end)s)."
        ) % {"year": year, "start": date_format(year.start, "SHORT_DATE_FORMAT"),
             "end": date_format(year.end, "SHORT_DATE_FORMAT")}})


@transaction.atomic
def record_advice(*, actor, student, school_year, moment, given_on, prognosis, reasons,
                  conversation=""):
    """Record an advice moment: the student's mentor or a school leader; the date lies in
    the school year; one January and one end-of-year advice per school year."""
    if not can_advise(actor, student):
        raise PermissionDenied
    year = SchoolYear(_start_year(school_year))
    errors = {}
    if moment not in Moment.values:
        errors["moment"] = _("Choose a moment.")
    if prognosis not in Decision.values:
        errors["prognosis"] = _("Choose a prognosis.")
    reasons, conversation = (reasons or "").strip(), (conversation or "").strip()
    if not reasons:
        errors["reasons"] = _("Give the reasons for this advice.")
    if errors:
        raise ValidationError(errors)
    _check_in_year("given_on", given_on, year)
    if moment != Moment.OTHER and AdviceMoment.objects.filter(
            student=student, school_year=year.start_year, moment=moment).exists():
        raise _duplicate_moment(moment, year)
    try:
        with transaction.atomic():
            advice = AdviceMoment.objects.create(
                student=student, school_year=year.start_year, moment=moment, given_on=given_on,
                prognosis=prognosis, reasons=reasons, conversation=conversation, given_by=actor,
            )
    except IntegrityError:  # recorded at the same moment by someone else
        raise _duplicate_moment(moment, year) from None
    audit.record(
        user=actor, school=student.school, action=audit.Action.CREATE, obj=advice,
        summary=f"{MOMENT_WORDS[moment]} {year} leerling {student.student_number} "
                f"({given_on:%d-%m-%Y}): {prognosis}",
    )
    return advice


def _duplicate_moment(moment, year):
    return ValidationError({"moment": _(
        "There already is a %(moment)s for school year %(year)s; record an extra advice as an "
        "interim advice."
    ) % {"moment": Moment(moment).label, "year": year}})


@transaction.atomic
def record_decision(*, actor, student, school_year, decision, decided_on, justification=""):
    """Record the final promotion decision, once per student and school year: school leaders
    only; the date lies in the school year; doubleren needs a justification."""
    if not can_decide(actor, student):
        raise PermissionDenied
    year = SchoolYear(_start_year(school_year))
    if decision not in Decision.values:
        raise ValidationError({"decision": _("Choose a decision.")})
    justification = (justification or "").strip()
    if decision == Decision.REPEAT and not justification:
        raise ValidationError({"justification": _(
            "Repeating the year needs a justification: why is it the best for this student?")})
    _check_in_year("decided_on", decided_on, year)
    if PromotionDecision.objects.filter(student=student, school_year=year.start_year).exists():
        raise _already_decided(year)
    try:
        with transaction.atomic():
            recorded = PromotionDecision.objects.create(
                student=student, school_year=year.start_year, decision=decision,
                decided_on=decided_on, decided_by=actor, justification=justification,
            )
    except IntegrityError:  # the unique constraint is the last line, for two leaders at once
        raise _already_decided(year) from None
    audit.record(
        user=actor, school=student.school, action=audit.Action.CREATE, obj=recorded,
        summary=f"bevorderingsbesluit {year} leerling {student.student_number} "
                f"({decided_on:%d-%m-%Y}): {decision}",
    )
    return recorded


def _already_decided(year):
    return ValidationError(_(
        "The final decision for school year %(year)s has already been recorded; it is recorded "
        "only once."
    ) % {"year": year})


def record_overview_view(*, user, school, year, count):
    """The overview names students (the warnings): log that the leader listed them."""
    audit.record(user=user, school=school, action=audit.Action.LIST, object_type="promotiondecision",
                 summary=f"bevorderingsoverzicht {year}: {count} leerlingen met een waarschuwing")
