from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from portal.models import School
from students.models import Flag, Student, Subject


class InterventionQuerySet(models.QuerySet):
    def national(self):
        return self.filter(school__isnull=True)

    def for_school(self, school):
        """The national menukaart plus this school's own interventions."""
        return self.filter(models.Q(school__isnull=True) | models.Q(school=school))

    def addressing(self, need):
        """Entries whose needs include `need` (needs are stored as "a,b,c")."""
        return self.filter(
            models.Q(needs=need) | models.Q(needs__startswith=f"{need},")
            | models.Q(needs__endswith=f",{need}") | models.Q(needs__contains=f",{need},")
        )

    def for_sector(self, sector):
        return self.filter(sector__in=[sector, Intervention.Sector.BOTH])


class Intervention(models.Model):
    """One entry of the menukaart: a type of intervention with what it costs and what it brings.

    National entries (school empty) come from the NPO menukaart, the EEF toolkit strands behind
    it and the practices of schools that rarely let students repeat a year; they are loaded from
    interventions/data by menukaart.load_menukaart. A school's leaders add local entries.
    """

    class Category(models.TextChoices):
        # The six NPO doelgebieden, plus one value for what is not on the NPO menukaart.
        A = "A", _("A. More education")
        B = "B", _("B. More effective teaching")
        C = "C", _("C. Social-emotional and physical development")
        D = "D", _("D. Executive functions")
        E = "E", _("E. (Extra) staff and support")
        F = "F", _("F. Facilities and preconditions")
        NONE = "X", _("Not on the NPO menukaart")

    class Sector(models.TextChoices):
        PO = "po", _("primary education (po)")
        VO = "vo", _("secondary education (vo)")
        BOTH = "both", _("po and vo")

    class Need(models.TextChoices):
        # The values of students.models.Category where they mean the same, so that a signal's
        # category finds the interventions for it; language and numeracy narrow "cognitive".
        COGNITIVE = "cognitive", _("cognitive / subject")
        LANGUAGE = "language", _("language and reading")
        NUMERACY = "numeracy", _("numeracy and mathematics")
        STUDY_SKILLS = "study_skills", _("study skills and planning")
        WELLBEING = "wellbeing", _("social-emotional wellbeing")
        MOTIVATION = "motivation", _("motivation and engagement")
        ATTENDANCE = "attendance", _("attendance")
        BEHAVIOUR = "behaviour", _("behaviour")

    class CostLevel(models.IntegerChoices):
        # EEF/NPO scale for a class of 25 (NPO: "zeer laag" is up to €2,300 per class).
        VERY_LOW = 1, _("very low cost")
        LOW = 2, _("low cost")
        MODERATE = 3, _("moderate cost")
        HIGH = 4, _("high cost")
        VERY_HIGH = 5, _("very high cost")

    class EvidenceLevel(models.IntegerChoices):
        INSUFFICIENT = 0, _("insufficient evidence")
        VERY_LIMITED = 1, _("very limited evidence")
        LIMITED = 2, _("limited evidence")
        MODERATE = 3, _("moderate evidence")
        EXTENSIVE = 4, _("extensive evidence")
        VERY_EXTENSIVE = 5, _("very extensive evidence")

    key = models.SlugField(_("key"), max_length=60)
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, null=True, blank=True, related_name="local_interventions",
        verbose_name=_("school"),
        help_text=_("Empty for the national menukaart; set for a school's own intervention."))
    name_nl = models.CharField(_("name (Dutch)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=1, choices=Category)
    based_on = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="variants",
        limit_choices_to={"school__isnull": True}, verbose_name=_("form of"),
        help_text=_("The menukaart type this intervention is a concrete form of."))
    description = models.TextField(_("description"), blank=True)
    working_elements = models.TextField(_("working elements"), blank=True)
    effect_months = models.SmallIntegerField(
        _("expected effect (months)"), null=True, blank=True,
        validators=[MinValueValidator(-12), MaxValueValidator(12)],
        help_text=_("Months of extra learning gain in a school year; negative when it sets students back."))
    cost_level = models.PositiveSmallIntegerField(_("cost"), choices=CostLevel, null=True, blank=True)
    evidence_level = models.PositiveSmallIntegerField(_("strength of evidence"), choices=EvidenceLevel,
                                                      null=True, blank=True)
    sector = models.CharField(_("sector"), max_length=4, choices=Sector, default=Sector.BOTH)
    needs = models.CharField(_("needs addressed"), max_length=200, blank=True,
                             help_text=_("Comma-separated: cognitive, language, numeracy, study_skills, "
                                         "wellbeing, motivation, attendance, behaviour."))
    advantages = models.TextField(_("advantages"), blank=True)
    drawbacks = models.TextField(_("drawbacks"), blank=True)
    tips = models.TextField(_("implementation tips"), blank=True)
    dose_weeks = models.PositiveSmallIntegerField(
        _("weeks"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(104)])
    dose_hours_per_week = models.DecimalField(
        _("hours per week"), max_digits=3, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0.5), MaxValueValidator(40)])
    group_size_min = models.PositiveSmallIntegerField(
        _("smallest group"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(40)])
    group_size_max = models.PositiveSmallIntegerField(
        _("largest group"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(40)])
    source = models.TextField(_("source"), blank=True)
    source_note = models.TextField(_("notes on the data"), blank=True)
    data_version = models.CharField(_("data version"), max_length=60, blank=True)
    # Figures of earlier versions of a national entry: [{"data_version", "effect_months",
    # "cost_level", "evidence_level", "source", "note"}, ...], oldest first.
    history = models.JSONField(_("earlier figures"), default=list, blank=True)
    payable_from_npo = models.BooleanField(_("payable from NPO funds"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("created by"))
    updated_at = models.DateTimeField(auto_now=True)

    objects = InterventionQuerySet.as_manager()

    class Meta:
        ordering = ["category", "name_nl"]
        verbose_name = _("menukaart intervention")
        verbose_name_plural = _("menukaart interventions")
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=models.Q(school__isnull=True),
                                    name="intervention_national_key_unique"),
            models.UniqueConstraint(fields=["school", "key"], name="intervention_school_key_unique"),
            models.CheckConstraint(
                condition=models.Q(effect_months__isnull=True)
                | models.Q(effect_months__gte=-12, effect_months__lte=12),
                name="intervention_effect_within_12_months"),
            models.CheckConstraint(
                condition=models.Q(cost_level__isnull=True) | models.Q(cost_level__gte=1, cost_level__lte=5),
                name="intervention_cost_1_to_5"),
            models.CheckConstraint(
                condition=models.Q(evidence_level__isnull=True) | models.Q(evidence_level__lte=5),
                name="intervention_evidence_0_to_5"),
            models.CheckConstraint(
                condition=models.Q(group_size_min__isnull=True) | models.Q(group_size_max__isnull=True)
                | models.Q(group_size_min__lte=models.F("group_size_max")),
                name="intervention_group_min_le_max"),
        ]

    def __str__(self):
        return self.name_nl

    def get_absolute_url(self):
        return reverse("interventions:menukaart_detail", args=[self.pk])

    @property
    def is_local(self):
        return self.school_id is not None

    @property
    def sector_short(self):
        return "po/vo" if self.sector == self.Sector.BOTH else self.sector

    @property
    def need_list(self):
        return [n for n in self.needs.split(",") if n]

    def get_needs_display(self):
        labels = dict(self.Need.choices)
        return [labels.get(n, n) for n in self.need_list]

    @property
    def effect_display(self):
        """"+4", "0" or "−3" (with a real minus sign); empty when no figure is known."""
        if self.effect_months is None:
            return ""
        if self.effect_months > 0:
            return f"+{self.effect_months}"
        return f"\u2212{-self.effect_months}" if self.effect_months < 0 else "0"

    @property
    def effect_abs(self):
        return abs(self.effect_months) if self.effect_months is not None else None

    @property
    def cost_symbols(self):
        return "€" * (self.cost_level or 0)

    @property
    def evidence_symbols(self):
        if self.evidence_level is None:
            return ""
        return "●" * self.evidence_level + "○" * (5 - self.evidence_level)

    @property
    def group_size(self):
        low, high = self.group_size_min, self.group_size_max
        if low and high and low != high:
            return f"{low}–{high}"
        return str(low or high or "")

    @property
    def has_dose(self):
        return any(v is not None for v in (self.dose_weeks, self.dose_hours_per_week,
                                           self.group_size_min, self.group_size_max))


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
    intervention = models.ForeignKey(Intervention, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="plans", verbose_name=_("from the menukaart"))
    dose = models.CharField(_("dose"), max_length=200, blank=True,
                            help_text=_("How much and how often, for example: 2 × 45 minutes a week for 6 weeks."))
    agreements = models.TextField(_("agreements with student and parents"), blank=True)
    flag = models.ForeignKey(Flag, on_delete=models.SET_NULL, null=True, blank=True, related_name="plans",
                             verbose_name=_("risk flag"), help_text=_("The flag this plan answers."))
    group = models.ForeignKey("GroupIntervention", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="plans", verbose_name=_("group intervention"))
    # The due date the responsible person was last reminded of, so that the daily reminder
    # mentions each due date once.
    reminded_for = models.DateField(_("reminded for the evaluation of"), null=True, blank=True)
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
            # Enrolling a student in a group twice does not give them a second plan.
            models.UniqueConstraint(fields=["group", "student"], condition=models.Q(group__isnull=False),
                                    name="one_plan_per_student_per_group"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("interventions:plan_edit", args=[self.pk])

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE


class PlanSettings(models.Model):
    """A school's rhythm for intervention plans. Without a row the defaults hold: six-week
    cycles and at most two improvement cycles a school year (the VO-raad guide)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="plan_settings",
                                  verbose_name=_("school"))
    cycle_weeks = models.PositiveSmallIntegerField(
        _("weeks per cycle"), default=6, validators=[MinValueValidator(1), MaxValueValidator(26)],
        help_text=_("A plan is evaluated at the end of every cycle."))
    max_cycles_per_year = models.PositiveSmallIntegerField(
        _("improvement cycles per school year"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("After this many cycles without reaching the goal, the team decides on the next step."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("plan settings")
        verbose_name_plural = _("plan settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(cycle_weeks__gte=1, cycle_weeks__lte=26),
                                   name="plan_cycle_1_to_26_weeks"),
            models.CheckConstraint(condition=models.Q(max_cycles_per_year__gte=1, max_cycles_per_year__lte=10),
                                   name="plan_max_cycles_1_to_10"),
        ]

    def __str__(self):
        return str(self.school)

    @property
    def cycle(self):
        return timedelta(weeks=self.cycle_weeks)


class PlanEvaluation(models.Model):
    """The evaluation at the end of one cycle of a plan: was the goal reached, and what next."""

    class GoalResult(models.TextChoices):
        MET = "met", _("goal met")
        PARTLY = "partly", _("goal partly met")
        NOT_MET = "not_met", _("goal not met")

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("continue")
        ADJUST = "adjust", _("adjust")
        STOP = "stop", _("stop")

    plan = models.ForeignKey(InterventionPlan, on_delete=models.CASCADE, related_name="evaluations",
                             verbose_name=_("intervention plan"))
    cycle = models.PositiveSmallIntegerField(_("cycle"))
    due_on = models.DateField(_("due on"))
    evaluated_on = models.DateField(_("evaluated on"))
    goal_result = models.CharField(_("result"), max_length=10, choices=GoalResult)
    decision = models.CharField(_("next step"), max_length=10, choices=Decision)
    notes = models.TextField(_("notes"), blank=True)
    # Snapshots of the goal subject's weighted school-year average (empty without a subject).
    average_before = models.DecimalField(_("average before the plan"), max_digits=3, decimal_places=1,
                                         null=True, blank=True)
    average_after = models.DecimalField(_("average at the evaluation"), max_digits=3, decimal_places=1,
                                        null=True, blank=True)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+", verbose_name=_("evaluated by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "cycle"]
        verbose_name = _("plan evaluation")
        verbose_name_plural = _("plan evaluations")
        constraints = [
            models.UniqueConstraint(fields=["plan", "cycle"], name="one_evaluation_per_plan_cycle"),
            models.CheckConstraint(condition=models.Q(cycle__gte=1), name="evaluation_cycle_from_1"),
            models.CheckConstraint(condition=~models.Q(decision="adjust", notes=""),
                                   name="evaluation_adjust_says_what_changes"),
        ]
        indexes = [models.Index(fields=["evaluated_on"])]

    def __str__(self):
        return f"{self.plan_id} #{self.cycle}"

    @property
    def is_improvement_cycle(self):
        return is_improvement_cycle(self.goal_result, self.decision)


# An improvement cycle is a further cycle of work on a goal that was not (fully) reached:
# an evaluation that says the goal was partly met or not met, and that the plan continues or
# is adjusted. Such evaluations are counted per student over all their plans, by the date of
# the evaluation, within one school year (see selectors.improvement_cycles_used).
IMPROVEMENT_RESULTS = (PlanEvaluation.GoalResult.PARTLY, PlanEvaluation.GoalResult.NOT_MET)
IMPROVEMENT_DECISIONS = (PlanEvaluation.Decision.CONTINUE, PlanEvaluation.Decision.ADJUST)


def is_improvement_cycle(goal_result, decision):
    return goal_result in IMPROVEMENT_RESULTS and decision in IMPROVEMENT_DECISIONS


class GroupIntervention(models.Model):
    """An intervention for a group (a summer school, a rebound group) run by a coordinator;
    every enrolled student gets a plan of their own."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="group_interventions",
                               verbose_name=_("school"))
    intervention = models.ForeignKey(Intervention, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="groups", verbose_name=_("from the menukaart"))
    name = models.CharField(_("name"), max_length=200)
    goal = models.CharField(_("goal"), max_length=255,
                            help_text=_("Measurable; every enrolled student's plan starts with this goal."))
    starts_on = models.DateField(_("start"))
    ends_on = models.DateField(_("end"), null=True, blank=True)
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("coordinator"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "name"]
        verbose_name = _("group intervention")
        verbose_name_plural = _("group interventions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="group_ends_after_start"),
            models.UniqueConstraint(fields=["school", "name", "starts_on"], name="group_name_unique_per_start"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("interventions:group_detail", args=[self.pk])
