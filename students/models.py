from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
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
