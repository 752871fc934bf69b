"""Who belongs on a team review's agenda, and why, in words a person can check.

A student is suggested for an urgent signal or two concern-or-worse signals since the
group's previous review (or the last six weeks), or for a current risk flag of aandacht or
hoog that was not dismissed. The reasons are stored with the agenda item in Dutch, the
school's language (students.wording), whatever the interface language of whoever built it.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from ..models import Flag, RiskLevel, Severity, Signal, TeamReview
from ..selectors import students_for
from ..wording import CATEGORY_WORDS, LEVEL_WORDS

# Without an earlier review of the same class or leerjaar, the agenda looks this far back.
LOOKBACK = timedelta(weeks=6)


def review_students(user, review):
    """Active students of the review's class, or of its level and leerjaar (or whole leerjaar)."""
    students = students_for(user).active().filter(school=review.school)
    if review.class_code:
        return students.filter(class_code__iexact=review.class_code)
    students = students.filter(leerjaar=review.leerjaar)
    return students.filter(level=review.level) if review.level else students


def previous_review(review):
    """The latest earlier review of the same school and the same class or leerjaar."""
    earlier = TeamReview.objects.filter(school_id=review.school_id, held_on__lt=review.held_on)
    if review.class_code:
        earlier = earlier.filter(class_code__iexact=review.class_code)
    else:
        earlier = earlier.filter(class_code="", level=review.level, leerjaar=review.leerjaar)
    return earlier.order_by("-held_on", "-pk").first()


def agenda_window(review):
    """(since, previous review or None): signals of weeks after `since` count for the agenda."""
    previous = previous_review(review)
    since = previous.held_on if previous else review.held_on - LOOKBACK
    return since, previous


@dataclass
class Suggestion:
    student: object
    reasons: list = field(default_factory=list)

    @property
    def reason(self):
        return "; ".join(self.reasons)[:255]


def suggested_agenda(user, review):
    """Who belongs on the agenda, and why, in words a person can check.

    Each source maps student ids to a reason; a student named by any source is suggested:
    the signals, and the current risk flags (aandacht or hoog, not dismissed).
    """
    sources = [_signal_reasons(user, review), _flag_reasons(user, review)]
    reasons = defaultdict(list)
    for source in sources:
        for student_id, reason in source.items():
            reasons[student_id].append(reason)
    students = review_students(user, review).filter(pk__in=list(reasons)).order_by(
        "family_name", "given_name", "pk"
    )
    return [Suggestion(student=s, reasons=reasons[s.pk]) for s in students]


def _signal_reasons(user, review):
    """An urgent signal, or two or more concern-or-worse signals, since the last review."""
    since, _previous = agenda_window(review)
    rows = (
        Signal.objects.filter(
            student__in=review_students(user, review), week__gt=since, week__lte=review.held_on,
            severity__gte=Severity.CONCERN,
        )
        .order_by("student_id", "week", "category")
        .values_list("student_id", "week", "category", "severity")
    )
    signals = defaultdict(list)
    for student_id, week, category, severity in rows:
        signals[student_id].append((week, category, severity))
    return {
        student_id: signal_reason(found) for student_id, found in signals.items()
        if len(found) >= 2 or any(severity == Severity.URGENT for _w, _c, severity in found)
    }


def _flag_reasons(user, review):
    """Students with a current risk flag of aandacht or hoog that the mentor did not dismiss:
    'signalering hoog: wiskunde 4,2 en Engels 5,1 onder 5,5; prognose bespreekzone: …'."""
    rows = Flag.objects.filter(
        student__in=review_students(user, review), resolved_on__isnull=True,
        level__gte=RiskLevel.ATTENTION,
    ).exclude(status=Flag.Status.DISMISSED).values_list("student_id", "level", "reasons")
    return {
        student_id: f"signalering {LEVEL_WORDS[level]}: " + "; ".join(r["text"] for r in reasons)
        for student_id, level, reasons in rows
    }


def signal_reason(signals):
    """'urgent: motivatie (week 47); 2× zorg: studievaardigheden' from (week, category, severity)."""
    urgent = [(week, category) for week, category, severity in signals if severity == Severity.URGENT]
    concerns = Counter(category for _week, category, severity in signals
                       if severity == Severity.CONCERN)
    parts = []
    if urgent:
        parts.append("urgent: " + ", ".join(
            f"{CATEGORY_WORDS[category]} (week {week.isocalendar().week})" for week, category in urgent
        ))
    if concerns:
        several = len(concerns) > 1
        parts.append(f"{sum(concerns.values())}× zorg: " + ", ".join(
            f"{CATEGORY_WORDS[category]} ({n}×)" if several and n > 1 else CATEGORY_WORDS[category]
            for category, n in concerns.most_common()
        ))
    return "; ".join(parts)
