from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from students.models import Student, Subject


class InterventionPlanQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=InterventionPlan.Status.ACTIVE)

    def evaluation_overdue(self, today):
        return self.active().filter(next_evaluation_on__lt=today)


class InterventionPlan(models.Model):
    """Help for one student with a measurable goal, evaluated every few weeks."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("running")
        COMPLETED = "completed", _("completed")
        STOPPED = "stopped", _("stopped")

    student = models.ForeignKey(Student, on_delete=models.CASCADE,
                                related_name="intervention_plans", verbose_name=_("student"))
    title = models.CharField(_("intervention"), max_length=200)
    need = models.TextField(_("need"), help_text=_("What the student needs help with, and why."))
    goal_subject = models.ForeignKey(Subject, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("goal subject"))
    goal_grade = models.DecimalField(_("goal grade"), max_digits=3, decimal_places=1, null=True,
                                     blank=True)
    goal_date = models.DateField(_("goal date"), null=True, blank=True)
    goal = models.CharField(_("goal"), max_length=255,
                            help_text=_("Measurable, for example: wiskunde at least 5,5 by the January report."))
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("responsible"))
    started_on = models.DateField(_("start"))
    ended_on = models.DateField(_("end"), null=True, blank=True)
    next_evaluation_on = models.DateField(_("next evaluation"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InterventionPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-started_on", "-pk"]
        verbose_name = _("intervention plan")
        verbose_name_plural = _("intervention plans")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="plan_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(goal_grade__isnull=True) | models.Q(goal_grade__gte=1, goal_grade__lte=10),
                name="plan_goal_grade_1_to_10",
            ),
        ]

    def __str__(self):
        return self.title
