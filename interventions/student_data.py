"""What the interventions app holds about one student, for the students app's data export and
anonymisation (registered in students.hooks by interventions/apps.py)."""

from django.urls import reverse

from students.models import Notification
from students.privacy import ANONYMISED_TEXT, NOTIFICATION_TEXT, person

from .models import InterventionPlan, PlanEvaluation


def plan_sections(student):
    """The student's plans and their evaluations, as rows of the right-of-access export."""
    plans = (InterventionPlan.objects.filter(student=student)
             .select_related("goal_subject", "responsible", "intervention", "group", "created_by")
             .order_by("started_on", "pk"))
    evaluations = (PlanEvaluation.objects.filter(plan__student=student).select_related("evaluated_by")
                   .order_by("plan", "cycle"))
    return {
        "intervention_plans": [
            {"plan": p.pk, "intervention": p.title,
             "menukaart": p.intervention.name_nl if p.intervention else "",
             "group": p.group.name if p.group else "", "need": p.need, "goal": p.goal,
             "goal_subject": p.goal_subject.name if p.goal_subject else "", "goal_grade": p.goal_grade,
             "goal_date": p.goal_date, "responsible": person(p.responsible), "start": p.started_on,
             "end": p.ended_on, "next_evaluation": p.next_evaluation_on, "status": p.status,
             "dose": p.dose, "agreements": p.agreements, "flag": p.flag_id,
             "created_by": person(p.created_by)}
            for p in plans
        ],
        "plan_evaluations": [
            {"plan": e.plan_id, "cycle": e.cycle, "due_on": e.due_on, "evaluated_on": e.evaluated_on,
             "result": e.goal_result, "next_step": e.decision, "notes": e.notes,
             "average_before": e.average_before, "average_at_evaluation": e.average_after,
             "evaluated_by": person(e.evaluated_by)}
            for e in evaluations
        ],
    }


def anonymise_plans(student_ids):
    """Blank the free texts of the students' plans and evaluations, and the evaluation
    reminders that point at those plans; dates, statuses and results stay for the figures."""
    plans = InterventionPlan.objects.filter(student__in=student_ids)
    plan_ids = list(plans.values_list("pk", flat=True))
    reminder_urls = [reverse("interventions:plan_evaluate", args=[pk]) for pk in plan_ids]
    plans.update(need="", goal="", agreements="")
    # An adjusted plan must say what changed (a check constraint): a neutral text, not none.
    PlanEvaluation.objects.filter(plan__in=plan_ids).exclude(notes="").update(notes=ANONYMISED_TEXT)
    Notification.objects.filter(url__in=reminder_urls).update(text=NOTIFICATION_TEXT)
