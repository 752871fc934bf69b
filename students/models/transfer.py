"""Warme overdracht: what the primary school handed over about a student (schooladvies,
doorstroomtoets, support needs, notes), imported from its file; one row per student.

An advice is one level or two neighbouring levels (a dubbel advies such as havo/vwo). Where a
student stands against it follows the Nationaal Cohortonderzoek Onderwijs: a double advice
counts by its lower level, so a havo/vwo advice in havo is "at", in vwo "above" and in vmbo-gt
"below" the advice (ncoinformatiepunt.nl, begrip "schooladvies").
"""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from .people import Level, Student

LEVELS = list(Level)  # low to high, as CBS ranks them: pro, vmbo-b, vmbo-k, vmbo-g/t, havo, vwo


class Advice(models.TextChoices):
    """The advices primary schools give (the list of DUO and the Rijksoverheid) and the
    doorstroomtoets's pro/vmbo-bb: a level, or a level and the one above it."""

    PRO = "pro", _("praktijkonderwijs")
    PRO_BB = "pro/vmbo_bb", _("pro/vmbo-bb")
    VMBO_BB = "vmbo_bb", _("vmbo-bb")
    VMBO_BB_KB = "vmbo_bb/vmbo_kb", _("vmbo-bb/kb")
    VMBO_KB = "vmbo_kb", _("vmbo-kb")
    VMBO_KB_GT = "vmbo_kb/vmbo_gt", _("vmbo-kb/gt")
    VMBO_GT = "vmbo_gt", _("vmbo-gt")
    VMBO_GT_HAVO = "vmbo_gt/havo", _("vmbo-gt/havo")
    HAVO = "havo", _("havo")
    HAVO_VWO = "havo/vwo", _("havo/vwo")
    VWO = "vwo", _("vwo")

    @classmethod
    def of(cls, low, high=None):
        """The advice for a level (or two neighbouring levels); ValueError for any other pair."""
        high = high or low
        return cls(low.value if high == low else f"{low.value}/{high.value}")

    @property
    def levels(self):
        """(lower, upper) level; the same level twice for a single advice."""
        parts = self.value.split("/")
        return Level(parts[0]), Level(parts[-1])

    @property
    def order(self):
        """For comparing advices: havo < havo/vwo < vwo."""
        low, high = self.levels
        return LEVELS.index(low), LEVELS.index(high)


class Placement(models.TextChoices):
    BELOW = "below", _("below advice")
    AT = "at", _("at advice")
    ABOVE = "above", _("above advice")


def placement(level, advice):
    """Where a student of `level` stands against `advice` (a double advice counts by its lower
    level), or None without an advice."""
    if not advice:
        return None
    current, advised = LEVELS.index(Level(level)), Advice(advice).order[0]
    if current < advised:
        return Placement.BELOW
    return Placement.AT if current == advised else Placement.ABOVE


# Referentieniveaus as the doorstroomtoets reports them, per domain: lezen and taalverzorging
# 1F or 2F, rekenen 1F or 1S, or not yet 1F ("<1F"). Plain values, the same codes as a
# standardised result's reference level.
BELOW_1F = "<1F"
DOMAIN_LEVELS = {
    "reading": (BELOW_1F, "1F", "2F"),
    "spelling": (BELOW_1F, "1F", "2F"),
    "maths": (BELOW_1F, "1F", "1S"),
}
REFERENCE_LEVELS = [(level, level) for level in (BELOW_1F, "1F", "2F", "1S")]


def _reported(domain):
    return Q(**{domain: ""}) | Q(**{f"{domain}__in": DOMAIN_LEVELS[domain]})


class Transfer(models.Model):
    """The primary school's transfer data of one student, as its last imported file says."""

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="transfer",
                                   verbose_name=_("student"))
    primary_school = models.CharField(_("primary school"), max_length=200, blank=True)
    advice = models.CharField(_("schooladvies"), max_length=15, choices=Advice)
    adjusted_advice = models.CharField(
        _("adjusted advice"), max_length=15, choices=Advice, blank=True,
        help_text=_("The advice after reconsideration (heroverweging) following the doorstroomtoets; "
                    "empty when it was not adjusted."))
    lwoo = models.BooleanField(_("learning support (lwoo) advised"), default=False)
    test = models.CharField(_("test"), max_length=100, blank=True,
                            help_text=_("Which doorstroomtoets (before 2024: eindtoets)."))
    test_score = models.PositiveSmallIntegerField(_("test score"), null=True, blank=True)
    test_advice = models.CharField(_("test advice"), max_length=15, choices=Advice, blank=True)
    reading = models.CharField(_("reading (lezen)"), max_length=3, choices=REFERENCE_LEVELS, blank=True)
    spelling = models.CharField(_("spelling and grammar (taalverzorging)"), max_length=3,
                                choices=REFERENCE_LEVELS, blank=True)
    maths = models.CharField(_("arithmetic (rekenen)"), max_length=3, choices=REFERENCE_LEVELS, blank=True)
    support_needs = models.TextField(_("support needs (ondersteuningsbehoefte)"), blank=True)
    notes = models.TextField(_("notes from the primary school"), blank=True)
    updated_at = models.DateTimeField(_("imported"))

    class Meta:
        verbose_name = _("warme overdracht")
        verbose_name_plural = _("warme overdracht")
        constraints = [
            models.CheckConstraint(condition=~Q(adjusted_advice=F("advice")),
                                   name="transfer_adjusted_advice_differs"),
            *(models.CheckConstraint(condition=_reported(domain), name=f"transfer_{domain}_reported")
              for domain in DOMAIN_LEVELS),
        ]

    def __str__(self):
        return f"{self.student} {self.get_advice_display()}"

    @property
    def effective_advice(self):
        """The advice that counts: the adjusted one when there is one."""
        return self.adjusted_advice or self.advice

    @property
    def placement(self):
        """Below, at or above the advice that counts, for the student's current level."""
        return placement(self.student.level, self.effective_advice)
