"""A full roster: the students no longer in it, marked as left when the leader confirms.

Only a full roster (the whole school's current students: `--full` on the command, the box on
the upload page) says anything about the students it does not list; a partial roster never
marks anyone as left. Leaving makes a student inactive with a leaving date, from which the
retention period runs (students.privacy); nobody is deleted, and a student who is in a later
file is active again.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from portal.numbers import number

from ..models import Student

# A leaving date further back is almost surely a typing error, and the retention period (two
# years by default) would then anonymise the student within months.
MAX_DAYS_BACK = 365


@dataclass(frozen=True)
class RosterOptions:
    """What the person importing said about the file, beyond its rows."""

    full: bool = False  # the whole school's current students
    left_on: date | None = None  # the leaving date; None: today
    confirmed: frozenset | None = None  # the student numbers the preview showed; None: all
    many_leavers: bool = False  # explicitly allowed to mark more than half as left

    @classmethod
    def of(cls, options):
        """From the plain dict a job or the command keeps (ISO date, list of numbers)."""
        options = options or {}
        left_on = options.get("left_on")
        confirmed = options.get("leavers")
        return cls(full=bool(options.get("full")),
                   left_on=date.fromisoformat(left_on) if left_on else None,
                   confirmed=None if confirmed is None else frozenset(confirmed),
                   many_leavers=bool(options.get("many_leavers")))


def left_on_problem(day, today=None):
    """Why `day` cannot be a leaving date, or None."""
    today = today or timezone.localdate()
    if day > today:
        return _("Students are marked as left at once, so the date cannot lie in the future.")
    if day < today - timedelta(days=MAX_DAYS_BACK):
        return _("The date lies more than a year back; check the year. The retention period runs "
                 "from this date.")
    return None


@dataclass
class Leavers:
    """The active students of a school that a full roster does not list."""

    pks: list
    numbers: list  # in class and name order
    active: int  # active students before the import

    @property
    def many(self):
        """More than half of the active students: more likely a wrong file than real leavers."""
        return 2 * len(self.numbers) > self.active

    def too_many_message(self):
        return _(
            "This full roster would mark %(count)s of the %(active)s active students as left: more "
            "than half, so nothing was written. If that is right (a wrong or partial file is more "
            "likely), confirm it explicitly: tick “Yes, mark more than half as left” on the "
            "preview, or run the command again with --yes-many-leavers."
        ) % {"count": number(len(self.numbers), 0), "active": number(self.active, 0)}


def find_leavers(school, numbers_in_file, confirmed=None):
    """The school's active students whose number is not in the file (and, when `confirmed` is
    given, is among those numbers: only the leavers a leader saw are marked)."""
    active = list(Student.objects.filter(school=school, is_active=True)
                  .order_by("class_code", "family_name", "given_name", "pk")
                  .values_list("pk", "student_number"))
    gone = [(pk, n) for pk, n in active
            if n not in numbers_in_file and (confirmed is None or n in confirmed)]
    return Leavers(pks=[pk for pk, _n in gone], numbers=[n for _pk, n in gone], active=len(active))


def leaver_students(school, numbers):
    """The students a job's summary names as leavers, for its page (in class and name order)."""
    return (Student.objects.filter(school=school, student_number__in=list(numbers))
            .order_by("class_code", "family_name", "given_name", "pk"))
