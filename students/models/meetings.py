"""Driehoeksgesprekken and team student reviews (leerlingbesprekingen) with their actions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import School

from .people import Level, Student


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
