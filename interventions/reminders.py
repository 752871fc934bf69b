"""Reminders of overdue plan evaluations (daily, Celery beat): a notification in the portal per
plan and one e-mail per person, once per due date."""

from collections import defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal import mail
from portal.models import MailFrequency
from students.models import Notification

from . import selectors
from .models import InterventionPlan


def _person_to_remind(plan):
    """The responsible person, or else the student's mentor; None when neither is active."""
    user = plan.responsible if plan.responsible and plan.responsible.is_active else plan.student.mentor
    return user if user is not None and user.is_active else None


def _reminder_mails(per_user):
    """One e-mail per user who wants mail at once, listing their overdue plans with a link to
    each evaluation (the others read the notifications in the portal or in their daily overview).
    Students are named by number only: mail leaves the portal."""
    addresses = mail.addresses(per_user, MailFrequency.IMMEDIATELY)
    return [
        mail.Mail(to=addresses[user_id], template="evaluation_reminder", context={
            "count": len(plans),
            "plans": [{"student_number": plan.student.student_number, "title": plan.title,
                       "due": plan.next_evaluation_on,
                       "url": mail.link(reverse("interventions:plan_evaluate", args=[plan.pk]))}
                      for plan in plans],
        })
        for user_id, plans in per_user.items() if user_id in addresses]


@transaction.atomic
def remind_overdue_evaluations(today=None):
    """Remind the responsible person (or else the student's mentor) of every running plan whose
    evaluation is overdue: a notification in the portal per plan and one e-mail per person,
    once per due date (the date is kept in `reminded_for`). Safe to run twice; returns the
    number of plans reminded. The e-mails leave after the commit; a mail server that fails
    does not undo the reminders."""
    today = today or timezone.localdate()
    plans = list(selectors.plans_to_remind(today).select_for_update(of=("self",)))
    per_user, notifications, reminded = defaultdict(list), [], []
    for plan in plans:
        user = _person_to_remind(plan)
        if user is None:
            continue
        student = plan.student
        # Stored texts are Dutch, the school's language; the daily overview mails `mail_text`,
        # which names the student by number only.
        due = f"{plan.next_evaluation_on:%d-%m-%Y}"
        notifications.append(Notification(
            user=user, url=reverse("interventions:plan_evaluate", args=[plan.pk]),
            text=(f"evaluatie te laat: {plan.title} van {student.full_name} ({student.student_number}), "
                  f"gepland op {due}")[:255],
            mail_text=f"evaluatie te laat: leerling {student.student_number}, {plan.title}, gepland op {due}"[:255]))
        plan.reminded_for = plan.next_evaluation_on
        reminded.append(plan)
        per_user[user.pk].append(plan)
    Notification.objects.bulk_create(notifications)
    InterventionPlan.objects.bulk_update(reminded, ["reminded_for"])
    mails = _reminder_mails(per_user) if per_user else []
    if mails:
        transaction.on_commit(lambda: mail.send(mails))
    return len(reminded)
