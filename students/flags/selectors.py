"""Reads about risk flags: who sees and acts on which flag, a flag's history, the norms in
force, and the user's notifications. Every read starts from portal.access (the one door)."""

from django.core.exceptions import ValidationError
from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy

from portal import access
from portal.schoolyear import SchoolYear
from students.models import MAX_LEERJAAR, Flag, Level, Notification, PromotionNorm
from students.risk.rules import projection_for
from students.risk.settings import DEFAULT_NORM, Norm, norm_for, norms_for

EVENT_LABELS = {
    "raised": gettext_lazy("raised"),
    "raised_higher": gettext_lazy("raised higher"),
    "lowered": gettext_lazy("lowered"),
    "changed": gettext_lazy("reasons changed"),
    "acknowledged": gettext_lazy("acknowledged"),
    "dismissed": gettext_lazy("dismissed"),
    "resolved": gettext_lazy("resolved"),
    "first_action": gettext_lazy("first action"),
}



# --- Flags ---------------------------------------------------------------------------------------

def flags_for(user):
    """Flags of the students this user may see (mentors, teachers, leaders of the school)."""
    return access.scoped(Flag.objects.select_related("student__school", "student__mentor"), user,
                         school_field="student__school")


def actionable_flags_for(user):
    """Flags the user may act on: a leader's whole school, a mentor's own mentees."""
    return access.editable(flags_for(user), user, school_field="student__school",
                           mentor_field="student__mentor")


def can_act(user, flag):
    return actionable_flags_for(user).filter(pk=flag.pk).exists()


def flag_list(user, *, status="", level=None):
    """Current flags of the mentor's students, or of the leader's school: highest level
    first, then the longest waiting."""
    flags = actionable_flags_for(user).filter(resolved_on__isnull=True)
    if status:
        flags = flags.filter(status=status)
    if level:
        flags = flags.filter(level=level)
    return flags.order_by("-level", "raised_on", "pk")


def current_flag(student):
    """The student's current (unresolved) flag, or None. `student` comes from a scoped read."""
    return Flag.objects.filter(student=student, resolved_on__isnull=True).first()


def flag_events(flag):
    """A flag's history, oldest first, each with a translated `label`."""
    events = list(flag.events.select_related("by"))
    for event in events:
        event.label = EVENT_LABELS.get(event.kind, event.kind)
    return events


def with_risk(queryset):
    """Annotate students with `risk_level`: the level of their current flag, 0 without one.
    A dismissed flag counts as 0: the mentor judged that it needs no action."""
    current = Flag.objects.filter(student=OuterRef("pk"), resolved_on__isnull=True).exclude(
        status=Flag.Status.DISMISSED).values("level")[:1]
    return queryset.annotate(
        risk_level=Coalesce(Subquery(current, output_field=IntegerField()), Value(0)))


def student_flag_context(user, student):
    """What templates/students/_flag.html expects, for a student from a scoped read."""
    flag = current_flag(student)
    return {"flag": flag, "projection": projection_for(student),
            "can_act": flag is not None and can_act(user, flag)}


# --- Norms (school leaders) ----------------------------------------------------------------------

def norm_year(today=None):
    return SchoolYear.of(today or timezone.localdate())


def norm_table(school, year):
    """Every level and leerjaar with the norm in force this school year: recorded, the
    default, or none (the exam year has no promotion norm unless one is recorded)."""
    recorded = {(n.level, n.leerjaar): n for n in PromotionNorm.objects.filter(
        school=school, school_year=year.start_year).select_related("updated_by")}
    norms = norms_for(school, year)
    rows = []
    for level in Level:
        for leerjaar in range(1, MAX_LEERJAAR[level] + 1):
            norm, is_default = norm_for(norms, level.value, leerjaar)
            rows.append({"level": level, "leerjaar": leerjaar, "norm": norm,
                         "is_default": is_default, "record": recorded.get((level.value, leerjaar))})
    return rows


def norm_of(school, year, level, leerjaar):
    """(Norm, recorded?) for one level and leerjaar; the defaults when none is recorded."""
    rules = PromotionNorm.objects.filter(school=school, school_year=year.start_year, level=level,
                                         leerjaar=leerjaar).values_list("rules", flat=True).first()
    if rules is None:
        return DEFAULT_NORM, False
    try:
        return Norm.from_values(rules), True
    except ValidationError:
        return DEFAULT_NORM, True


def previous_norm_count(school, year):
    return PromotionNorm.objects.filter(school=school, school_year=year.start_year - 1).count()



# --- Notifications -------------------------------------------------------------------------------

def notifications_for(user):
    """The user's own notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user):
    return notifications_for(user).filter(read_at__isnull=True).count()
