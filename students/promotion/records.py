"""Promotion as a process: advice moments through the year and the final decision.

Mentors (for their own mentees) and school leaders record advice moments: January, the end
of the year and any extra moment, each with a prognosis, the reasons and the conversation
with the student and the parents. The final decision is taken by the team in a meeting and
recorded once, by a school leader; "doubleren" needs a written justification.

Writes run in one transaction and leave an audit entry in Dutch that names the student by
number only, never by name or by what was written about them.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from portal import access, audit
from portal.models import Role
from portal.schoolyear import SchoolYear

from ..models import AdviceMoment, PromotionDecision
from ..selectors import can_edit

Decision = PromotionDecision.Decision
Moment = AdviceMoment.Moment

# Audit summaries are Dutch whatever the interface language (see portal.audit).
MOMENT_WORDS = {Moment.JANUARY: "januari-advies", Moment.END: "advies einde schooljaar",
                Moment.OTHER: "tussentijds advies"}


def start_year(school_year):
    """The first calendar year of a school year given as a SchoolYear or a number."""
    return school_year.start_year if isinstance(school_year, SchoolYear) else int(school_year)


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
        advice = advice.filter(school_year=start_year(school_year))
    return advice.order_by("given_on", "pk")


def decision_for(student, school_year):
    """The final decision for the student's school year, or None."""
    return (PromotionDecision.objects.filter(student=student, school_year=start_year(school_year))
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


# --- Writes --------------------------------------------------------------------------------

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
    year = SchoolYear(start_year(school_year))
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
    year = SchoolYear(start_year(school_year))
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
