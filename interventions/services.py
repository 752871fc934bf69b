"""Write functions for intervention plans."""

from datetime import timedelta

from django.db import transaction

from portal import audit

from .models import InterventionPlan

EVALUATION_CYCLE = timedelta(weeks=6)
PLAN_FIELDS = ("title", "need", "goal", "goal_subject", "goal_grade", "goal_date", "responsible",
               "started_on", "next_evaluation_on")


@transaction.atomic
def start_plan(*, actor, student, data):
    """Start a plan; the first evaluation is due after one six-week cycle unless given."""
    plan = InterventionPlan(student=student, created_by=actor, **data)
    if plan.next_evaluation_on is None:
        plan.next_evaluation_on = plan.started_on + EVALUATION_CYCLE
    plan.save()
    audit.record(user=actor, school=student.school, action=audit.Action.CREATE, obj=plan,
                 summary=f"leerling {student.student_number}: plan gestart")
    return plan


@transaction.atomic
def update_plan(*, actor, plan, changes):
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
