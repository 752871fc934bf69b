"""Write functions for schools and accounts; management commands and demo data call these."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils.translation import gettext as _

from .models import Membership, Role, School, User, validate_brin, validate_vestiging

# Sent with `school` when create_school made a new one. Later apps give a new school what it
# starts with (the students app: the standard subject list), in the same transaction.
school_created = Signal()


def split_brin(code):
    """'06ru' -> ('06RU', ''), '06RU01' -> ('06RU', '01'); raises ValidationError otherwise."""
    code = (code or "").strip().upper()
    brin, vestiging = code[:4], code[4:]
    if len(code) not in (4, 6):
        raise ValidationError(
            _("A BRIN code has 4 letters or digits, optionally followed by a 2-digit vestiging "
              "number (12AB or 12AB01); got %(value)r.") % {"value": code}
        )
    validate_brin(brin)
    validate_vestiging(vestiging)
    return brin, vestiging


def find_school(code):
    """The school for a BRIN code (with or without vestiging), or ValidationError."""
    brin, _vestiging = split_brin(code)
    try:
        return School.objects.get(brin=brin)
    except School.DoesNotExist:
        raise ValidationError(_("No school with BRIN code %(brin)s.") % {"brin": brin}) from None


@transaction.atomic
def create_school(*, brin, name, sector=School.Sector.VO, municipality="", board=""):
    """Create the school, or update its details when the BRIN code exists. Returns (school, created).
    A new school gets what the apps give it through `school_created`."""
    brin, vestiging = split_brin(brin)
    if sector not in School.Sector.values:
        raise ValidationError(_("Unknown sector %(value)r (po or vo).") % {"value": sector})
    if not name.strip():
        raise ValidationError(_("A school needs a name."))
    defaults = {"name": name.strip(), "sector": sector, "vestiging": vestiging}
    if municipality:
        defaults["municipality"] = municipality
    if board:
        defaults["board"] = board
    school, created = School.objects.update_or_create(brin=brin, defaults=defaults)
    if created:
        school_created.send(sender=School, school=school)
    return school, created


@transaction.atomic
def create_user(*, email, role, schools, password=None, first_name="", last_name="",
                teacher_code="", keep_password=False):
    """Create the user or add the role; idempotent. Returns (user, created).

    `keep_password` leaves an existing user's password alone (the demo reloads quickly).
    """
    if role not in Role.values:
        raise ValidationError(_("Unknown role %(value)r.") % {"value": role})
    schools = list(schools)
    if not schools:
        raise ValidationError(_("Give at least one school."))
    if role != Role.INSPECTOR and len(schools) > 1:
        raise ValidationError(_("Only an inspector can be assigned to several schools."))
    email = User.objects.normalize_email(email.strip()).lower()
    try:
        User._meta.get_field("email").run_validators(email)
    except ValidationError:
        raise ValidationError(_("%(value)r is not a valid e-mail address.") % {"value": email}) from None
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User(email=email)
        user.set_unusable_password()
    if first_name:
        user.first_name = first_name
    if last_name:
        user.last_name = last_name
    if password and (created or not keep_password):
        user.set_password(password)
    user.save()
    for school in schools:
        membership, _new = Membership.objects.get_or_create(user=user, school=school, role=role)
        if teacher_code and membership.teacher_code != teacher_code:
            membership.teacher_code = teacher_code
            membership.save(update_fields=["teacher_code"])
    return user, created
