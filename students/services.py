"""Write functions for students: used by the UI, the roster import and the demo data."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from portal import audit

from .models import MentorAssignment, Student, Subject

# The subjects most Dutch vo schools teach; a school adds its own through the admin.
STANDARD_SUBJECTS = [
    ("ne", "Nederlands", True), ("en", "Engels", True), ("wi", "wiskunde", True),
    ("fa", "Frans", False), ("du", "Duits", False), ("gs", "geschiedenis", False),
    ("ak", "aardrijkskunde", False), ("bi", "biologie", False), ("na", "natuurkunde", False),
    ("sk", "scheikunde", False), ("ec", "economie", False), ("lo", "lichamelijke opvoeding", False),
]

# Fields a roster (the school's student information system) is the source of truth for.
ROSTER_FIELDS = (
    "given_name", "tussenvoegsel", "family_name", "date_of_birth", "level", "leerjaar",
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
    Student.objects.bulk_create(to_create, batch_size=1000)
    Student.objects.bulk_update(to_update, ROSTER_FIELDS, batch_size=1000)
    record_mentor_changes(to_create + mentor_changed)
    result.created, result.updated = len(to_create), len(to_update)
    if to_create or to_update:
        audit.record(
            user=actor, school=school, action=audit.Action.IMPORT, object_type="student",
            summary=f"leerlingenbestand: {result.created} nieuw, {result.updated} bijgewerkt",
        )
    return result


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


def ensure_standard_subjects(school):
    """Create the standard subjects a school does not have yet (idempotent)."""
    Subject.objects.bulk_create(
        [Subject(school=school, code=code, name=name, is_core=core)
         for code, name, core in STANDARD_SUBJECTS],
        ignore_conflicts=True,
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
