"""Overgangsnormen, promotion decisions and the advice moments during the year."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import School

from .people import Level, Student


class PromotionNorm(models.Model):
    """A school's overgangsnorm for one level and leerjaar in one school year.

    `rules` holds the norm as data (validated by students.risk), for example the number of
    grades below 5,5 allowed, the lowest grade allowed, core-subject limits, tekortpunten.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="promotion_norms",
                               verbose_name=_("school"))
    school_year = models.PositiveSmallIntegerField(_("school year (first calendar year)"))
    level = models.CharField(_("level"), max_length=10, choices=Level)
    leerjaar = models.PositiveSmallIntegerField(_("leerjaar"))
    rules = models.JSONField(_("norm"), default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering = ["school", "-school_year", "level", "leerjaar"]
        verbose_name = _("promotion norm")
        verbose_name_plural = _("promotion norms")
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year", "level", "leerjaar"],
                                    name="one_norm_per_school_year_level_leerjaar"),
        ]

    def __str__(self):
        return f"{self.school.brin} {self.school_year} {self.level} {self.leerjaar}"


class PromotionDecision(models.Model):
    """The final promotion decision for a student's school year (recorded once)."""

    class Decision(models.TextChoices):
        PROMOTED = "bevorderd", _("promoted")
        CONDITIONAL = "voorwaardelijk", _("promoted on conditions")
        UP = "opstromen", _("moves up a level")
        DOWN = "afstromen", _("moves down a level")
        REPEAT = "doubleren", _("repeats the year")
        LEAVES = "uitstroom", _("leaves school")

    student = models.ForeignKey(Student, on_delete=models.CASCADE,
                                related_name="promotion_decisions", verbose_name=_("student"))
    school_year = models.PositiveSmallIntegerField(_("school year (first calendar year)"))
    decision = models.CharField(_("decision"), max_length=15, choices=Decision)
    # The level and leerjaar the decision was about: the student's own move on next year.
    level = models.CharField(_("level"), max_length=10, choices=Level)
    leerjaar = models.PositiveSmallIntegerField(_("leerjaar"))
    decided_on = models.DateField(_("decided on"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("decided by"))
    justification = models.TextField(_("justification"), blank=True)

    class Meta:
        ordering = ["-school_year"]
        verbose_name = _("promotion decision")
        verbose_name_plural = _("promotion decisions")
        constraints = [
            models.UniqueConstraint(fields=["student", "school_year"],
                                    name="one_promotion_decision_per_year"),
        ]

    def __str__(self):
        return f"{self.school_year}: {self.decision}"

    def save(self, *args, **kwargs):
        if not self.level or not self.leerjaar:  # the student's level and leerjaar at decision time
            self.level, self.leerjaar = self.student.level, self.student.leerjaar
        super().save(*args, **kwargs)


class AdviceMoment(models.Model):
    """A promotion advice in the course of the year: what the school expects for the student
    at the end of it, why, and what was discussed with the student and the parents.

    Schools give an advice in January and at the end of the year (one of each per school
    year), and whenever else it is needed ("overig"), so that the final decision in June is
    no surprise to anyone.
    """

    class Moment(models.TextChoices):
        JANUARY = "januari", _("January advice")
        END = "eind", _("end-of-year advice")
        OTHER = "overig", _("interim advice")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="advice_moments",
                                verbose_name=_("student"))
    school_year = models.PositiveSmallIntegerField(_("school year (first calendar year)"))
    moment = models.CharField(_("moment"), max_length=10, choices=Moment)
    given_on = models.DateField(_("date of the advice"))
    prognosis = models.CharField(_("prognosis"), max_length=15, choices=PromotionDecision.Decision)
    reasons = models.TextField(_("reasons"))
    conversation = models.TextField(
        _("conversation with student and parents"), blank=True,
        help_text=_("What was discussed with the student and the parents, and what was agreed."))
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 related_name="+", verbose_name=_("given by"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["given_on", "pk"]
        verbose_name = _("advice moment")
        verbose_name_plural = _("advice moments")
        constraints = [
            # One January and one end-of-year advice per year; extra moments are unlimited.
            models.UniqueConstraint(
                fields=["student", "school_year", "moment"],
                condition=models.Q(moment__in=["januari", "eind"]),
                name="one_january_and_one_end_advice_per_year",
            ),
            models.CheckConstraint(condition=~models.Q(reasons=""), name="advice_has_reasons"),
        ]
        indexes = [models.Index(fields=["student", "school_year"])]

    def __str__(self):
        return f"{self.school_year} {self.moment}: {self.prognosis}"
