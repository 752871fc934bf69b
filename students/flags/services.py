"""Writes about risk flags: acknowledging and dismissing, the first action, the school's
rule and norm settings, the audited risk export, and reading notifications.

Writes run in one transaction and leave an audit entry in Dutch that names students by
number, never by name or by a typed reason. The rules and the flagging run themselves live in
students.risk; reads are in students.flags.selectors.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit
from portal.queueing import queue_after_commit, run_here
from portal.schoolyear import SchoolYear
from students.models import Flag, FlagEvent, Level, PromotionNorm, RiskRules, Student
from students.risk.export import write_risk_csv
from students.risk.settings import RiskSettings
from students.risk.tasks import flag_school
from students.wording import count

from .selectors import notifications_for


# --- Audit of reads ------------------------------------------------------------------------------

def record_flag_list(*, user, flags):
    """One audit entry per school whose flags were listed."""
    per_school = {}
    for flag in flags:
        school = flag.student.school
        per_school[school] = per_school.get(school, 0) + 1
    for school, n in per_school.items():
        audit.record(user=user, school=school, action=audit.Action.LIST, object_type="flag",
                     summary=f"signalering: {count(n, 'signalering', 'signaleringen')}")


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


def record_first_action(students, when, *, by=None, note="interventieplan gestart"):
    """A plan was started for these students (one or several): the first action on an open or
    acknowledged flag (kept once; the time from raised_on to first_action_on is what a school
    leader reads). A few queries, whatever the number of students."""
    if isinstance(students, Student):
        students = [students]
    flags = list(Flag.objects.filter(
        student__in=students, resolved_on__isnull=True, first_action_on__isnull=True,
        status__in=[Flag.Status.OPEN, Flag.Status.ACKNOWLEDGED]))
    for flag in flags:
        flag.first_action_on = when
    Flag.objects.bulk_update(flags, ["first_action_on"])
    FlagEvent.objects.bulk_create([
        FlagEvent(flag=flag, at=when, kind="first_action", level=flag.level, reasons=flag.reasons,
                  by=by, note=note) for flag in flags])
    return len(flags)



# --- Rule and norm settings (school leaders) ---------------------------------------------------

def _reflag_after_commit(school):
    # Recomputing is a job of its own: its failure is logged and the saved change stays; when
    # the broker is down it runs here, after the commit.
    queue_after_commit(flag_school, school.pk, if_refused=run_here)


@transaction.atomic
def save_rules(*, actor, school, settings):
    """Store the school's rules; returns the names of the settings that changed, or None
    when nothing was stored. The first save stores the rules even when they are the standard
    ones: the school has then looked at them and made them its own (the set-up checklist
    counts that). The flags are recomputed after commit, so a change shows at once."""
    rules = RiskRules.objects.select_for_update().filter(school=school).first()
    try:
        before = RiskSettings.from_values(rules.values if rules else {}).to_values()
    except ValidationError:
        before = {}  # stored values were broken: everything counts as changed
    after = settings.to_values()
    changed = sorted(name for name, value in after.items() if before.get(name) != value)
    if not changed and rules:
        return None
    rules = rules or RiskRules(school=school)
    rules.values, rules.updated_by = after, actor
    rules.save()
    audit.record(user=actor, school=school, action=audit.Action.UPDATE, obj=rules,
                 summary=("signaleringsregels gewijzigd: " + ", ".join(changed)) if changed
                 else "signaleringsregels vastgesteld: de standaardregels, ongewijzigd")
    if changed:
        _reflag_after_commit(school)
    return changed


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


# --- Export -----------------------------------------------------------------------------------

def export_risk(*, actor, school, out):
    """The risk export (CSV) of one school, written to `out`; audited."""
    n = write_risk_csv(school, out)
    audit.record(user=actor, school=school, action=audit.Action.EXPORT, object_type="flag",
                 summary=f"risico-export: {count(n, 'leerling', 'leerlingen')}")
    return n


# --- Notifications ----------------------------------------------------------------------------

def mark_read(*, notification):
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(*, user):
    return notifications_for(user).filter(read_at__isnull=True).update(read_at=timezone.now())
