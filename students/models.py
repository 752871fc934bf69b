from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import School


class Level(models.TextChoices):
    PRO = "pro", _("praktijkonderwijs")
    VMBO_BB = "vmbo_bb", _("vmbo-bb")
    VMBO_KB = "vmbo_kb", _("vmbo-kb")
    VMBO_GT = "vmbo_gt", _("vmbo-gl/tl")
    HAVO = "havo", _("havo")
    VWO = "vwo", _("vwo")


# Highest leerjaar per level (praktijkonderwijs usually takes five years).
MAX_LEERJAAR = {
    Level.PRO: 5,
    Level.VMBO_BB: 4,
    Level.VMBO_KB: 4,
    Level.VMBO_GT: 4,
    Level.HAVO: 5,
    Level.VWO: 6,
}


# The voorexamenjaar, where most students repeat a year: 3 vmbo, 4 havo, 5 vwo
# (praktijkonderwijs has no central exam).
PRE_EXAM_YEAR = {
    Level.VMBO_BB: 3,
    Level.VMBO_KB: 3,
    Level.VMBO_GT: 3,
    Level.HAVO: 4,
    Level.VWO: 5,
}


def is_pre_exam_year(level, leerjaar):
    return PRE_EXAM_YEAR.get(level) == leerjaar


def _leerjaar_in_range():
    condition = models.Q()
    for level, top in MAX_LEERJAAR.items():
        condition |= models.Q(level=level, leerjaar__gte=1, leerjaar__lte=top)
    return condition


class StudentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class Student(models.Model):
    class Sex(models.TextChoices):
        FEMALE = "v", _("female")
        MALE = "m", _("male")
        OTHER = "x", _("other / not recorded")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="students", verbose_name=_("school")
    )
    student_number = models.CharField(_("student number"), max_length=20)
    given_name = models.CharField(_("given name"), max_length=100)
    tussenvoegsel = models.CharField(_("tussenvoegsel"), max_length=20, blank=True)
    family_name = models.CharField(_("family name"), max_length=100)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level)
    leerjaar = models.PositiveSmallIntegerField(_("leerjaar"))
    class_code = models.CharField(_("class"), max_length=20, blank=True)
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentees",
        verbose_name=_("mentor"),
    )
    enrolled_on = models.DateField(_("enrolment date"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # The retention period (STUDENT_RETENTION_YEARS) runs from this day; see students.privacy.
    left_on = models.DateField(
        _("left school on"), null=True, blank=True,
        help_text=_("Set when the student is made inactive; cleared when they are active again."),
    )
    sex = models.CharField(
        _("sex"),
        max_length=1,
        choices=Sex,
        blank=True,
        help_text=_("Optional; used only to check that risk flags are fair."),
    )
    primary_school_notes = models.TextField(
        _("notes from the primary school (warme overdracht)"), blank=True
    )

    objects = StudentQuerySet.as_manager()

    class Meta:
        ordering = ["class_code", "family_name", "given_name"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "student_number"], name="student_number_unique_per_school"
            ),
            models.CheckConstraint(condition=_leerjaar_in_range(), name="student_leerjaar_in_range"),
        ]
        indexes = [models.Index(fields=["school", "mentor"])]

    def __str__(self):
        return f"{self.full_name} ({self.student_number})"

    def save(self, *args, **kwargs):
        fields = kwargs.get("update_fields")
        if self.sync_left_on() and fields is not None and "is_active" in fields:
            kwargs["update_fields"] = {*fields, "left_on"}
        super().save(*args, **kwargs)

    def sync_left_on(self, today=None):
        """Keep `left_on` in step with `is_active`: the day a student is made inactive starts
        the retention period; a student who is active again has not left. Returns whether
        `left_on` changed (bulk writes call this themselves, as they bypass save())."""
        if self.is_active:
            changed, self.left_on = self.left_on is not None, None
        elif self.left_on is None:
            changed, self.left_on = True, today or timezone.localdate()
        else:
            changed = False
        return changed

    def clean(self):
        top = MAX_LEERJAAR.get(self.level)
        if top and self.leerjaar is not None and not 1 <= self.leerjaar <= top:
            raise ValidationError(
                {"leerjaar": _("%(level)s has leerjaar 1 to %(top)s; got %(value)s.")
                 % {"level": self.get_level_display(), "top": top, "value": self.leerjaar}}
            )

    @property
    def full_name(self):
        return " ".join(p for p in (self.given_name, self.tussenvoegsel, self.family_name) if p)

    @property
    def sort_name(self):
        """'Vries, Sanne de' — how Dutch class lists sort."""
        tail = f" {self.tussenvoegsel}" if self.tussenvoegsel else ""
        return f"{self.family_name}, {self.given_name}{tail}"

    @property
    def level_year(self):
        return f"{self.get_level_display()} {self.leerjaar}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("students:detail", args=[self.pk])


