"""Risk flags for people: who sees and acts on which flag, acknowledging and dismissing,
the school's rule and norm settings, and the portal's notifications.

Reads start from portal.access (the one door); writes run in one transaction and leave an
audit entry in Dutch that names students by number, never by name or by a typed reason.
The rules and the flagging run themselves live in students.risk.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import access, audit
from portal.models import Role
from portal.queueing import queue_after_commit, run_here
from portal.schoolyear import SchoolYear

from . import risk
from .models import MAX_LEERJAAR, Flag, FlagEvent, Level, Notification, PromotionNorm, RiskRules

FLAG_ROLES = (Role.MENTOR, Role.LEADER)

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


# --- Reads ------------------------------------------------------------------------------------

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
    return {"flag": flag, "projection": risk.projection_for(student),
            "can_act": flag is not None and can_act(user, flag)}


def record_flag_list(*, user, flags):
    """One audit entry per school whose flags were listed."""
    per_school = {}
    for flag in flags:
        school = flag.student.school
        per_school[school] = per_school.get(school, 0) + 1
    for school, n in per_school.items():
        audit.record(user=user, school=school, action=audit.Action.LIST, object_type="flag",
                     summary=f"signalering: {n} {'signalering' if n == 1 else 'signaleringen'}")


def record_flag_view(*, user, flag):
    audit.record(user=user, school=flag.student.school, action=audit.Action.VIEW, obj=flag,
                 summary=f"signalering leerling {flag.student.student_number} bekeken")


# --- Acting on a flag -------------------------------------------------------------------------

def _locked(flag):
    return Flag.objects.select_for_update().select_related("student__school").get(pk=flag.pk)


@transaction.atomic
def acknowledge(*, actor, flag):
    """The mentor has seen the flag; it now waits for a plan."""
    flag = _locked(flag)
    if flag.resolved_on or flag.status != Flag.Status.OPEN:
        raise ValidationError(_("Only an open flag can be acknowledged."))
    now = timezone.now()
    flag.status, flag.acknowledged_by, flag.acknowledged_on = Flag.Status.ACKNOWLEDGED, actor, now
    flag.save(update_fields=["status", "acknowledged_by", "acknowledged_on"])
    FlagEvent.objects.create(flag=flag, at=now, kind="acknowledged", level=flag.level,
                             reasons=flag.reasons, by=actor)
    audit.record(user=actor, school=flag.student.school, action=audit.Action.UPDATE, obj=flag,
                 summary=f"signalering leerling {flag.student.student_number}: gezien")
    return flag


@transaction.atomic
def dismiss(*, actor, flag, reason):
    """The mentor judges that the flag needs no action, and says why (required).

    Dismissing is a first action (the flag has been dealt with). The flag is not raised
    again at the same or a lower level; a higher level opens it again."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this flag needs no action.")})
    flag = _locked(flag)
    if flag.resolved_on or flag.status not in (Flag.Status.OPEN, Flag.Status.ACKNOWLEDGED):
        raise ValidationError(_("This flag cannot be dismissed any more."))
    now = timezone.now()
    flag.status, flag.dismissed_by, flag.dismissed_on = Flag.Status.DISMISSED, actor, now
    flag.dismiss_reason = reason
    flag.first_action_on = flag.first_action_on or now
    flag.save(update_fields=["status", "dismissed_by", "dismissed_on", "dismiss_reason",
                             "first_action_on"])
    FlagEvent.objects.create(flag=flag, at=now, kind="dismissed", level=flag.level,
                             reasons=flag.reasons, by=actor, note=reason)
    audit.record(user=actor, school=flag.student.school, action=audit.Action.UPDATE, obj=flag,
                 summary=f"signalering leerling {flag.student.student_number}: afgewezen")
    return flag


# --- Rule and norm settings (school leaders) ---------------------------------------------------

def _reflag_after_commit(school):
    from .tasks import flag_school

    # Recomputing is a job of its own: its failure is logged and the saved change stays; when
    # the broker is down it runs here, after the commit.
    queue_after_commit(flag_school, school.pk, if_refused=run_here)


