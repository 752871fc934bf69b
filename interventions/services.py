"""Write functions for intervention plans, their evaluations, group interventions and a
school's own menukaart entries. (The national menukaart is loaded by `menukaart`; overdue
evaluations are reminded by `reminders`.)"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal import audit
from portal.schoolyear import SchoolYear
from students.flags.services import record_first_action

from . import selectors
from .menukaart import DOSE_FIELDS, TEXT_FIELDS
from .models import (GroupIntervention, Intervention, InterventionPlan, PlanEvaluation,
                     is_improvement_cycle)

PLAN_FIELDS = ("intervention", "title", "need", "goal", "goal_subject", "goal_grade", "goal_date",
               "responsible", "started_on", "next_evaluation_on", "dose", "agreements", "status",
               "ended_on")
GROUP_FIELDS = ("name", "intervention", "goal", "starts_on", "ends_on", "coordinator", "notes")
Result, Decision = PlanEvaluation.GoalResult, PlanEvaluation.Decision

# Stored and audited texts are Dutch, the school's language, whatever the interface language.
DECISION_WORDS = {Decision.CONTINUE: "doorgaan", Decision.ADJUST: "bijstellen", Decision.STOP: "stoppen"}


@transaction.atomic
def start_plan(*, actor, student, data, flag=None):
    """Start a plan; the first evaluation is due after one cycle of the school unless given.
    `flag` is the student's current flag the plan answers."""
    if flag is not None and (flag.student_id != student.pk or flag.resolved_on is not None):
        raise ValueError("A plan answers the student's own current flag.")
    plan = InterventionPlan(student=student, created_by=actor, flag=flag,
                            **{f: v for f, v in data.items() if f in PLAN_FIELDS})
    if plan.next_evaluation_on is None:
        plan.next_evaluation_on = plan.started_on + selectors.plan_settings_for(student.school).cycle
    plan.save()
    record_first_action(student, timezone.now(), by=actor)
    audit.record(user=actor, school=student.school, action=audit.Action.CREATE, obj=plan,
                 summary=f"leerling {student.student_number}: plan gestart"
                         + (f" bij signalering {flag.pk}" if flag else ""))
    return plan


@transaction.atomic
def update_plan(*, actor, plan, changes):
    changes = {f: v for f, v in changes.items() if f in PLAN_FIELDS}
    if not changes:
        return []
    for field, value in changes.items():
        setattr(plan, field, value)
    if plan.status != InterventionPlan.Status.ACTIVE:
        plan.next_evaluation_on = None
        changes = {**changes, "next_evaluation_on": None}
    plan.save(update_fields=list(changes))
    audit.record(user=actor, school=plan.student.school, action=audit.Action.UPDATE, obj=plan,
                 summary=f"leerling {plan.student.student_number}: plan {', '.join(sorted(changes))}")
    return list(changes)


# --- Evaluations ------------------------------------------------------------------------------

def check_improvement_cycle(student, *, goal_result, decision, evaluated_on, settings):
    """Raise when this evaluation would start one improvement cycle more than the school allows
    in the school year of `evaluated_on` (counted as selectors.improvement_cycles_used)."""
    if not is_improvement_cycle(goal_result, decision):
        return
    used = selectors.improvement_cycles_used(student, SchoolYear.of(evaluated_on))
    if used >= settings.max_cycles_per_year:
        raise ValidationError(
            _("This student has had %(used)s of at most %(max)s improvement cycles this school year. "
              "The next step is a team decision: put the student on the agenda of a team review, "
              "or stop this plan.") % {"used": used, "max": settings.max_cycles_per_year},
            code="cycle_limit")


@transaction.atomic
def record_evaluation(*, actor, plan, evaluated_on, goal_result, decision, notes=""):
    """Record the evaluation of the plan's current cycle.

    continue: the next cycle is due one cycle after this one's due date (one cycle after the
    evaluation when that date has already passed); adjust: the same, and `notes` says what
    changes (required); stop: the plan ends on `evaluated_on`, completed when the goal was met,
    else stopped. The goal subject's averages before the plan and at `evaluated_on` are kept."""
    plan = (InterventionPlan.objects.select_for_update().select_related("student__school")
            .get(pk=plan.pk))
    if plan.status != InterventionPlan.Status.ACTIVE:
        raise ValidationError(_("Only a running plan can be evaluated."))
    if evaluated_on < plan.started_on:
        raise ValidationError({"evaluated_on": _("This date lies before the start of the plan.")})
    notes = (notes or "").strip()
    if decision == Decision.ADJUST and not notes:
        raise ValidationError({"notes": _("Say what changes in the plan.")})
    settings = selectors.plan_settings_for(plan.student.school)
    check_improvement_cycle(plan.student, goal_result=goal_result, decision=decision,
                            evaluated_on=evaluated_on, settings=settings)
    due = selectors.due_on(plan, settings)
    before, after = selectors.goal_averages(plan, evaluated_on)
    evaluation = PlanEvaluation.objects.create(
        plan=plan, cycle=plan.evaluations.count() + 1, due_on=due, evaluated_on=evaluated_on,
        goal_result=goal_result, decision=decision, notes=notes, average_before=before,
        average_after=after, evaluated_by=actor)
    if decision == Decision.STOP:
        plan.status = (InterventionPlan.Status.COMPLETED if goal_result == Result.MET
                       else InterventionPlan.Status.STOPPED)
        plan.ended_on, plan.next_evaluation_on = evaluated_on, None
    else:
        following = due + settings.cycle
        plan.next_evaluation_on = following if following > evaluated_on else evaluated_on + settings.cycle
    plan.save(update_fields=["status", "ended_on", "next_evaluation_on"])
    audit.record(user=actor, school=plan.student.school, action=audit.Action.CREATE, obj=evaluation,
                 summary=f"leerling {plan.student.student_number}: evaluatie cyclus {evaluation.cycle} "
                         f"({DECISION_WORDS[decision]})")
    return evaluation


