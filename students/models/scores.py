"""Subjects, grades and standardised test results (Cito / LVS)."""

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from portal.models import School

from .people import Level, Student


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


class Mark(models.TextChoices):
    """A result written as a word instead of a grade: never averaged as one.

    O, V, G and ZG judge (LO, CKV, the arts); vr is an exemption (vrijstelling), counted as met;
    inh is a test not yet made (inhalen, also written "-"): not known yet, never a failure.
    """

    INSUFFICIENT = "o", _("insufficient (O)")
    SUFFICIENT = "v", _("sufficient (V)")
    GOOD = "g", _("good (G)")
    VERY_GOOD = "zg", _("very good (ZG)")
    EXEMPT = "vr", _("exempt (vrijstelling)")
    PENDING = "inh", _("not yet made (inhalen)")


# Marks that meet a requirement of "voldoende": V or better, and an exemption.
MARKS_MET = frozenset({Mark.SUFFICIENT, Mark.GOOD, Mark.VERY_GOOD, Mark.EXEMPT})


class ScoreQuerySet(models.QuerySet):
    def grades(self):
        """Numeric grades only: marks (V, vr, inh …) are results, never averaged."""
        return self.filter(grade__isnull=False)

    def report_grades(self, start, end):
        """The grades dated `start` to `end` that report averages use: report grades; a
        student's school-exam grades (SE/PTA) only when that student has no report grade in
        the same days (an exam year with only the PTA)."""
        window = self.grades().filter(date__gte=start, date__lte=end)
        report = Score.objects.filter(student=OuterRef("student_id"), is_school_exam=False,
                                      grade__isnull=False, date__gte=start, date__lte=end)
        return window.filter(Q(is_school_exam=False) | ~Exists(report))


class Score(models.Model):
    """One result: a grade on the Dutch 1–10 scale (up to two decimals) or a mark (O, V, G,
    ZG, vr, inh), never both. Natural key: student, subject, test, date."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="scores",
                                verbose_name=_("student"))
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="scores",
                                verbose_name=_("subject"))
    test = models.CharField(_("test"), max_length=100)
    date = models.DateField(_("date"))
    grade = models.DecimalField(_("grade"), max_digits=4, decimal_places=2, null=True, blank=True)
    # Defaults in the database too, so that a raw COPY of grades (bench/) needs no new columns.
    mark = models.CharField(_("mark"), max_length=3, choices=Mark.choices, blank=True, default="",
                            db_default="")
    is_school_exam = models.BooleanField(
        _("school exam (SE/PTA)"), default=False, db_default=False,
        help_text=_("A school-exam grade of the upper years, kept apart from report grades."))
    weight = models.DecimalField(_("weight"), max_digits=4, decimal_places=1, default=1)
    period = models.CharField(_("period"), max_length=20, blank=True)

    objects = ScoreQuerySet.as_manager()

    class Meta:
        ordering = ["student", "subject", "date"]
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["student", "subject", "test", "date"],
                                    name="score_natural_key"),
            models.CheckConstraint(condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=10),
                                   name="score_grade_1_to_10"),
            models.CheckConstraint(condition=Q(grade__isnull=False, mark="")
                                   | (Q(grade__isnull=True) & ~Q(mark="")),
                                   name="score_grade_or_mark"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="score_weight_positive"),
        ]
        indexes = [models.Index(fields=["student", "date"])]

    def __str__(self):
        return f"{self.subject} {self.test} {self.result}"

    @property
    def result(self):
        """The grade, or the mark as written: 6.75, 'V', 'vr'."""
        return self.grade if self.grade is not None else self.get_mark_display()


class ReferenceLevel(models.TextChoices):
    """The referentieniveaus taal en rekenen: fundamental 1F to 4F, streefniveau 1S (rekenen at
    the end of primary school), and below 1F."""

    BELOW_1F = "<1F", _("below 1F")
    F1 = "1F", "1F"
    S1 = "1S", "1S"
    F2 = "2F", "2F"
    F3 = "3F", "3F"
    F4 = "4F", "4F"


def level_advice_label(value):
    """'havo/vwo' -> 'havo / vwo', 'vmbo_kb' -> 'vmbo-kb': the stored advice as people read it."""
    return " / ".join(str(Level(part).label) if part in Level.values else part
                    for part in value.split("/")) if value else ""


class StandardisedResult(models.Model):
    """A standardised test result (Cito / LVS): a level, a reference level, a level advice and
    an ability score, each where the file gives it (at least one).

    Levels I–V and A–E are both stored as 1–5, where 1 is the highest (I = A) and 5 the
    lowest (V = E), so that "a drop of a level" is a higher number. A reference level (1F, 2F,
    1S …) is kept apart, and so is a level written as a school level ("havo", "havo/vwo"): that
    is the test's level advice (stored as level codes, "havo/vwo"), not a level I–V.
    """

    student = models.ForeignKey(Student, on_delete=models.CASCADE,
                                related_name="standardised_results", verbose_name=_("student"))
    test = models.CharField(_("test"), max_length=100)
    domain = models.CharField(_("domain"), max_length=50,
                              help_text=_("For example rekenen, begrijpend lezen, Engels."))
    date = models.DateField(_("date"))
    level = models.PositiveSmallIntegerField(_("level (1 = I/A … 5 = V/E)"), null=True, blank=True)
    reference_level = models.CharField(_("reference level"), max_length=3,
                                       choices=ReferenceLevel.choices, blank=True, default="",
                                       db_default="")
    level_advice = models.CharField(_("level advice"), max_length=40, blank=True, default="",
                                    db_default="",
                                    help_text=_("A school level the test advises: havo, or havo/vwo."))
    ability = models.PositiveIntegerField(_("ability score"), null=True, blank=True)

    class Meta:
        ordering = ["student", "domain", "date"]
        verbose_name = _("standardised test result")
        verbose_name_plural = _("standardised test results")
        constraints = [
            models.UniqueConstraint(fields=["student", "domain", "test", "date"],
                                    name="standardised_result_natural_key"),
            models.CheckConstraint(condition=Q(level__isnull=True) | Q(level__gte=1, level__lte=5),
                                   name="standardised_level_1_to_5"),
            models.CheckConstraint(condition=Q(level__isnull=False) | ~Q(reference_level="")
                                   | ~Q(level_advice="") | Q(ability__isnull=False),
                                   name="standardised_result_has_a_result"),
        ]

    def __str__(self):
        return f"{self.domain} {self.test} {self.level or self.reference_level or self.level_advice}"

    @property
    def level_advice_label(self):
        return level_advice_label(self.level_advice)