@transaction.atomic
def save_rules(*, actor, school, settings):
    """Store the school's rules; returns the names of the settings that changed. The flags
    are recomputed after commit, so the change shows at once."""
    rules = RiskRules.objects.select_for_update().filter(school=school).first()
    try:
        before = risk.RiskSettings.from_values(rules.values if rules else {}).to_values()
    except ValidationError:
        before = {}  # stored values were broken: everything counts as changed
    after = settings.to_values()
    changed = sorted(name for name, value in after.items() if before.get(name) != value)
    if not changed:
        return []
    rules = rules or RiskRules(school=school)
    rules.values, rules.updated_by = after, actor
    rules.save()
    audit.record(user=actor, school=school, action=audit.Action.UPDATE, obj=rules,
                 summary=("signaleringsregels gewijzigd: " + ", ".join(changed)))
    _reflag_after_commit(school)
    return changed


def norm_year(today=None):
    return SchoolYear.of(today or timezone.localdate())


def norm_table(school, year):
    """Every level and leerjaar with the norm in force this school year: recorded, the
    default, or none (the exam year has no promotion norm unless one is recorded)."""
    recorded = {(n.level, n.leerjaar): n for n in PromotionNorm.objects.filter(
        school=school, school_year=year.start_year).select_related("updated_by")}
    norms = risk.norms_for(school, year)
    rows = []
    for level in Level:
        for leerjaar in range(1, MAX_LEERJAAR[level] + 1):
            norm, is_default = risk.norm_for(norms, level.value, leerjaar)
            rows.append({"level": level, "leerjaar": leerjaar, "norm": norm,
                         "is_default": is_default, "record": recorded.get((level.value, leerjaar))})
    return rows


def norm_of(school, year, level, leerjaar):
    """(Norm, recorded?) for one level and leerjaar; the defaults when none is recorded."""
    rules = PromotionNorm.objects.filter(school=school, school_year=year.start_year, level=level,
                                         leerjaar=leerjaar).values_list("rules", flat=True).first()
    if rules is None:
        return risk.DEFAULT_NORM, False
    try:
        return risk.Norm.from_values(rules), True
    except ValidationError:
        return risk.DEFAULT_NORM, True


def _norm_label(year, level, leerjaar):
    return f"overgangsnorm {Level(level).label} {leerjaar} {year}"


@transaction.atomic
def save_norm(*, actor, school, year, level, leerjaar, norm):
    """Record the norm of one level and leerjaar for the school year; False when unchanged."""
    values = norm.to_values()
    record, created = PromotionNorm.objects.select_for_update().get_or_create(
        school=school, school_year=year.start_year, level=level, leerjaar=leerjaar,
        defaults={"rules": values, "updated_by": actor})
    if not created:
        if record.rules == values:
            return False
        record.rules, record.updated_by = values, actor
        record.save()
    audit.record(user=actor, school=school, action=audit.Action.CREATE if created else audit.Action.UPDATE,
                 obj=record, summary=f"{_norm_label(year, level, leerjaar)} "
                                     f"{'vastgelegd' if created else 'gewijzigd'}")
    _reflag_after_commit(school)
    return True


@transaction.atomic
def copy_norms(*, actor, school, year):
    """Copy last school year's norms into this one where none is recorded yet."""
    previous = SchoolYear(year.start_year - 1)
    have = set(PromotionNorm.objects.filter(school=school, school_year=year.start_year)
               .values_list("level", "leerjaar"))
    new = [PromotionNorm(school=school, school_year=year.start_year, level=n.level,
                         leerjaar=n.leerjaar, rules=n.rules, updated_by=actor)
           for n in PromotionNorm.objects.filter(school=school, school_year=previous.start_year)
           if (n.level, n.leerjaar) not in have]
    PromotionNorm.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        audit.record(user=actor, school=school, action=audit.Action.CREATE,
                     object_type="promotionnorm",
                     summary=f"overgangsnormen {year}: {len(new)} gekopieerd uit {previous}")
        _reflag_after_commit(school)
    return len(new)


def previous_norm_count(school, year):
    return PromotionNorm.objects.filter(school=school, school_year=year.start_year - 1).count()


# --- Export -----------------------------------------------------------------------------------

def export_risk(*, actor, school, out):
    """The risk export (CSV) of one school, written to `out`; audited."""
    count = risk.write_risk_csv(school, out)
    audit.record(user=actor, school=school, action=audit.Action.EXPORT, object_type="flag",
                 summary=f"risico-export: {count} {'leerling' if count == 1 else 'leerlingen'}")
    return count


# --- Notifications ----------------------------------------------------------------------------

def notifications_for(user):
    """The user's own notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-pk")


def unread_count(user):
    return notifications_for(user).filter(read_at__isnull=True).count()


def mark_read(*, notification):
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user):
    return notifications_for(user).filter(read_at__isnull=True).update(read_at=timezone.now())
