"""The mentor's weekly observations: signals per category and the week note."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .people import Student
from .scores import Subject


class Category(models.TextChoices):
    COGNITIVE = "cognitive", _("cognitive / subject")
    STUDY_SKILLS = "study_skills", _("study skills and planning")
    WELLBEING = "wellbeing", _("social-emotional wellbeing")
    MOTIVATION = "motivation", _("motivation and engagement")
    ATTENDANCE = "attendance", _("attendance")
    BEHAVIOUR = "behaviour", _("behaviour")
    HOME = "home", _("home or external circumstances")


# Column headings of the week grid, where the full names do not fit.
CATEGORY_SHORT = {
    Category.COGNITIVE: _("learning"),
    Category.STUDY_SKILLS: _("planning"),
    Category.WELLBEING: _("wellbeing"),
    Category.MOTIVATION: _("motivation"),
    Category.ATTENDANCE: _("attendance"),
    Category.BEHAVIOUR: _("behaviour"),
    Category.HOME: _("home"),
}


class Severity(models.IntegerChoices):
    NONE = 0, _("none")
    ATTENTION = 1, _("attention")
    CONCERN = 2, _("concern")
    URGENT = 3, _("urgent")


class Signal(models.Model):
    """A mentor's weekly observation of one category for one student.

    One row per student, week and category: saving the week twice updates it. Earlier
    versions are kept in `history` (newest last), so an edit never loses what was there.
    """

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="signals",
                                verbose_name=_("student"))
    week = models.DateField(_("week"), help_text=_("Monday of the ISO week."))
    category = models.CharField(_("category"), max_length=20, choices=Category)
    subject = models.ForeignKey(Subject, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("subject"))
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("author"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    history = models.JSONField(_("earlier versions"), default=list, blank=True)

    class Meta:
        ordering = ["-week", "category"]
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        constraints = [
            models.UniqueConstraint(fields=["student", "week", "category"],
                                    name="one_signal_per_student_week_category"),
            models.CheckConstraint(condition=models.Q(severity__gte=0, severity__lte=3),
                                   name="signal_severity_0_to_3"),
        ]
        indexes = [models.Index(fields=["student", "-week"])]

    def __str__(self):
        return f"{self.week:%G-W%V} {self.get_category_display()}: {self.get_severity_display()}"


class WeekNote(models.Model):
    """The mentor's free note about a student for one week (the week grid's note column)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="week_notes",
                                verbose_name=_("student"))
    week = models.DateField(_("week"))
    note = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("author"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    history = models.JSONField(_("earlier versions"), default=list, blank=True)

    class Meta:
        ordering = ["-week"]
        verbose_name = _("week note")
        verbose_name_plural = _("week notes")
        constraints = [
            models.UniqueConstraint(fields=["student", "week"], name="one_week_note_per_student"),
        ]

    def __str__(self):
        return f"{self.week:%G-W%V}"
