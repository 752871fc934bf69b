"""The flagging run: recompute a school's flags from the rules, raise, change and resolve.

A flag's life (one current flag per student; every step is a FlagEvent): a run raises a flag
(open) when the level becomes aandacht or hoog, raises it higher (open again), lowers it,
records changed reasons, and resolves it when the level is geen again or the student left.
New and raised flags notify the mentor in the portal and by e-mail. The mentor acknowledges
a flag (seen; it waits for a plan) or dismisses it with a reason: a dismissed flag keeps the
picture the mentor judged and is not raised again at the same or a lower level; a higher
level opens it again (students.flags.services).

Flagging is set-based: a handful of queries per school whatever its size, then one pass in
Python, then bulk writes, all in one transaction under a per-school lock.
bench/flagging.py measures it for 50,000 students.
"""

from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from portal import mail
from portal.models import School
from students.models import Flag, FlagEvent, Notification, Student

from .notify import NOTIFICATION_FIELDS, mentor_mails, notification_rows
from .rules import assess
from .writes import insert_rows, update_flags

# pg_advisory_xact_lock(namespace, school id): one flagging run per school at a time.
LOCK_NAMESPACE = 0x666C6167  # "flag"


@dataclass
class FlagRun:
    """What one run changed; a second run on the same data changes nothing."""

    students: int = 0
    raised: int = 0
    raised_higher: int = 0
    lowered: int = 0
    changed: int = 0
    resolved: int = 0
    unchanged: int = 0
    notified: int = 0

    def __str__(self):
        return (f"students: {self.students} / raised: {self.raised} / raised higher: "
                f"{self.raised_higher} / lowered: {self.lowered} / reasons changed: {self.changed}"
                f" / resolved: {self.resolved} / unchanged: {self.unchanged} / notified: {self.notified}")


