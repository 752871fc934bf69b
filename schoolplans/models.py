"""The NPO School Programme: a school's scan, its programme lines with budget, the approvals
(team, MR, board, municipality), versions after adoption, and the spending while it runs."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from interventions.models import Intervention
from portal.models import School
from portal.schoolyear import SchoolYear


class SchoolProgramme(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        CONSULTATION = "consultation", _("in consultation")
        MR_APPROVED = "mr_approved", _("approved by the MR")
        ADOPTED = "adopted", _("adopted")
        RUNNING = "running", _("running")
        CLOSED = "closed", _("closed")

    class MrOutcome(models.TextChoices):
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    class BoardOutcome(models.TextChoices):
        ADOPTED = "adopted", _("adopted")
        REJECTED = "rejected", _("rejected")

    LOCKED_STATES = (State.ADOPTED, State.RUNNING, State.CLOSED)

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="programmes",
                               verbose_name=_("school"))
    title = models.CharField(_("title"), max_length=200)
    first_year = models.PositiveSmallIntegerField(
        _("first school year"), help_text=_("The first calendar year of the school year, e.g. 2026 for 2026-2027."))
    years = models.PositiveSmallIntegerField(_("school years"), default=1,
                                             validators=[MinValueValidator(1), MaxValueValidator(6)])
    state = models.CharField(_("state"), max_length=15, choices=State, default=State.DRAFT)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    over_budget_confirmed = models.BooleanField(_("exceeding the budget confirmed"), default=False)
    team_consulted_on = models.DateField(_("team consulted on"), null=True, blank=True)
    team_notes = models.TextField(_("outcome of the team consultation"), blank=True)
    mr_on = models.DateField(_("MR decision date"), null=True, blank=True)
    mr_outcome = models.CharField(_("MR decision"), max_length=10, choices=MrOutcome, blank=True)
    mr_document = models.FileField(_("MR document"), upload_to="schoolplans/mr/%Y/", blank=True)
    board_on = models.DateField(_("board decision date"), null=True, blank=True)
    board_outcome = models.CharField(_("board decision"), max_length=10, choices=BoardOutcome, blank=True)
    board_document = models.FileField(_("board document"), upload_to="schoolplans/board/%Y/", blank=True)
    municipality_informed_on = models.DateField(_("municipality informed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-first_year", "title"]
        verbose_name = _("school programme")
        verbose_name_plural = _("school programmes")
        constraints = [
            models.CheckConstraint(condition=models.Q(years__gte=1, years__lte=6), name="programme_1_to_6_years"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_locked(self):
        return self.state in self.LOCKED_STATES

    @property
    def school_years(self):
        return [SchoolYear(self.first_year + i) for i in range(self.years)]

    @property
    def period_label(self):
        return f"{self.first_year}-{self.first_year + self.years}"


class ProgrammeLine(models.Model):
    programme = models.ForeignKey(SchoolProgramme, on_delete=models.CASCADE, related_name="lines",
                                  verbose_name=_("school programme"))
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="programme_lines",
                                     verbose_name=_("intervention"))
    target_levels = models.CharField(_("levels"), max_length=100, blank=True,
                                     help_text=_("For example: havo, vwo."))
    target_leerjaren = models.CharField(_("leerjaren"), max_length=50, blank=True,
                                        help_text=_("For example: 1, 2."))
    target_needs = models.CharField(_("needs"), max_length=200, blank=True)
    expected_students = models.PositiveIntegerField(_("expected students"))
    first_year = models.PositiveSmallIntegerField(_("from school year"))
    years = models.PositiveSmallIntegerField(_("school years"), default=1,
                                             validators=[MinValueValidator(1), MaxValueValidator(6)])
    hours = models.DecimalField(_("hours per year"), max_digits=7, decimal_places=1, default=0)
    staff = models.CharField(_("staff"), max_length=200, blank=True)
    cost_per_year = models.DecimalField(_("cost per year (EUR)"), max_digits=10, decimal_places=2,
                                        validators=[MinValueValidator(Decimal("0"))])

    class Meta:
        ordering = ["intervention__category", "pk"]
        verbose_name = _("programme line")
        verbose_name_plural = _("programme lines")
        constraints = [
            models.CheckConstraint(condition=models.Q(cost_per_year__gte=0), name="line_cost_not_negative"),
        ]

    def __str__(self):
        return str(self.intervention)

    def runs_in(self, start_year):
        return self.first_year <= start_year < self.first_year + self.years


class Budget(models.Model):
    """The NPO money for one school year: amount per student × number of students."""

    programme = models.ForeignKey(SchoolProgramme, on_delete=models.CASCADE, related_name="budgets",
                                  verbose_name=_("school programme"))
    school_year = models.PositiveSmallIntegerField(_("school year"))
    amount_per_student = models.DecimalField(_("amount per student (EUR)"), max_digits=8, decimal_places=2)
    students = models.PositiveIntegerField(_("number of students"))

    class Meta:
        ordering = ["school_year"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(fields=["programme", "school_year"], name="one_budget_per_programme_year"),
        ]

    @property
    def total(self):
        return self.amount_per_student * self.students

    @property
    def year_label(self):
        return str(SchoolYear(self.school_year))


class ScanConclusion(models.Model):
    class Area(models.TextChoices):
        COGNITIVE = "cognitive", _("cognitive")
        STUDY_SKILLS = "study_skills", _("study skills")
        WELLBEING = "wellbeing", _("social-emotional")

    programme = models.ForeignKey(SchoolProgramme, on_delete=models.CASCADE, related_name="conclusions",
                                  verbose_name=_("school programme"))
    area = models.CharField(_("area"), max_length=15, choices=Area)
    text = models.TextField(_("conclusion"))

    class Meta:
        verbose_name = _("scan conclusion")
        verbose_name_plural = _("scan conclusions")
        constraints = [
            models.UniqueConstraint(fields=["programme", "area"], name="one_conclusion_per_area"),
        ]


class ProgrammeVersion(models.Model):
    """The programme as it was adopted: lines and budget frozen in a snapshot."""

    programme = models.ForeignKey(SchoolProgramme, on_delete=models.CASCADE, related_name="versions",
                                  verbose_name=_("school programme"))
    number = models.PositiveSmallIntegerField(_("version"))
    reason = models.TextField(_("reason for the change"), blank=True)
    snapshot = models.JSONField(_("snapshot"), default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["programme", "number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="one_snapshot_per_version"),
        ]


class Spending(models.Model):
    line = models.ForeignKey(ProgrammeLine, on_delete=models.CASCADE, related_name="spendings",
                             verbose_name=_("programme line"))
    school_year = models.PositiveSmallIntegerField(_("school year"))
    period = models.CharField(_("period"), max_length=40, help_text=_("For example: period 1."))
    amount = models.DecimalField(_("amount (EUR)"), max_digits=10, decimal_places=2)
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["school_year", "period", "pk"]
        verbose_name = _("spending")
        verbose_name_plural = _("spending")


class Adjustment(models.Model):
    line = models.ForeignKey(ProgrammeLine, on_delete=models.CASCADE, related_name="adjustments",
                             verbose_name=_("programme line"))
    made_on = models.DateField(_("date"))
    reason = models.TextField(_("adjustment and reason"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")

    class Meta:
        ordering = ["-made_on", "-pk"]
        verbose_name = _("adjustment")
        verbose_name_plural = _("adjustments")
