"""Write functions for students: used by the UI, the roster import and the demo data."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from portal import audit

from .models import (
    Category, MentorAssignment, Severity, Signal, Student, Subject, Transfer, WeekNote,
)

# The subjects most Dutch vo schools teach; a school adds its own through the admin.
# Fields a roster (the school's student information system) is the source of truth for.
ROSTER_FIELDS = (
    "given_name", "tussenvoegsel", "family_name", "date_of_birth", "level", "combined_level", "leerjaar",
    "class_code", "mentor_id", "enrolled_on", "is_active", "sex",
)


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def upsert_students(*, school, records, actor=None):
    """Create or update students by student number in one transaction; idempotent.

    `records` are dicts with `student_number` and any of ROSTER_FIELDS. Students not in the
    records are left alone (a roster may be partial).
    """
    records = {r["student_number"]: r for r in records}
    existing = {
        s.student_number: s
        for s in Student.objects.filter(school=school, student_number__in=list(records))
    }
    original_mentor = {s.pk: s.mentor_id for s in existing.values()}
    to_create, to_update, result = [], [], UpsertResult()
    for number, record in records.items():
        student = existing.get(number)
        if student is None:
            to_create.append(Student(school=school, **record))
            continue
        changed = False
        for field in ROSTER_FIELDS:
            if field in record and getattr(student, field) != record[field]:
                setattr(student, field, record[field])
                changed = True
        if changed:
            to_update.append(student)
        else:
            result.unchanged += 1
    for student in to_create + to_update:
        # Field checks in Python; the database constraints stay the last line of defence.
        student.full_clean(
            exclude=["school", "mentor"], validate_unique=False, validate_constraints=False
        )
    mentor_changed = [
        s for s in to_update if s.mentor_id != original_mentor.get(s.pk)
    ]
    for student in to_create + to_update:
        student.sync_left_on()  # bulk writes bypass Student.save()
    Student.objects.bulk_create(to_create, batch_size=1000)
    Student.objects.bulk_update(to_update, [*ROSTER_FIELDS, "left_on"], batch_size=1000)
    record_mentor_changes(to_create + mentor_changed)
    result.created, result.updated = len(to_create), len(to_update)
    if to_create or to_update:
        audit.record(
            user=actor, school=school, action=audit.Action.IMPORT, object_type="student",
            summary=f"leerlingenbestand: {result.created} nieuw, {result.updated} bijgewerkt",
        )
    return result


def mark_left(*, school, student_ids, on, actor=None):
    """Mark these active students of `school` as left on `on`: inactive, with the leaving date
    the retention period runs from (students.privacy). Never deletes; a later roster that lists
    a student makes them active again. Audited per student. Returns how many were marked."""
    students = list(Student.objects.filter(school=school, pk__in=list(student_ids), is_active=True)
                    .only("pk", "student_number"))
    if not students:
        return 0
    Student.objects.filter(pk__in=[s.pk for s in students]).update(is_active=False, left_on=on)
    when = on.strftime("%d-%m-%Y")
    audit.record_many(user=actor, entries=[
        (school, audit.Action.UPDATE, s, f"leerling {s.student_number}: uitgeschreven per {when} "
                                         "(niet in het volledige leerlingenbestand)")
        for s in students])
    audit.record(user=actor, school=school, action=audit.Action.IMPORT, object_type="student",
                 summary=f"volledig leerlingenbestand: {len(students)} uitgeschreven per {when}")
    return len(students)


def record_mentor_changes(students, *, on=None):
    """Close each student's current mentor assignment and open one for the new mentor."""
    if not students:
        return
    on = on or timezone.localdate()
    MentorAssignment.objects.filter(
        student__in=[s.pk for s in students], ended_on__isnull=True
    ).update(ended_on=on)
    MentorAssignment.objects.bulk_create(
        [MentorAssignment(student=s, mentor_id=s.mentor_id, started_on=on)
         for s in students if s.mentor_id],
        batch_size=1000,
    )


@transaction.atomic
def update_student(*, actor, student, changes):
    """Save the changed fields of a student and log which ones (names, not values)."""
    changed = list(changes)
    if not changed:
        return []
    for field, value in changes.items():
        setattr(student, field, value)
    student.save(update_fields=changed)
    audit.record(
        user=actor, school=student.school, action=audit.Action.UPDATE, obj=student,
        summary=f"leerling {student.student_number}: {', '.join(sorted(changed))}",
    )
    return changed


def record_view(*, user, student):
    audit.record(
        user=user, school=student.school, action=audit.Action.VIEW, obj=student,
        summary=f"leerling {student.student_number}",
    )


def record_list(*, user, schools, count, what):
    for school in schools:
        audit.record(
            user=user, school=school, action=audit.Action.LIST, object_type="student",
            summary=f"{what}: {count} leerlingen",
        )


def _version(obj, fields):
    """A JSON snapshot of an object's current values, for its `history`."""
    snapshot = {f: getattr(obj, f) for f in fields}
    snapshot["at"] = timezone.now().isoformat(timespec="seconds")
    return snapshot


@dataclass
class WeekEntry:
    student: Student
    severities: dict  # Category -> Severity
    subject_id: int | None = None  # for the cognitive category
    note: str = ""


