"""A student's personal data under the AVG (GDPR): everything the portal holds about one
student for a right-of-access request (article 15), and the anonymisation of students who
left school longer ago than the retention period (article 5(1)(e), storage limitation).

Anonymising keeps every row that figures are computed from — grades, signals' category,
severity and week, flags with their level and dates, plans with their dates, status and
intervention, evaluations' results, promotion decisions — so retention rates, the school
scan and the dashboards do not change. It removes what points at the person: names, date
of birth, student number (a pseudonym instead) and every free text a person typed.
"""

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access, audit, numbers
from portal.exports import safe_cell
from portal.models import AuditEntry, Role

from . import hooks
from .models import (
    ActionItem, AdviceMoment, Conversation, Flag, FlagEvent, ImportJob, MentorAssignment, Notification,
    PromotionDecision, ReviewItem, Score, Signal, StandardisedResult, Student, Transfer, WeekNote,
)

# A pseudonymised student number: the prefix and the row's own id (unique per school, and
# saying nothing about the person). It also marks a student as anonymised already.
PSEUDONYM_PREFIX = "anon-"
ANONYMOUS_NAME = "Oud-leerling"
ANONYMISED_TEXT = "geanonimiseerd"
NOTIFICATION_TEXT = f"melding over een oud-leerling ({ANONYMISED_TEXT})"


# --- Right of access: the full export -----------------------------------------------------------

def can_export(user, student):
    """Only a school leader of the student's school hands out a student's full record."""
    return student.school_id in access.school_ids(user, (Role.LEADER,))


def person(user):
    """How the export names a user (also in the sections later apps add)."""
    return str(user) if user is not None else ""


def _about_student(student):
    """Audit entries about the student: on the student itself, or naming their number."""
    number = re.escape(student.student_number)
    return AuditEntry.objects.filter(school_id=student.school_id).filter(
        Q(object_type="student", object_id=str(student.pk))
        | Q(summary__regex=rf"leerling {number}(?![0-9A-Za-z])")
    ).select_related("user").order_by("at", "pk")