class MentorAssignment(models.Model):
    """Who was a student's mentor when: a mentor keeps students over years, and history stays."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="mentor_history",
                                verbose_name=_("student"))
    mentor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("mentor"))
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["student", "-started_on", "-pk"]
        verbose_name = _("mentor assignment")
        verbose_name_plural = _("mentor history")
        constraints = [
            models.UniqueConstraint(fields=["student"], condition=models.Q(ended_on__isnull=True),
                                    name="one_current_mentor_per_student"),
        ]

    def __str__(self):
        return f"{self.mentor} {self.started_on}–{self.ended_on or ''}"


class Subject(models.Model):
    """A school subject (vak), per school, as its student information system names it."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="subjects",
                               verbose_name=_("school"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    is_core = models.BooleanField(_("core subject"), default=False,
                                  help_text=_("Nederlands, Engels and wiskunde in most promotion norms."))

    class Meta:
        ordering = ["name"]
        verbose_name = _("subject")
        verbose_name_plural = _("subjects")
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="subject_code_unique_per_school"),
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


class Conversation(models.Model):
    """A driehoeksgesprek: student, parent(s) and mentor agree on the way forward."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="conversations",
                                verbose_name=_("student"))
    held_on = models.DateField(_("date"))
    participants = models.CharField(_("participants"), max_length=255,
                                    help_text=_("For example: Sanne, her mother, mentor Post."))
    agreements = models.TextField(_("agreements"))
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               related_name="+", verbose_name=_("recorded by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("driehoeksgesprek")
        verbose_name_plural = _("driehoeksgesprekken")

    def __str__(self):
        return f"{self.held_on}"


class TeamReview(models.Model):
    """A leerlingbespreking for a class or a leerjaar."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="team_reviews",
                               verbose_name=_("school"))
    held_on = models.DateField(_("date"))
    class_code = models.CharField(_("class"), max_length=20, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level, blank=True)
    leerjaar = models.PositiveSmallIntegerField(_("leerjaar"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("team student review")
        verbose_name_plural = _("team student reviews")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(class_code="") | models.Q(leerjaar__isnull=False),
                name="team_review_has_class_or_leerjaar",
            ),
        ]

    def __str__(self):
        return f"{self.held_on} {self.class_code or self.leerjaar}"


class ReviewItem(models.Model):
    """One student on a review's agenda, why, and what the team concluded."""

    review = models.ForeignKey(TeamReview, on_delete=models.CASCADE, related_name="items",
                               verbose_name=_("team student review"))
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="review_items",
                                verbose_name=_("student"))
    reason = models.CharField(_("why on the agenda"), max_length=255, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)

    class Meta:
        ordering = ["review", "student__family_name", "student__given_name"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.UniqueConstraint(fields=["review", "student"], name="student_once_per_review"),
        ]

    def __str__(self):
        return f"{self.review} – {self.student_id}"