@transaction.atomic
def record_week(*, author, week, entries):
    """Save a mentor's week grid: one signal per student and category, one note per student.

    Idempotent: saving the same grid again changes nothing. A changed value keeps the old
    one in `history`. "Geen" is stored only where it closes something (an earlier value
    this week, or last week's open concern); empty cells stay empty.
    Returns the number of students whose record changed.
    """
    students = [e.student for e in entries]
    # Two saves of the same grid at once (a double click, two tabs) take turns, so the second
    # finds the first one's signals instead of failing on the unique constraint.
    list(Student.objects.select_for_update().filter(pk__in=[s.pk for s in students])
         .order_by("pk").values_list("pk", flat=True))
    existing = {(s.student_id, s.category): s
                for s in Signal.objects.filter(student__in=students, week=week)}
    open_last_week = set(
        Signal.objects.filter(student__in=students, week=week - timedelta(days=7),
                              severity__gte=Severity.ATTENTION)
        .values_list("student_id", "category")
    )
    notes = {n.student_id: n for n in WeekNote.objects.filter(student__in=students, week=week)}
    to_create, to_update, notes_create, notes_update, changed = [], [], [], [], set()
    for entry in entries:
        sid = entry.student.pk
        for category, severity in entry.severities.items():
            subject_id = entry.subject_id if category == Category.COGNITIVE else None
            signal = existing.get((sid, category))
            if signal is None:
                if severity > Severity.NONE or (sid, category) in open_last_week:
                    to_create.append(Signal(student=entry.student, week=week, category=category,
                                            severity=severity, subject_id=subject_id, author=author))
                    changed.add(sid)
            elif signal.severity != severity or signal.subject_id != subject_id:
                signal.history = [*signal.history, _version(signal, SIGNAL_FIELDS)]
                signal.severity, signal.subject_id, signal.author = severity, subject_id, author
                to_update.append(signal)
                changed.add(sid)
        note = entry.note.strip()
        current = notes.get(sid)
        if current is None and note:
            notes_create.append(WeekNote(student=entry.student, week=week, note=note, author=author))
            changed.add(sid)
        elif current is not None and current.note != note:
            current.history = [*current.history, _version(current, ("note", "author_id"))]
            current.note, current.author = note, author
            notes_update.append(current)
            changed.add(sid)
    Signal.objects.bulk_create(to_create)
    for signal in to_update:
        signal.updated_at = timezone.now()
    Signal.objects.bulk_update(to_update, ["severity", "subject", "author", "history", "updated_at"])
    WeekNote.objects.bulk_create(notes_create)
    for note in notes_update:
        note.updated_at = timezone.now()
    WeekNote.objects.bulk_update(notes_update, ["note", "author", "history", "updated_at"])
    by_pk = {e.student.pk: e.student for e in entries}
    audit.record_many(user=author, entries=[
        (by_pk[sid].school, audit.Action.UPDATE, by_pk[sid],
         f"leerling {by_pk[sid].student_number}: signalen week {week:%G-W%V}")
        for sid in sorted(changed)
    ])
    return len(changed)


SIGNAL_FIELDS = ("severity", "subject_id", "note", "author_id")


# Fields of a student's warme overdracht that its file is the source of truth for.
TRANSFER_FIELDS = (
    "primary_school", "advice", "adjusted_advice", "lwoo", "test", "test_score", "test_advice",
    "reading", "spelling", "maths", "support_needs", "notes",
)


def transfer_changes(records):
    """What writing `records` would do: (new Transfers, changed Transfers, unchanged count).

    `records` are dicts with `student_id` and any of TRANSFER_FIELDS; a field not in a record
    (its column was not in the file) keeps its stored value.
    """
    existing = {t.student_id: t for t in
                Transfer.objects.filter(student__in=[r["student_id"] for r in records])}
    to_create, to_update, unchanged = [], [], 0
    for record in records:
        values = {f: record[f] for f in TRANSFER_FIELDS if f in record}
        transfer = existing.get(record["student_id"])
        if transfer is None:
            to_create.append(Transfer(student_id=record["student_id"], **values))
        elif any(getattr(transfer, f) != v for f, v in values.items()):
            for field, value in values.items():
                setattr(transfer, field, value)
            to_update.append(transfer)
        else:
            unchanged += 1
    return to_create, to_update, unchanged


@transaction.atomic
def upsert_transfers(*, school, records, actor=None):
    """Create or update the warme overdracht of the school's students, one per student, in one
    transaction; idempotent. Students not in the records keep theirs."""
    to_create, to_update, unchanged = transfer_changes(records)
    now = timezone.now()
    for transfer in to_create + to_update:
        transfer.updated_at = now
        transfer.full_clean(exclude=["student"], validate_unique=False, validate_constraints=False)
    Transfer.objects.bulk_create(to_create, batch_size=1000)
    Transfer.objects.bulk_update(to_update, [*TRANSFER_FIELDS, "updated_at"], batch_size=1000)
    result = UpsertResult(created=len(to_create), updated=len(to_update), unchanged=unchanged)
    if to_create or to_update:
        audit.record(
            user=actor, school=school, action=audit.Action.IMPORT, object_type="transfer",
            summary=f"warme overdracht: {result.created} nieuw, {result.updated} bijgewerkt",
        )
    return result
