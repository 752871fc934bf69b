"""Team student reviews (leerlingbespreking): the agenda, conclusions and actions.

Reads start from the one door (`students_for` / `access.scoped`); writes run in one
transaction and leave an audit entry that names students by number, never by name or by
what was written about them.
"""

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access, audit
from portal.models import User

from ..models import MAX_LEERJAAR, ActionItem, Level, ReviewItem, TeamReview
from ..selectors import students_for
from .suggestions import review_students, suggested_agenda

# Reasons are stored, and read by the whole team later, so they are written in Dutch (the
# school's language, students.wording) whatever the interface language of whoever built the agenda.
MANUAL_REASON = "handmatig toegevoegd"


# --- Team reviews: reads ------------------------------------------------------------------

def reviews_for(user):
    """Reviews of the schools where the user is a mentor, teacher or school leader."""
    return access.scoped(TeamReview.objects.select_related("school"), user)


def review_list(user):
    """The review overview: newest first, with agenda size and open actions."""
    return reviews_for(user).annotate(
        item_count=Count("items", distinct=True),
        open_action_count=Count("items__actions", distinct=True,
                                filter=Q(items__actions__done_on__isnull=True)),
    ).order_by("-held_on", "-pk")


def items_for(user):
    return access.scoped(ReviewItem.objects.select_related("review__school", "student"), user,
                         school_field="review__school")


def actions_for(user):
    return access.scoped(
        ActionItem.objects.select_related("item__review__school", "item__student", "owner"), user,
        school_field="item__review__school",
    )


def agenda(review):
    """The review's agenda items with their students and actions (three queries in all)."""
    actions = ActionItem.objects.select_related("owner").order_by(
        F("done_on").asc(nulls_first=True), "due_on", "pk"
    )
    return review.items.select_related("student").prefetch_related(
        Prefetch("actions", queryset=actions)
    ).order_by("student__family_name", "student__given_name", "pk")


def agenda_candidates(user, review):
    """Students of the review's scope who are not on its agenda yet (for adding by hand)."""
    return review_students(user, review).exclude(review_items__review=review).order_by(
        "family_name", "given_name", "pk"
    )


def action_owners(school):
    """Who may own an action: the school's mentors, teachers and school leaders."""
    return User.objects.filter(
        memberships__school=school, memberships__role__in=access.STUDENT_ROLES, is_active=True,
    ).distinct().order_by("last_name", "first_name", "email")


def open_actions_for(user):
    """'Mijn acties': open actions owned by the user, earliest due date (so overdue) first."""
    return actions_for(user).filter(owner=user, done_on__isnull=True).order_by("due_on", "pk")


# --- Team reviews: writes -----------------------------------------------------------------

def review_label(review):
    """How audit entries name a review: 'leerlingbespreking 3H1 18-11-2026'."""
    if review.class_code:
        scope = review.class_code
    elif review.level:
        scope = f"{Level(review.level).label} {review.leerjaar}"
    else:
        scope = f"leerjaar {review.leerjaar}"
    return f"leerlingbespreking {scope} {review.held_on:%d-%m-%Y}"


def _students(n):
    """'1 leerling', '3 leerlingen': audit summaries are read as Dutch sentences."""
    return f"{n} {'leerling' if n == 1 else 'leerlingen'}"


def _log(*, actor, review, action, obj, what):
    audit.record(user=actor, school=review.school, action=action, obj=obj,
                 summary=f"{review_label(review)}: {what}")


@transaction.atomic
def create_review(*, actor, school, held_on, class_code="", level="", leerjaar=None):
    """Create a review for one class, or one leerjaar (of one level), with its agenda built."""
    if school.pk not in access.school_ids(actor, access.STUDENT_ROLES):
        raise ValidationError(_("You cannot plan a review for this school."))
    class_code = (class_code or "").strip()
    if bool(class_code) == (leerjaar is not None):
        raise ValidationError(_("Choose a class or a leerjaar.") if not class_code
                              else _("Choose either a class or a leerjaar, not both."))
    if level and (leerjaar is None or not 1 <= leerjaar <= MAX_LEERJAAR[Level(level)]):
        raise ValidationError({"leerjaar": _("This level has no such leerjaar.")})
    review = TeamReview(school=school, held_on=held_on, level=level or "", leerjaar=leerjaar,
                        created_by=actor)
    if class_code:
        known = (students_for(actor).active().filter(school=school, class_code__iexact=class_code)
                 .values_list("class_code", flat=True).first())
        if known is None:
            raise ValidationError({"class_code": _(
                "There is no class %(code)s among the active students of this school."
            ) % {"code": class_code}})
        review.class_code, review.level, review.leerjaar = known, "", None
    elif not review_students(actor, review).exists():
        raise ValidationError({"leerjaar": _("There are no active students in this leerjaar.")})
    if _same_review_exists(review):
        raise ValidationError(_("There already is a review for this group on this date."))
    review.save()
    added = _add_suggestions(actor, review)
    audit.record(user=actor, school=school, action=audit.Action.CREATE, obj=review,
                 summary=f"{review_label(review)}: aangemaakt, {_students(added)} op de agenda")
    return review