# --- Group interventions ----------------------------------------------------------------------

@transaction.atomic
def create_group(*, actor, school, data):
    group = GroupIntervention.objects.create(school=school, created_by=actor,
                                             **{f: data[f] for f in GROUP_FIELDS if f in data})
    audit.record(user=actor, school=school, action=audit.Action.CREATE, obj=group,
                 summary=f"groepsinterventie '{group.name}' aangemaakt")
    return group


@transaction.atomic
def enrol_students(*, actor, group, students):
    """Give each student of the group's school a plan in the group; students already in it keep
    theirs (enrolling twice changes nothing). Returns the new plans."""
    students = [s for s in students if s.school_id == group.school_id]
    have = set(group.plans.values_list("student_id", flat=True))
    new = [s for s in dict.fromkeys(students) if s.pk not in have]
    if not new:
        return []
    settings = selectors.plan_settings_for(group.school)
    name = group.intervention.name_nl if group.intervention_id else ""
    need = f"Deelname groepsinterventie {group.name}" + (f" ({name})" if name and name != group.name else "")
    plans = InterventionPlan.objects.bulk_create([
        InterventionPlan(student=s, group=group, title=group.name[:200], need=need, goal=group.goal,
                         intervention_id=group.intervention_id, responsible_id=group.coordinator_id,
                         started_on=group.starts_on, next_evaluation_on=group.starts_on + settings.cycle,
                         created_by=actor)
        for s in new], ignore_conflicts=True)
    # A plan is the first action on an open flag.
    record_first_action(new, timezone.now(), by=actor, note=f"groepsinterventie {group.name}"[:200])
    plans = list(group.plans.filter(student__in=new).select_related("student"))
    audit.record_many(user=actor, entries=[
        (group.school, audit.Action.CREATE, plan,
         f"leerling {plan.student.student_number}: ingeschreven in groepsinterventie {group.pk}")
        for plan in plans])
    return plans


# --- A school's own menukaart entries ---------------------------------------------------------

LOCAL_FIELDS = ("name_nl", "name_en", "category", "based_on", "sector", "needs", *TEXT_FIELDS,
                *DOSE_FIELDS, "effect_months", "cost_level", "evidence_level", "source")


def _local_key(school, name, exclude_pk=None):
    base = slugify(name)[:50] or "interventie"
    taken = set(Intervention.objects.filter(school=school, key__startswith=base)
                .exclude(pk=exclude_pk).values_list("key", flat=True))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@transaction.atomic
def create_local_intervention(*, actor, school, data):
    """A school's own intervention; payable from NPO funds only as a form of a payable menukaart type."""
    intervention = Intervention(school=school, created_by=actor, key=_local_key(school, data["name_nl"]),
                                **{f: data[f] for f in LOCAL_FIELDS if f in data})
    based_on = intervention.based_on
    intervention.payable_from_npo = bool(based_on and based_on.payable_from_npo)
    intervention.save()
    audit.record(user=actor, school=school, action=audit.Action.CREATE, obj=intervention,
                 summary=f"menukaart: lokale interventie '{intervention.name_nl}' toegevoegd")
    return intervention


@transaction.atomic
def update_local_intervention(*, actor, intervention, changes):
    if intervention.school_id is None:
        raise ValueError("National menukaart entries change only through load_menukaart.")
    changes = {f: v for f, v in changes.items() if f in LOCAL_FIELDS}
    if not changes:
        return []
    for field, value in changes.items():
        setattr(intervention, field, value)
    intervention.payable_from_npo = bool(intervention.based_on and intervention.based_on.payable_from_npo)
    intervention.save()
    audit.record(user=actor, school=intervention.school, action=audit.Action.UPDATE, obj=intervention,
                 summary=f"menukaart: lokale interventie '{intervention.name_nl}' gewijzigd "
                         f"({', '.join(sorted(changes))})")
    return list(changes)