def student_record(student):
    """Everything the portal holds about one student, as plain data (dicts and lists).

    `student` comes from a scoped read; a few queries per kind, never one per row. What later
    apps hold (plans, evaluations) comes from their sections in students.hooks, after the flags
    that plans answer.
    """
    flags = list(Flag.objects.filter(student=student)
                 .select_related("acknowledged_by", "dismissed_by").order_by("raised_on", "pk"))
    events = FlagEvent.objects.filter(flag__student=student).select_related("by").order_by("flag", "at", "pk")
    items = list(ReviewItem.objects.filter(student=student).select_related("review")
                 .order_by("review__held_on", "pk"))
    actions = ActionItem.objects.filter(item__student=student).select_related("owner").order_by("due_on", "pk")
    record = {
        "student": {
            "school": student.school.name, "brin": student.school.brin,
            "student_number": student.student_number, "given_name": student.given_name,
            "tussenvoegsel": student.tussenvoegsel, "family_name": student.family_name,
            "date_of_birth": student.date_of_birth, "sex": student.sex, "level": student.level,
            "combined_level": student.level_name if student.combined_level else "",
            "leerjaar": student.leerjaar, "class": student.class_code, "mentor": person(student.mentor),
            "enrolled_on": student.enrolled_on, "active": student.is_active, "left_on": student.left_on,
            "primary_school_notes": student.primary_school_notes,
        },
        "mentor_history": [
            {"mentor": person(a.mentor), "from": a.started_on, "until": a.ended_on}
            for a in MentorAssignment.objects.filter(student=student).select_related("mentor")
            .order_by("started_on", "pk")
        ],
        "scores": [
            {"subject": s.subject.name, "test": s.test, "date": s.date,
             "grade": _as_written(s.grade),
             "mark": s.get_mark_display(), "school_exam": s.is_school_exam,
             "weight": s.weight, "period": s.period}
            for s in Score.objects.filter(student=student).select_related("subject").order_by("date", "pk")
        ],
        "standardised_results": [
            {"test": r.test, "domain": r.domain, "date": r.date, "level": r.level,
             "reference_level": r.reference_level, "level_advice": r.level_advice_label,
             "ability": r.ability}
            for r in StandardisedResult.objects.filter(student=student).order_by("date", "pk")
        ],
        "transfer": [
            {"primary_school": t.primary_school, "advice": t.advice, "adjusted_advice": t.adjusted_advice,
             "lwoo": t.lwoo, "test": t.test, "test_score": t.test_score, "test_advice": t.test_advice,
             "reading": t.reading, "spelling": t.spelling, "maths": t.maths,
             "support_needs": t.support_needs, "notes": t.notes, "imported_at": t.updated_at}
            for t in Transfer.objects.filter(student=student)
        ],
        "signals": [
            {"week": s.week, "category": s.category, "subject": s.subject.name if s.subject else "",
             "severity": s.severity, "note": s.note, "recorded_by": person(s.author),
             "recorded_at": s.created_at, "changed_at": s.updated_at, "earlier_versions": s.history}
            for s in Signal.objects.filter(student=student).select_related("subject", "author")
            .order_by("week", "category")
        ],
        "week_notes": [
            {"week": n.week, "note": n.note, "recorded_by": person(n.author), "changed_at": n.updated_at,
             "earlier_versions": n.history}
            for n in WeekNote.objects.filter(student=student).select_related("author").order_by("week")
        ],
        "flags": [
            {"flag": f.pk, "risk": f.level, "status": f.status,
             "reasons": [r.get("text", "") for r in f.reasons], "raised_on": f.raised_on,
             "changed_on": f.changed_on, "resolved_on": f.resolved_on,
             "acknowledged_by": person(f.acknowledged_by), "acknowledged_on": f.acknowledged_on,
             "dismissed_by": person(f.dismissed_by), "dismissed_on": f.dismissed_on,
             "dismiss_reason": f.dismiss_reason, "first_action_on": f.first_action_on,
             "projection": f.projection, "projection_rule": f.projection_rule}
            for f in flags
        ],
        "flag_events": [
            {"flag": e.flag_id, "at": e.at, "what": e.kind, "risk": e.level,
             "reasons": [r.get("text", "") for r in e.reasons], "by": person(e.by), "note": e.note}
            for e in events
        ],
    }
    for section in hooks.export_sections:
        record.update(section(student))
    record.update({
        "conversations": [
            {"date": c.held_on, "participants": c.participants, "agreements": c.agreements,
             "follow_up_on": c.follow_up_on, "recorded_by": person(c.author)}
            for c in Conversation.objects.filter(student=student).select_related("author")
            .order_by("held_on", "pk")
        ],
        "team_reviews": [
            {"item": i.pk, "review_date": i.review.held_on, "class": i.review.class_code,
             "leerjaar": i.review.leerjaar, "why_on_the_agenda": i.reason, "conclusion": i.conclusion}
            for i in items
        ],
        "team_review_actions": [
            {"item": a.item_id, "action": a.description, "owner": person(a.owner), "due_on": a.due_on,
             "done_on": a.done_on}
            for a in actions
        ],
        "advice_moments": [
            {"school_year": a.school_year, "moment": a.moment, "given_on": a.given_on,
             "prognosis": a.prognosis, "reasons": a.reasons, "conversation": a.conversation,
             "given_by": person(a.given_by)}
            for a in AdviceMoment.objects.filter(student=student).select_related("given_by")
            .order_by("given_on", "pk")
        ],
        "promotion_decisions": [
            {"school_year": d.school_year, "decision": d.decision, "level": d.level, "leerjaar": d.leerjaar,
             "decided_on": d.decided_on, "decided_by": person(d.decided_by), "justification": d.justification}
            for d in PromotionDecision.objects.filter(student=student).select_related("decided_by")
            .order_by("school_year")
        ],
        "audit_log": [
            {"at": e.at, "who": person(e.user), "action": e.action, "what": e.summary}
            for e in _about_student(student)
        ],
    })
    return record