def _same_review_exists(review):
    same = TeamReview.objects.filter(school_id=review.school_id, held_on=review.held_on)
    if review.class_code:
        return same.filter(class_code__iexact=review.class_code).exists()
    return same.filter(class_code="", level=review.level, leerjaar=review.leerjaar).exists()


def _add_suggestions(actor, review):
    on_agenda = set(review.items.values_list("student_id", flat=True))
    new = [ReviewItem(review=review, student=s.student, reason=s.reason)
           for s in suggested_agenda(actor, review) if s.student.pk not in on_agenda]
    ReviewItem.objects.bulk_create(new, ignore_conflicts=True)  # two people refreshing at once
    return len(new)


@transaction.atomic
def refresh_agenda(*, actor, review):
    """Add students who meet the agenda rules now (signals recorded since it was built)."""
    added = _add_suggestions(actor, review)
    if added:
        _log(actor=actor, review=review, action=audit.Action.UPDATE, obj=review,
             what=f"agenda bijgewerkt, {_students(added)} toegevoegd")
    return added


@transaction.atomic
def add_to_agenda(*, actor, review, student, reason=""):
    """Put another student of the review's class or leerjaar on the agenda by hand."""
    if not review_students(actor, review).filter(pk=student.pk).exists():
        raise ValidationError(_("This student is not in the class or leerjaar of this review."))
    if review.items.filter(student=student).exists():
        raise ValidationError(_("This student is already on the agenda."))
    item = ReviewItem.objects.create(review=review, student=student,
                                     reason=(reason.strip() or MANUAL_REASON)[:255])
    _log(actor=actor, review=review, action=audit.Action.CREATE, obj=item,
         what=f"leerling {student.student_number} op de agenda gezet")
    return item


@transaction.atomic
def remove_from_agenda(*, actor, item):
    """Take a student off the agenda, with the item's conclusion and actions."""
    review, number = item.review, item.student.student_number
    _log(actor=actor, review=review, action=audit.Action.DELETE, obj=item,
         what=f"leerling {number} van de agenda gehaald")
    item.delete()


@transaction.atomic
def save_conclusion(*, actor, item, conclusion):
    conclusion = conclusion.strip()
    if conclusion == item.conclusion:
        return item
    item.conclusion = conclusion
    item.save(update_fields=["conclusion"])
    _log(actor=actor, review=item.review, action=audit.Action.UPDATE, obj=item,
         what=f"leerling {item.student.student_number} conclusie")
    return item


@transaction.atomic
def add_action(*, actor, item, description, owner, due_on):
    """An agreed action for one agenda item; it shows on the owner's 'Mijn acties'."""
    if not action_owners(item.review.school).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": _("The owner must work at this school.")})
    action = ActionItem.objects.create(item=item, description=description.strip(), owner=owner,
                                       due_on=due_on)
    _log(actor=actor, review=item.review, action=audit.Action.CREATE, obj=action,
         what=f"leerling {item.student.student_number} actie toegevoegd")
    return action


@transaction.atomic
def set_action_done(*, actor, action, done, on=None):
    """Mark an action done (today, unless `on` is given) or open again; idempotent."""
    if bool(action.done_on) == done:
        return action
    action.done_on = (on or timezone.localdate()) if done else None
    action.save(update_fields=["done_on"])
    item = action.item
    _log(actor=actor, review=item.review, action=audit.Action.UPDATE, obj=action,
         what=f"leerling {item.student.student_number} actie {'afgerond' if done else 'heropend'}")
    return action


def record_review_view(*, user, review, count):
    _log(actor=user, review=review, action=audit.Action.VIEW, obj=review,
         what=f"bekeken, {_students(count)} op de agenda")


def record_actions_list(*, user, actions):
    """One entry per school whose students appear on the user's 'Mijn acties'."""
    per_school = Counter(a.item.review.school for a in actions)
    for school, n in per_school.items():
        audit.record(user=user, school=school, action=audit.Action.LIST, object_type="actionitem",
                     summary=f"mijn acties: {n} open {'actie' if n == 1 else 'acties'}")
