"""What later apps add to the students app: they register it here, from AppConfig.ready().

The students app comes before interventions (and every app after it) in the dependency
order, so it never imports them, not even by name through `apps.get_model`. Where a student's
page, a list, the promotion warnings, the data export or the anonymisation must include what a
later app holds about a student, that app says so here. interventions/apps.py fills it in.

- The plans of students (`register_plans`): a plan belongs to a `student`, runs from
  `started_on` to `ended_on`, may aim at `goal_grade` in `goal_subject` by `goal_date`, has a
  `title` and a `next_evaluation_on`. Students' pages read these fields; `active_plans` is the
  owning app's own definition of "running".
- Sections of the data export (`export_sections`): functions `(student) -> {name: rows}`.
- Anonymisers (`anonymisers`): functions `(student_ids) -> None` that blank the free texts a
  later app keeps about those students, in the anonymisation's transaction.
"""

from dataclasses import dataclass
from typing import Callable

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class _Plans:
    all: Callable  # () -> QuerySet of every plan
    active: Callable  # () -> QuerySet of the running plans


_plans = []
export_sections = []
anonymisers = []


def register_plans(*, all, active):
    """Called once by the app that holds the plans (a second call replaces the first)."""
    _plans[:] = [_Plans(all=all, active=active)]


def _registered():
    if not _plans:
        raise ImproperlyConfigured(
            "No app registered the plans of students (students.hooks.register_plans); "
            "is 'interventions' in INSTALLED_APPS?")
    return _plans[0]


def plans():
    """Every plan of every student, as a queryset to filter further."""
    return _registered().all()


def active_plans():
    """The running plans, as the app that holds them defines running."""
    return _registered().active()


def register_export_section(function):
    if function not in export_sections:
        export_sections.append(function)


def register_anonymiser(function):
    if function not in anonymisers:
        anonymisers.append(function)
