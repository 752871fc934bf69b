"""Subjects, grades and standardised test results (Cito / LVS)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import School

from .people import Student


class ResultKind(models.TextChoices):
    GRADE = "grade", _("grade")
    QUALITATIVE = "qualitative", _("qualitative mark")


class Subject(models.Model):
    """A school subject (vak), per school, as its student information system names it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="subjects",
                               verbose_name=_("school"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    is_core = models.BooleanField(_("core subject"), default=False,
                                  help_text=_("Nederlands, Engels and wiskunde in most promotion norms."))
    counts_for_promotion = models.BooleanField(
        _("counts for promotion"), default=True,
        help_text=_("Its grades count in the projected promotion outcome and the risk rules."))
    result_kind = models.CharField(_("kind of result"), max_length=12, choices=ResultKind.choices,
                                   default=ResultKind.GRADE)
    is_active = models.BooleanField(
        _("in use"), default=True,
        help_text=_("A subject switched off is not offered in imports and choices; its data stays."))
    standard_code = models.CharField(
        _("standard code"), max_length=20, blank=True,
        help_text=_("The code in the standard subject list it was created from; empty for a school's own."))
    aliases = models.JSONField(_("other names and codes"), default=list, blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="merged", verbose_name=_("merged into"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="subject_code_unique_per_school"),
            models.UniqueConstraint(fields=["school", "standard_code"], condition=~models.Q(standard_code=""),
                                    name="subject_standard_code_once_per_school"),
        ]

    def __str__(self):
        return self.name


class Score(models.Model):
    """One grade on the Dutch 1–10 scale. Natural key: student, subject, test, date."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="scores",
                                verbose_name=_("student"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="scores",
                                verbose_name=_("subject"))
    test = models.CharField(_("test"), max_length=100)
    date = models.DateField(_("date"))
    grade = models.DecimalField(_("grade"), max_digits=3, decimal_places=1)
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=1, default=1)
    period = models.CharField(_("period"), max_length=20, blank=True)

    class Meta:
        ordering = ["student", "subject", "date"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["student", "subject", "test", "date"],
                                    name="score_natural_key"),
            models.CheckConstraint(condition=models.Q(grade__gte=1, grade__lte=10),
                                   name="score_grade_1_to_10"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="score_weight_positive"),
        ]
        indexes = [models.Index(fields=["student", "date"])]

    def __str__(self):
        return f"{self.subject} {self.test} {self.grade}"


class StandardisedResult(models.Model):
    """A standardised test result (Cito / LVS): a level and, where given, an ability score.

    Levels I–V and A–E are both stored as 1–5, where 1 is the highest (I = A) and 5 the
    lowest (V = E), so that "a drop of a level" is a higher number.
    """

    student = models.ForeignKey(Student, on_delete=models.CASCADE,
                                related_name="standardised_results", verbose_name=_("student"))
    test = models.CharField(_("test"), max_length=100)
    domain = models.CharField(_("domain"), max_length=50,
                              help_text=_("For example rekenen, begrijpend lezen, Engels."))
    date = models.DateField(_("date"))
    level = models.PositiveSmallIntegerField(_("level (1 = I/A … 5 = V/E)"))
    ability = models.PositiveIntegerField(_("ability score"), null=True, blank=True)

    class Meta:
        ordering = ["student", "domain", "date"]
        verbose_name = _("standardised test result")
        verbose_name_plural = _("standardised test results")
        constraints = [
            models.UniqueConstraint(fields=["student", "domain", "test", "date"],
                                    name="standardised_result_natural_key"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5),
                                   name="standardised_level_1_to_5"),
        ]

    def __str__(self):
        return f"{self.domain} {self.test} {self.level}"
