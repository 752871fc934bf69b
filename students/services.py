"""Write functions for students: used by the UI, the roster import and the demo data."""

from dataclasses import dataclass

from django.db import transaction

from portal import audit

from .models import Student

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
    Student.objects.bulk_create(to_create, batch_size=1000)
    Student.objects.bulk_update(to_update, ROSTER_FIELDS, batch_size=1000)
    result.created, result.updated = len(to_create), len(to_update)
    if to_create or to_update:
        audit.record(
            user=actor, school=school, action=audit.Action.IMPORT, object_type="student",
            summary=f"leerlingenbestand: {result.created} nieuw, {result.updated} bijgewerkt",
        )
    return result


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
