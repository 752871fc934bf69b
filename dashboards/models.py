from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import School


class SchoolMeasures(models.Model):
    """The progress measures of one school in one school year, as last computed.

    Refreshed by Celery (nightly, after the flagging run) and on a school leader's request;
    the pages read these rows and say when they were made. `summary` holds the school's own
    figures (what the inspector overview needs, small); `detail` everything else.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="measures",
                               verbose_name=_("school"))
    school_year = models.PositiveSmallIntegerField(_("school year (first calendar year)"))
    as_of = models.DateField(_("figures as of"))
    computed_at = models.DateTimeField(_("computed at"))
    summary = models.JSONField(_("school figures"), default=dict)
    detail = models.JSONField(_("all figures"), default=dict)

    class Meta:
        verbose_name = _("school measures")
        verbose_name_plural = _("school measures")
        constraints = [
            models.UniqueConstraint(fields=["school", "school_year"], name="one_measures_row_per_school_year"),
        ]

    def __str__(self):
        return f"{self.school.brin} {self.school_year}"