class ActionItem(models.Model):
    """An agreed action with an owner and a due date; shows on the owner's page."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="actions",
                             verbose_name=_("agenda item"))
    description = models.CharField(_("action"), max_length=255)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="review_actions", verbose_name=_("owner"))
    due_on = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        ordering = ["done_on", "due_on", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self):
        return self.description


class ImportJob(models.Model):
    """An uploaded file on its way in: previewed, confirmed, then applied (maybe by a worker).

    The page polls this row, so a reload or a restarted worker loses nothing.
    """

    class Kind(models.TextChoices):
        ROSTER = "roster", _("student roster")
        SCORES = "scores", _("scores")

    class Status(models.TextChoices):
        PREVIEW = "preview", _("ready to confirm")
        REJECTED = "rejected", _("rejected")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("imported")
        FAILED = "failed", _("failed")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="import_jobs",
                               verbose_name=_("school"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.PREVIEW)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    preview_rows = models.JSONField(_("first rows"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self):
        return f"{self.get_kind_display()} {self.filename}"

    @property
    def progress_percent(self):
        return round(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


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


class ColumnMapping(models.Model):
    """How a school's export names its columns, saved after a manual mapping step."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="column_mappings",
                               verbose_name=_("school"))
    kind = models.CharField(_("kind"), max_length=10, choices=ImportJob.Kind)
    mapping = models.JSONField(_("column mapping"), default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(fields=["school", "kind"], name="one_mapping_per_school_and_kind"),
        ]

    def __str__(self):
        return f"{self.school.brin} {self.kind}"


class RiskRules(models.Model):
    """A school's tuned flagging rules; `values` is validated by students.risk (defaults there)."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="risk_rules",
                                  verbose_name=_("school"))
    values = models.JSONField(_("settings"), default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+", verbose_name=_("changed by"))
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("risk rules")
        verbose_name_plural = _("risk rules")

    def __str__(self):
        return str(self.school)


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


class RiskLevel(models.IntegerChoices):
    NONE = 0, _("none")
    ATTENTION = 1, _("attention")
    HIGH = 2, _("high")


class Flag(models.Model):
    """A student's risk flag with the reasons a person can check.

    At most one current (unresolved) flag per student; its history is in FlagEvent.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged, waiting for a plan")
        DISMISSED = "dismissed", _("dismissed")
        RESOLVED = "resolved", _("resolved")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="flags",
                                verbose_name=_("student"))
    level = models.PositiveSmallIntegerField(_("risk"), choices=RiskLevel)
    reasons = models.JSONField(_("reasons"), default=list)
    status = models.CharField(_("status"), max_length=15, choices=Status, default=Status.OPEN)
    raised_on = models.DateTimeField(_("raised on"))
    changed_on = models.DateTimeField(_("changed on"))
    resolved_on = models.DateTimeField(_("resolved on"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                        null=True, blank=True, related_name="+",
                                        verbose_name=_("acknowledged by"))
    acknowledged_on = models.DateTimeField(_("acknowledged on"), null=True, blank=True)
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("dismissed by"))
    dismissed_on = models.DateTimeField(_("dismissed on"), null=True, blank=True)
    dismiss_reason = models.TextField(_("reason for dismissing"), blank=True)
    first_action_on = models.DateTimeField(_("first action on"), null=True, blank=True)
    projection = models.CharField(_("projected promotion outcome"), max_length=20, blank=True)
    projection_rule = models.CharField(_("deciding rule"), max_length=255, blank=True)

    class Meta:
        ordering = ["-level", "-changed_on"]
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        constraints = [
            models.UniqueConstraint(fields=["student"], condition=models.Q(resolved_on__isnull=True),
                                    name="one_current_flag_per_student"),
        ]
        indexes = [models.Index(fields=["student", "resolved_on"])]

    def __str__(self):
        return f"{self.get_level_display()} ({self.student_id})"


class FlagEvent(models.Model):
    """One step in a flag's life: raised, raised higher, lowered, reasons changed,
    acknowledged, dismissed, resolved."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="events",
                             verbose_name=_("risk flag"))
    at = models.DateTimeField(_("when"))
    kind = models.CharField(_("what"), max_length=20)
    level = models.PositiveSmallIntegerField(_("risk"), choices=RiskLevel)
    reasons = models.JSONField(_("reasons"), default=list)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                           blank=True, related_name="+", verbose_name=_("by"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["flag", "at", "pk"]
        verbose_name = _("flag event")
        verbose_name_plural = _("flag events")

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d}"


class Notification(models.Model):
    """A message in the portal for one user (also sent by e-mail where asked)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications", verbose_name=_("user"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    text = models.CharField(_("message"), max_length=255)
    url = models.CharField(_("link"), max_length=255, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications", verbose_name=_("risk flag"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.text


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
