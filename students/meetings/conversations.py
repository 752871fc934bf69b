"""Driehoeksgesprekken: student, parent(s) and mentor agree on the way forward.

Writes run in one transaction and leave an audit entry that names the student by number,
never by name or by what was written.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import audit

from ..models import Conversation
from ..selectors import can_edit

# Audit entries name the changed fields in Dutch (see portal.audit).
CONVERSATION_FIELDS = {
    "held_on": "datum", "participants": "deelnemers", "agreements": "afspraken",
    "follow_up_on": "vervolgdatum",
}


def conversations_for(student):
    """A student's driehoeksgesprekken, newest first.

    `follow_up_overdue`: the follow-up date has passed and no conversation was held since.
    """
    today = timezone.localdate()
    later = Conversation.objects.filter(
        student=OuterRef("student"), held_on__gte=OuterRef("follow_up_on")
    ).exclude(pk=OuterRef("pk"))
    overdue = Q(follow_up_on__lt=today) & ~Exists(later)
    return student.conversations.select_related("author").annotate(
        follow_up_overdue=ExpressionWrapper(overdue, output_field=BooleanField())
    ).order_by("-held_on", "-pk")


def can_record_conversation(user, student):
    """The student's own mentor and the school's leaders record driehoeksgesprekken."""
    return can_edit(user, student)


def _check_follow_up(held_on, follow_up_on):
    if follow_up_on and follow_up_on < held_on:
        raise ValidationError({"follow_up_on": _(
            "The follow-up date cannot be before the conversation."
        )})


@transaction.atomic
def record_conversation(*, actor, student, held_on, participants, agreements, follow_up_on=None):
    _check_follow_up(held_on, follow_up_on)
    conversation = Conversation.objects.create(
        student=student, held_on=held_on, participants=participants.strip(),
        agreements=agreements.strip(), follow_up_on=follow_up_on, author=actor,
    )
    audit.record(user=actor, school=student.school, action=audit.Action.CREATE, obj=conversation,
                 summary=f"driehoeksgesprek leerling {student.student_number} "
                         f"{held_on:%d-%m-%Y} vastgelegd")
    return conversation


@transaction.atomic
def update_conversation(*, actor, conversation, **changes):
    """Change some of held_on, participants, agreements, follow_up_on; log which, not what."""
    unknown = set(changes) - set(CONVERSATION_FIELDS)
    if unknown:
        raise TypeError(f"unknown conversation fields: {sorted(unknown)}")
    for name in ("participants", "agreements"):
        if name in changes:
            changes[name] = changes[name].strip()
    changed = [name for name, value in changes.items() if getattr(conversation, name) != value]
    _check_follow_up(changes.get("held_on", conversation.held_on),
                     changes.get("follow_up_on", conversation.follow_up_on))
    if not changed:
        return []
    for name in changed:
        setattr(conversation, name, changes[name])
    conversation.save(update_fields=changed)
    student = conversation.student
    audit.record(user=actor, school=student.school, action=audit.Action.UPDATE, obj=conversation,
                 summary=f"driehoeksgesprek leerling {student.student_number} "
                         f"{conversation.held_on:%d-%m-%Y}: "
                         + ", ".join(CONVERSATION_FIELDS[name] for name in changed))
    return changed
