"""Audit log of who viewed or changed a student's data. Written by services and views."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import AuditEntry

Action = AuditEntry.Action


def record(*, user, school, action, obj=None, object_type="", summary=""):
    """Write one audit entry.

    `summary` names things by number ("leerling 123456"), never by name or note content, and
    is written in Dutch, the school's language: an audit record does not change with the
    reader's interface language.
    """
    return AuditEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        school=school,
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(obj.pk) if obj is not None else "",
        summary=summary[:255],
    )


def record_student_view(*, user, student, what=""):
    """Someone looked at (part of) a student's record; the entry names the student by number.

    The entry is on the student itself, so the log of one student (and the student's own
    data export) finds every view, whichever page it was on."""
    summary = f"leerling {student.student_number}" + (f": {what}" if what else "")
    return record(user=user, school=student.school, action=Action.VIEW, obj=student, summary=summary)


def record_many(*, user, entries):
    """Write several entries at once: `entries` are (school, action, obj, summary) tuples."""
    user = user if user is not None and user.is_authenticated else None
    AuditEntry.objects.bulk_create([
        AuditEntry(user=user, school=school, action=action, object_type=obj._meta.model_name,
                   object_id=str(obj.pk), summary=summary[:255])
        for school, action, obj, summary in entries
    ])


def purge_before(cutoff):
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


def purge_expired(now=None):
    """Delete entries past the retention period (AUDIT_RETENTION_DAYS)."""
    now = now or timezone.now()
    return purge_before(now - timedelta(days=settings.AUDIT_RETENTION_DAYS))
