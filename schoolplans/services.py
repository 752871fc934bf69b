"""Writes of the school programme. Every state change goes through `transition`."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from portal import access, audit
from portal.models import AuditEntry, Role

from .models import Budget, ProgrammeVersion, SchoolProgramme, Spending
from .versions import snapshot

State = SchoolProgramme.State

# (from, to) -> roles that may make the move. Anything not in the table is not a move.
TRANSITIONS = {
    (State.DRAFT, State.CONSULTATION): (Role.LEADER,),
    (State.CONSULTATION, State.DRAFT): (Role.LEADER,),
    (State.CONSULTATION, State.MR_APPROVED): (Role.LEADER,),
    (State.MR_APPROVED, State.ADOPTED): (Role.LEADER,),
    (State.ADOPTED, State.RUNNING): (Role.LEADER,),
    (State.RUNNING, State.CLOSED): (Role.LEADER,),
}


def allowed_moves(programme, user):
    return [to for (frm, to), roles in TRANSITIONS.items()
            if frm == programme.state and programme.school_id in access.school_ids(user, roles)]


def _log(actor, programme, summary, action=AuditEntry.Action.UPDATE):
    audit.record(user=actor, school=programme.school, action=action, obj=programme,
                 summary=f"schoolprogramma {programme.pk}: {summary}")


def _require_leader(actor, programme):
    if programme.school_id not in access.school_ids(actor, (Role.LEADER,)):
        raise PermissionDenied


def _require_unlocked(programme):
    if programme.is_locked:
        raise ValidationError(_("The programme is adopted and locked; start a new version to change it."))


def budget_overview(programme):
    """Per school year of the programme: budget, planned costs and whether they exceed it."""
    budgets = {b.school_year: b.total for b in programme.budgets.all()}
    lines = list(programme.lines.all())
    rows = []
    for year in programme.school_years:
        planned = sum((line.cost_per_year for line in lines if line.runs_in(year.start_year)), Decimal("0"))
        budget = budgets.get(year.start_year, Decimal("0"))
        rows.append({"year": year, "budget": budget, "planned": planned, "over": planned > budget,
                     "difference": budget - planned})
    return rows


def exceeds_budget(programme):
    return any(row["over"] for row in budget_overview(programme))


def create_programme(*, actor, school, title, first_year, years):
    if school.pk not in access.school_ids(actor, (Role.LEADER,)):
        raise PermissionDenied
    with transaction.atomic():
        programme = SchoolProgramme.objects.create(school=school, title=title, first_year=first_year,
                                                   years=years, created_by=actor)
        _log(actor, programme, "aangemaakt", AuditEntry.Action.CREATE)
    return programme


def save_line(*, actor, form):
    """Save a ProgrammeLineForm (new or changed line) of an unlocked programme."""
    programme = form.instance.programme
    _require_leader(actor, programme)
    _require_unlocked(programme)
    with transaction.atomic():
        line = form.save()
        programme.over_budget_confirmed = False
        programme.save(update_fields=["over_budget_confirmed"])
        _log(actor, programme, f"regel {line.pk} opgeslagen")
    return line


def delete_line(*, actor, line):
    programme = line.programme
    _require_leader(actor, programme)
    _require_unlocked(programme)
    with transaction.atomic():
        line.delete()
        _log(actor, programme, "regel verwijderd")


def save_budget(*, actor, programme, school_year, amount_per_student, students):
    _require_leader(actor, programme)
    _require_unlocked(programme)
    with transaction.atomic():
        Budget.objects.update_or_create(programme=programme, school_year=school_year,
                                        defaults={"amount_per_student": amount_per_student,
                                                  "students": students})
        programme.over_budget_confirmed = False
        programme.save(update_fields=["over_budget_confirmed"])
        _log(actor, programme, f"budget {school_year} opgeslagen")


def confirm_over_budget(*, actor, programme):
    _require_leader(actor, programme)
    _require_unlocked(programme)
    programme.over_budget_confirmed = True
    programme.save(update_fields=["over_budget_confirmed"])
    _log(actor, programme, "overschrijding budget bevestigd")


def save_conclusions(*, actor, programme, texts):
    """texts: {area: text}; an empty text removes the conclusion."""
    _require_leader(actor, programme)
    _require_unlocked(programme)
    with transaction.atomic():
        for area, text in texts.items():
            if text.strip():
                programme.conclusions.update_or_create(area=area, defaults={"text": text.strip()})
            else:
                programme.conclusions.filter(area=area).delete()
        _log(actor, programme, "conclusies scan opgeslagen")


def save_approvals(*, actor, form):
    programme = form.instance
    _require_leader(actor, programme)
    if programme.state == State.CLOSED:
        raise ValidationError(_("A closed programme cannot be changed."))
    with transaction.atomic():
        form.save()
        _log(actor, programme, "besluitvorming vastgelegd")


def _check_requirements(programme, to):
    if to == State.CONSULTATION:
        if not programme.lines.exists():
            raise ValidationError(_("Add at least one programme line first."))
        if exceeds_budget(programme) and not programme.over_budget_confirmed:
            raise ValidationError(_("The planned costs exceed the budget; confirm that explicitly first."))
    if to == State.MR_APPROVED:
        if not programme.team_consulted_on:
            raise ValidationError(_("Record the team consultation first."))
        if programme.mr_outcome != SchoolProgramme.MrOutcome.APPROVED or not programme.mr_on:
            raise ValidationError(_("Record the MR's approval (date and outcome) first."))
    if to == State.ADOPTED:
        if programme.board_outcome != SchoolProgramme.BoardOutcome.ADOPTED or not programme.board_on:
            raise ValidationError(_("Record the board's adoption (date and outcome) first."))


def transition(programme, to, actor):
    """Move the programme to state `to`, if the table allows it for this actor."""
    to = State(to)
    roles = TRANSITIONS.get((programme.state, to))
    if roles is None:
        raise ValidationError(_("A programme cannot go from “%(from)s” to “%(to)s”.")
                              % {"from": programme.get_state_display(), "to": to.label})
    if programme.school_id not in access.school_ids(actor, roles):
        raise PermissionDenied
    _check_requirements(programme, to)
    with transaction.atomic():
        if to == State.ADOPTED:
            ProgrammeVersion.objects.update_or_create(
                programme=programme, number=programme.version,
                defaults={"snapshot": snapshot(programme), "created_by": actor})
        programme.state = to
        programme.save(update_fields=["state"])
        _log(actor, programme, f"status {to.value}")
    return programme


def new_version(*, actor, programme, reason):
    """Unlock an adopted programme as a new draft version; the adopted one stays as a snapshot."""
    _require_leader(actor, programme)
    if programme.state not in (State.ADOPTED, State.RUNNING):
        raise ValidationError(_("Only an adopted or running programme gets a new version."))
    if not reason.strip():
        raise ValidationError(_("Give the reason for the change."))
    with transaction.atomic():
        programme.versions.filter(number=programme.version).update(reason=reason.strip())
        programme.version += 1
        programme.state = State.DRAFT
        programme.over_budget_confirmed = False
        programme.mr_on = programme.board_on = None
        programme.mr_outcome = programme.board_outcome = ""
        programme.save()
        _log(actor, programme, f"nieuwe versie {programme.version}")
    return programme


def add_spending(*, actor, line, school_year, period, amount, note=""):
    programme = line.programme
    _require_leader(actor, programme)
    if programme.state not in (State.ADOPTED, State.RUNNING):
        raise ValidationError(_("Spending is entered while the programme runs."))
    with transaction.atomic():
        spending = line.spendings.create(school_year=school_year, period=period, amount=amount,
                                         note=note, created_by=actor)
        _log(actor, programme, f"besteding regel {line.pk}")
    return spending


def add_adjustment(*, actor, line, made_on, reason):
    programme = line.programme
    _require_leader(actor, programme)
    if programme.state not in (State.ADOPTED, State.RUNNING):
        raise ValidationError(_("Adjustments are recorded while the programme runs."))
    with transaction.atomic():
        adjustment = line.adjustments.create(made_on=made_on, reason=reason, created_by=actor)
        _log(actor, programme, f"bijstelling regel {line.pk}")
    return adjustment


def total_spent(programme):
    return Spending.objects.filter(line__programme=programme).aggregate(s=Sum("amount"))["s"] or Decimal("0")
