import re

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

BRIN_RE = re.compile(r"^[0-9A-Z]{4}$")
VESTIGING_RE = re.compile(r"^[0-9]{2}$")


def validate_brin(value):
    if not BRIN_RE.match(value or ""):
        raise ValidationError(
            _("A BRIN code has 4 letters or digits, for example 12AB; got %(value)r."),
            params={"value": value},
        )


def validate_vestiging(value):
    if value and not VESTIGING_RE.match(value):
        raise ValidationError(
            _("A vestiging number has 2 digits, for example 01; got %(value)r."),
            params={"value": value},
        )


class School(models.Model):
    class Sector(models.TextChoices):
        PO = "po", _("primary education (po)")
        VO = "vo", _("secondary education (vo)")

    name = models.CharField(_("name"), max_length=200)
    brin = models.CharField(_("BRIN code"), max_length=4, unique=True, validators=[validate_brin])
    vestiging = models.CharField(
        _("vestiging number"), max_length=2, blank=True, validators=[validate_vestiging]
    )
    sector = models.CharField(_("sector"), max_length=2, choices=Sector, default=Sector.VO)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    board = models.CharField(_("board (bevoegd gezag)"), max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("school")
        verbose_name_plural = _("schools")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(brin=Upper("brin")), name="school_brin_upper_case"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.brin}{self.vestiging})"

    def save(self, *args, **kwargs):
        self.brin = (self.brin or "").upper()
        super().save(*args, **kwargs)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class MailFrequency(models.TextChoices):
    """How a user wants the portal's messages by e-mail (they are always in the portal too)."""

    IMMEDIATELY = "direct", _("at once, one e-mail per event")
    DAILY = "dagelijks", _("once a day, one overview")
    NEVER = "nooit", _("no e-mail; only in the portal")


class User(AbstractUser):
    """A person who logs in with an e-mail address; roles come from memberships."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    mail_frequency = models.CharField(_("e-mail about notifications"), max_length=10,
                                      choices=MailFrequency, default=MailFrequency.IMMEDIATELY)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.get_full_name() or self.email


class Role(models.TextChoices):
    MENTOR = "mentor", _("mentor")
    TEACHER = "teacher", _("teacher")
    LEADER = "leader", _("school leader")
    INSPECTOR = "inspector", _("inspector")


class Membership(models.Model):
    """A user's role at one school. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("school")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role)
    teacher_code = models.CharField(
        _("teacher code"),
        max_length=10,
        blank=True,
        help_text=_("The code the school's student information system uses for this teacher."),
    )

    class Meta:
        ordering = ["school__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "role"], name="membership_unique_role_per_school"
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.school.brin}"


class AuditEntry(models.Model):
    """Who looked at or changed which student's data, and when."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        LIST = "list", _("listed")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")
        IMPORT = "import", _("imported")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    school = models.ForeignKey(
        School, on_delete=models.CASCADE, related_name="audit_entries", verbose_name=_("school")
    )
    action = models.CharField(_("action"), max_length=10, choices=Action)
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    # What a person reads in the log: "leerling 123456", "3 velden". Never a free-text note.
    summary = models.CharField(_("what"), max_length=255)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["school", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.summary}"