def _lock(school):
    """Serialise runs for one school. PostgreSQL: a transaction-level advisory lock (it does
    not block anything else that touches the school). SQLite serialises writing transactions
    itself; the partial unique constraint on Flag stays the last line of defence."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [LOCK_NAMESPACE, school.pk % 2**31])
            # The grade aggregate has ~12 groups per student; gathering partial aggregates from
            # parallel workers costs more than it saves (bench/flagging.py: 1,4 s -> 0,9 s),
            # and so does compiling it with JIT (bench/import_scores.py: 3,2 s -> 1,8 s for
            # 50,000 students). LOCAL: it ends with the transaction (an enclosing one, when
            # there is one).
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cursor.execute("SET LOCAL jit = off")
    elif connection.features.has_select_for_update:
        list(School.objects.select_for_update().filter(pk=school.pk).values_list("pk"))


def flag_students(school, *, now=None, students=None):
    """Recompute the flags of the school's active students: raise, change, resolve.

    `students` (ids) limits the run to those students: after an import, the students whose
    scores changed (a student among them who left has the flag resolved); the flags of the
    others wait for the next run of the whole school (nightly), which also resolves the flags
    of every student who left.

    Set-based (a fixed number of queries whatever the number of students), idempotent (a
    second run on the same data writes nothing) and safe to run twice at the same time (one
    run waits for the other under a per-school lock, then finds nothing to do). New and
    raised flags notify the student's mentor in the portal and by e-mail (after commit).
    """
    now = now or timezone.now()
    on = timezone.localdate(now)
    active = Student.objects.filter(school=school, is_active=True)
    flags = Flag.objects.filter(student__school=school, resolved_on__isnull=True)
    if students is not None:
        students = list(students)
        active, flags = active.filter(pk__in=students), flags.filter(student__in=students)
    with transaction.atomic():
        _lock(school)
        assessments = assess(school, on=on, students=active)
        current = {f.student_id: f for f in flags}
        run, plan = FlagRun(students=len(assessments)), _Plan()
        for student_id, assessment in assessments.items():
            _decide(plan, run, current.pop(student_id, None), assessment, now)
        for flag in current.values():  # students who left school
            _resolve(plan, run, flag, now, note="leerling niet meer actief")
        _write(plan, now)
        run.notified = sum(1 for _f, _k, student in plan.notify if student.mentor_id)
        mails = mentor_mails(plan.notify)
        if mails:  # after commit: a mail server that fails must not undo or hide the flags
            transaction.on_commit(lambda: mail.send(mails))
    return run


@dataclass
class _Plan:
    create: list = field(default_factory=list)   # (Flag, Assessment)
    update: list = field(default_factory=list)
    events: list = field(default_factory=list)   # (flag, kind, level, reasons, note)
    notify: list = field(default_factory=list)   # (Flag, kind, StudentRow)


def _event(plan, flag, kind, now, note=""):
    plan.events.append((flag, kind, flag.level, flag.reasons, note))


def _resolve(plan, run, flag, now, note=""):
    flag.status, flag.resolved_on, flag.changed_on = Flag.Status.RESOLVED, now, now
    plan.update.append(flag)
    _event(plan, flag, "resolved", now, note)
    run.resolved += 1


def _decide(plan, run, flag, a, now):
    level, reasons, projection, rule = a.level, a.reasons, a.projection_code, a.projection_rule
    if flag is None:
        if level:
            flag = Flag(student_id=a.student.pk, level=level, reasons=reasons,
                        status=Flag.Status.OPEN, raised_on=now, changed_on=now,
                        projection=projection, projection_rule=rule)
            plan.create.append(flag)
            _event(plan, flag, "raised", now)
            plan.notify.append((flag, "raised", a.student))
            run.raised += 1
        return
    if not level:
        _resolve(plan, run, flag, now)
        return
    same_content = (flag.reasons == reasons and flag.projection == projection
                    and flag.projection_rule == rule)
    dismissed = flag.status == Flag.Status.DISMISSED
    if level > flag.level:
        # Higher than the mentor saw (or dismissed): open again and tell the mentor.
        note = "opnieuw gesignaleerd na afwijzing" if dismissed else ""
        flag.level, flag.reasons, flag.status, flag.changed_on = level, reasons, Flag.Status.OPEN, now
        flag.projection, flag.projection_rule = projection, rule
        if dismissed:
            flag.dismissed_by, flag.dismissed_on, flag.dismiss_reason = None, None, ""
        plan.update.append(flag)
        _event(plan, flag, "raised_higher", now, note)
        plan.notify.append((flag, "raised_higher", a.student))
        run.raised_higher += 1
    elif dismissed:
        # The mentor judged this picture; keep it as they saw it unless it gets worse.
        run.unchanged += 1
    elif level < flag.level:
        flag.level, flag.reasons, flag.changed_on = level, reasons, now
        flag.projection, flag.projection_rule = projection, rule
        plan.update.append(flag)
        _event(plan, flag, "lowered", now)
        run.lowered += 1
    elif not same_content:
        flag.reasons, flag.changed_on = reasons, now
        flag.projection, flag.projection_rule = projection, rule
        plan.update.append(flag)
        _event(plan, flag, "changed", now)
        run.changed += 1
    else:
        run.unchanged += 1


def _write(plan, now):
    names = [f.name for f in Flag._meta.concrete_fields if not f.primary_key]
    attnames = [Flag._meta.get_field(name).attname for name in names]
    created = [tuple(getattr(flag, a) for a in attnames) for flag in plan.create]
    for flag, pk in zip(plan.create, insert_rows(Flag, names, created, returning=True)):
        flag.pk = pk
    update_flags(plan.update)
    insert_rows(FlagEvent, ["flag", "at", "kind", "level", "reasons", "by", "note"], [
        (flag.pk, now, kind, level, reasons, None, note)
        for flag, kind, level, reasons, note in plan.events])
    insert_rows(Notification, NOTIFICATION_FIELDS, notification_rows(plan.notify, now))
