"""Students, their level and leerjaar, and who was their mentor when."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
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


# A combined level (dakpanklas: havo/vwo, mavo/havo, kader/gl) is stored as the values of its
# levels, lowest first, joined by "/" ("havo/vwo", "vmbo_gt/havo"); its name joins short names
# ("vmbo-gt/havo", "vmbo-bb/kb"), so one combination has one name whatever the file wrote.
COMBINED_SEPARATOR = "/"
LEVEL_ORDER = {level: i for i, level in enumerate(Level)}
SHORT_NAMES = {Level.PRO: "pro", Level.VMBO_BB: "bb", Level.VMBO_KB: "kb", Level.VMBO_GT: "gt",
               Level.HAVO: "havo", Level.VWO: "vwo"}
VMBO = (Level.VMBO_BB, Level.VMBO_KB, Level.VMBO_GT)


def combined_value(levels):
    """The stored value of a combination of levels (any order): "havo/vwo"."""
    ordered = sorted(set(levels), key=LEVEL_ORDER.__getitem__)
    return COMBINED_SEPARATOR.join(level.value for level in ordered)


def combined_levels(value):
    """The Levels of a stored combined level, lowest first; () for none."""
    return tuple(Level(part) for part in value.split(COMBINED_SEPARATOR)) if value else ()


def combined_name(value):
    """ "havo/vwo", "vmbo-gt/havo", "vmbo-bb/kb": the name of a stored combined level."""
    names, vmbo_named = [], False
    for level in combined_levels(value):
        name = SHORT_NAMES[level]
        if level in VMBO and not vmbo_named:
            name, vmbo_named = f"vmbo-{name}", True
        names.append(name)
    return COMBINED_SEPARATOR.join(names)


def level_name(level, combined=""):
    """How a student's level reads everywhere: the combined level where there is one."""
    return combined_name(combined) if combined else str(Level(level).label)


def group_name(level, combined=(), leerjaar=None):
    """How a group of students by (norm) level reads: "havo 1", or "havo 1 (incl. havo/vwo)"
    when students of a combined level count in it, so that "havo" means the same on every page."""
    label = str(Level(level).label) if leerjaar is None else f"{Level(level).label} {leerjaar}"
    values = sorted({c for c in combined if c},
                    key=lambda c: [LEVEL_ORDER[member] for member in combined_levels(c)])
    if not values:
        return label
    return _("%(level)s (incl. %(combined)s)") % {"level": label,
                                                  "combined": ", ".join(map(combined_name, values))}


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
    # The level the promotion norms, filters and figures use (for a combined level: its norm
    # level, by default the lowest of its levels).
    level = models.CharField(_("level"), max_length=10, choices=Level)
    combined_level = models.CharField(
        _("combined level"), max_length=40, blank=True,
        help_text=_("The levels of a combined class (havo/vwo), lowest first; empty for one level."),
    )
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
        if self.combined_level:
            try:
                levels = combined_levels(self.combined_level)
            except ValueError:
                levels = ()
            if len(levels) < 2 or combined_value(levels) != self.combined_level:
                raise ValidationError({"combined_level": _("Not a combined level.")})
            if self.level not in levels:
                raise ValidationError({"level": _("The norm level must be one of the combined levels.")})
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
    def level_name(self):
        """ "havo/vwo" for a combined level, else the level: what every page shows."""
        return level_name(self.level, self.combined_level)

    @property
    def level_year(self):
        return f"{self.level_name} {self.leerjaar}"

    def get_absolute_url(self):
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