def _as_written(grade):
    """A stored grade with the decimals it was given: 6,50 is 6,5, 6,75 stays 6,75."""
    return None if grade is None else grade.quantize(Decimal(1).scaleb(-numbers.grade_places(grade)))


def _csv_value(value):
    """A cell as a Dutch spreadsheet reads it: dd-mm-jjjj dates, decimal commas, lists as
    JSON; never something a spreadsheet would run as a formula."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).strftime("%d-%m-%Y %H:%M") if timezone.is_aware(value) \
            else value.strftime("%d-%m-%Y %H:%M")
    elif isinstance(value, date):
        value = value.strftime("%d-%m-%Y")
    elif isinstance(value, Decimal):  # as many decimals as stored: 6,50 stays 6,50
        value = numbers.number(value, max(0, -value.as_tuple().exponent), grouping=False,
                               language="nl")
    elif isinstance(value, bool):
        value = "ja" if value else "nee"
    elif isinstance(value, (list, dict)):
        value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
    return safe_cell(value)


def _csv(rows):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if rows:
        writer.writerow(list(rows[0]))
        for row in rows:
            writer.writerow([_csv_value(v) for v in row.values()])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8


def export_archive(*, actor, student):
    """The student's full record as a ZIP: one JSON file (machine readable) and one CSV per
    kind (for a spreadsheet). Audited. Returns (file name, bytes)."""
    record = student_record(student)
    stamp = timezone.localdate().isoformat()
    base = f"leerling-{student.student_number}-{stamp}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{base}/{base}.json",
                         json.dumps(record, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        archive.writestr(f"{base}/student.csv", _csv([record["student"]]))
        for kind, rows in record.items():
            if kind != "student":
                archive.writestr(f"{base}/{kind}.csv", _csv(rows))
    audit.record(user=actor, school=student.school, action=audit.Action.EXPORT, obj=student,
                 summary=f"leerling {student.student_number}: volledig dossier (inzageverzoek)")
    return f"{base}.zip", buffer.getvalue()


# --- Retention: anonymising students who left long ago ------------------------------------------

def retention_cutoff(today=None, years=None):
    """Students who left before this day are past the retention period."""
    today = today or timezone.localdate()
    years = settings.STUDENT_RETENTION_YEARS if years is None else years
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def leavers_to_anonymise(today=None):
    return (Student.objects.filter(is_active=False, left_on__lt=retention_cutoff(today))
            .exclude(student_number__startswith=PSEUDONYM_PREFIX))


@dataclass
class AnonymiseResult:
    students: int = 0
    per_school: dict = field(default_factory=dict)  # BRIN -> number of students


def _pseudonymise_audit(students):
    """Audit summaries name students by number: give them the pseudonym instead."""
    by_number = {}
    for s in students:
        by_number.setdefault(s.school_id, {})[s.student_number] = f"{PSEUDONYM_PREFIX}{s.pk}"
    changed = []
    for school_id, numbers in by_number.items():
        pattern = "leerling (" + "|".join(re.escape(n) for n in numbers) + ")(?![0-9A-Za-z])"
        compiled = re.compile(pattern)
        for entry in AuditEntry.objects.filter(school_id=school_id, summary__regex=pattern):
            entry.summary = compiled.sub(lambda m: f"leerling {numbers[m.group(1)]}", entry.summary)
            changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["summary"], batch_size=500)


def _anonymise(students):
    ids = [s.pk for s in students]
    Signal.objects.filter(student__in=ids).update(note="", history=[])
    WeekNote.objects.filter(student__in=ids).update(note="", history=[])
    Conversation.objects.filter(student__in=ids).update(participants="", agreements="")
    Transfer.objects.filter(student__in=ids).update(primary_school="", support_needs="", notes="")
    for anonymise in hooks.anonymisers:  # plans and evaluations, notifications about them
        anonymise(ids)
    Flag.objects.filter(student__in=ids).update(dismiss_reason="")
    FlagEvent.objects.filter(flag__student__in=ids).update(note="")
    Notification.objects.filter(flag__student__in=ids).update(text=NOTIFICATION_TEXT)
    ReviewItem.objects.filter(student__in=ids).update(reason="", conclusion="")
    ActionItem.objects.filter(item__student__in=ids).update(description=ANONYMISED_TEXT)
    AdviceMoment.objects.filter(student__in=ids).update(reasons=ANONYMISED_TEXT, conversation="")
    PromotionDecision.objects.filter(student__in=ids).update(justification="")
    _pseudonymise_audit(students)
    Student.objects.filter(pk__in=ids).update(
        student_number=Concat(Value(PSEUDONYM_PREFIX), Cast("pk", CharField())),
        given_name=ANONYMOUS_NAME, tussenvoegsel="", family_name="", date_of_birth=None,
        primary_school_notes="",
    )


def anonymise_leavers(today=None, *, dry_run=False, batch_size=500):
    """Anonymise every student who left more than STUDENT_RETENTION_YEARS ago (see the module
    docstring for what goes and what stays). Idempotent: an anonymised student carries a
    pseudonym and is not selected again. Audited with counts only, one entry per school.
    With `dry_run`, only counts."""
    leavers = list(leavers_to_anonymise(today).select_related("school").order_by("pk"))
    result = AnonymiseResult(students=len(leavers))
    for student in leavers:
        brin = student.school.brin
        result.per_school[brin] = result.per_school.get(brin, 0) + 1
    if dry_run or not leavers:
        return result
    with transaction.atomic():
        for start in range(0, len(leavers), batch_size):
            _anonymise(leavers[start:start + batch_size])
        schools = {s.school.brin: s.school for s in leavers}
        for brin, count in sorted(result.per_school.items()):
            audit.record(user=None, school=schools[brin], action=audit.Action.DELETE, object_type="student",
                         summary=f"bewaartermijn verstreken: {count} oud-leerling(en) geanonimiseerd")
    return result


# --- Uploads nobody confirmed ------------------------------------------------------------------

def forget_unconfirmed_imports(now=None, *, days=None):
    """Uploads that were previewed (or rejected and kept for the mapping step) but never
    confirmed hold a roster or a grade list with names. After IMPORT_PREVIEW_DAYS (default 7)
    the file is deleted and the rows and errors shown in its preview are cleared; the job stays
    as a rejected import ("the preview has expired"), so the list of imports keeps its history.
    Idempotent. Returns the number of jobs cleared."""
    now = now or timezone.now()
    days = settings.IMPORT_PREVIEW_DAYS if days is None else days
    stale = list(ImportJob.objects.filter(
        status__in=[ImportJob.Status.PREVIEW, ImportJob.Status.REJECTED],
        created_at__lt=now - timedelta(days=days),
    ).filter(~Q(file="") | ~Q(preview_rows=[])).select_related("school"))
    expired = _("The preview has expired and the file was removed; upload it again to import it.")
    with transaction.atomic():
        for job in stale:
            if job.file:
                file = job.file
                transaction.on_commit(lambda file=file: file.storage.delete(file.name))
            job.file, job.preview_rows, job.status = "", [], ImportJob.Status.REJECTED
            job.errors = [{"row": None, "column": "", "value": "", "reason": str(expired)}]
            job.save(update_fields=["file", "preview_rows", "status", "errors"])
        per_school = {}
        for job in stale:
            per_school.setdefault(job.school, []).append(job)
        for school, jobs in per_school.items():
            audit.record(user=None, school=school, action=audit.Action.DELETE, object_type="importjob",
                         summary=f"{len(jobs)} onbevestigde upload(s) ouder dan {days} dagen verwijderd")
    return len(stale)
