"""Uploaded files on their way in, and the column mappings a school saved."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import School


class ImportJob(models.Model):
    """An uploaded file on its way in: previewed, confirmed, then applied (maybe by a worker).

    The page polls this row, so a reload or a restarted worker loses nothing.
    """

    class Kind(models.TextChoices):
        ROSTER = "roster", _("student roster")
        SCORES = "scores", _("scores")
        STAFF = "staff", _("staff")
        TRANSFER = "transfer", _("warme overdracht")

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
