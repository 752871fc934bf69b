"""Risk flags, their history, a school's flagging rules, and the notifications they send."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import School

from .people import Student


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
    # What an e-mail may say of it (mail leaves the portal: students by number only), and when
    # it went out in a daily overview.
    mail_text = models.CharField(_("text for e-mail"), max_length=255, blank=True)
    mailed_at = models.DateTimeField(_("sent in a daily overview"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self):
        return self.text
