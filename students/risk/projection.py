"""Grade arithmetic and the projected promotion outcome against a norm.

Averages are rounded to one decimal as on a report, so the rules compute with whole tenths
(5,5 -> 55): exact, and fast enough for a school of 50,000. Decimals are for the edges (forms,
stored settings). A qualitative subject counts by its latest mark, never by an average: O is
below voldoende, V, G, ZG and vr (vrijstelling) meet it, inh (not yet made) is named as not
known yet and never counts against the student. The outcome is bevorderd, bespreekzone or niet
bevorderd, with the rule that decides it as a Dutch sentence (stored on the flag, read by the
team).
"""

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy

from students.models import Mark
from students.wording import count, join

from .settings import norm_for


class Projection:
    """Projected promotion outcome codes (stored on Flag.projection) and their labels."""

    PROMOTED = "bevorderd"
    DISCUSS = "bespreekzone"
    NOT_PROMOTED = "niet_bevorderd"

    WORDS = {PROMOTED: "bevorderd", DISCUSS: "bespreekzone", NOT_PROMOTED: "niet bevorderd"}
    LABELS = {
        PROMOTED: gettext_lazy("promoted"),
        DISCUSS: gettext_lazy("to be discussed (bespreekzone)"),
        NOT_PROMOTED: gettext_lazy("not promoted"),
    }



def tenths(value):
    """A grade as whole tenths, rounded half up as on a report: Decimal('5.45') -> 55."""
    return int((Decimal(value) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def average_tenths(num, den):
    """The weighted average Σ(grade×weight) / Σweight as whole tenths, rounded half up.

    The sums come from the database as floats. Every grade has at most two decimals and every
    weight one, so Σ(grade×weight) is a whole number of thousandths and Σweight a whole number
    of tenths; recovering those integers makes the rounding exact (5,45 is 55, never 54)."""
    thousandths, weight_tenths = round(num * 1000), round(den * 10)
    return (2 * thousandths + 10 * weight_tenths) // (20 * weight_tenths)


def grade_text(t):
    """55 -> '5,5'."""
    return f"{t // 10},{t % 10}"


def _tekort(t):
    return max(0, 6 - (t + 5) // 10)


def tekortpunten(grade):
    """5,4 -> 1, 4,5 -> 1, 4,4 -> 2, 3,4 -> 3: six minus the grade rounded to a whole mark."""
    return _tekort(tenths(grade))


def grades_text(grades):
    """[(tenths, name)] -> 'wiskunde 4,2 en Engels 5,1'."""
    return join(f"{name} {grade_text(t)}" for t, name in grades)



PASS_T = 55


@dataclass(frozen=True)
class ProjectionResult:
    outcome: str
    rule: str
    below: int = 0
    tekortpunten: int = 0
    average: Decimal | None = None
    marks_below: int = 0    # qualitative subjects whose latest mark is O
    pending: tuple = ()     # qualitative subjects whose latest mark is inh: not known yet

    @property
    def label(self):
        return Projection.LABELS[self.outcome]

    @property
    def word(self):
        return Projection.WORDS[self.outcome]


def project(grades, norm, *, marks=(), default_norm=False):
    """The projected outcome from (subject name, grade, is_core) triples (grades as averages
    on a report, one decimal) and (subject name, Mark value) pairs of the qualitative
    subjects, and the rule that decides it, as a Dutch sentence. See `Norm` for the tiers."""
    return _project([(name, tenths(grade), core) for name, grade, core in grades], norm,
                    marks=marks, default_norm=default_norm)


@functools.lru_cache(maxsize=256)
def _norm_tenths(norm):
    return tenths(norm.compensation_average), tenths(norm.min_grade)


def _project(grades, norm, *, marks=(), default_norm=False):
    """`project` on grades in whole tenths. The deciding rule is the first one broken in the
    worst tier: niet bevorderd before bespreekzone."""
    if not (grades or marks) or norm is None:
        return None
    compensation_t, min_t = _norm_tenths(norm)
    below = sorted((t, name) for name, t, _core in grades if t < PASS_T)
    points = sum(_tekort(t) for t, _name in below)
    total = sum(t for _name, t, _core in grades)
    average = (2 * total + len(grades)) // (2 * len(grades)) if grades else None
    n = len(below)
    marks_below = sorted(name for name, mark in marks if mark == Mark.INSUFFICIENT)
    pending = tuple(sorted(name for name, mark in marks if mark == Mark.PENDING))

    fail, discuss = [], []
    if n > norm.max_below_55_discuss:
        fail.append(f"{count(n, 'onvoldoende', 'onvoldoendes')} "
                    f"(norm: hoogstens {norm.max_below_55_discuss} om te bespreken)")
    if points > norm.max_tekortpunten_discuss:
        fail.append(f"{count(points, 'tekortpunt', 'tekortpunten')} "
                    f"(norm: hoogstens {norm.max_tekortpunten_discuss} om te bespreken)")
    if n > norm.max_below_55_with_compensation:
        discuss.append(f"{count(n, 'onvoldoende', 'onvoldoendes')} "
                       f"(norm: hoogstens {norm.max_below_55_with_compensation} met compensatie)")
    elif n > norm.max_below_55 and average < compensation_t:
        discuss.append(f"{count(n, 'onvoldoende', 'onvoldoendes')} zonder compensatie "
                       f"(gemiddelde {grade_text(average)}, nodig {grade_text(compensation_t)})")
    if points > norm.max_tekortpunten:
        discuss.append(f"{count(points, 'tekortpunt', 'tekortpunten')} "
                       f"(norm: hoogstens {norm.max_tekortpunten})")
    too_low = [(t, name) for t, name in below if t < min_t]
    if too_low:
        discuss.append(f"{grades_text(too_low)} onder {grade_text(min_t)}")
    core_below = sorted((t, name) for name, t, core in grades if core and t < PASS_T)
    if len(core_below) > norm.core_max_below_55:
        discuss.append(f"{count(len(core_below), 'kernvak', 'kernvakken')} onder 5,5: "
                       f"{grades_text(core_below)} (norm: hoogstens {norm.core_max_below_55})")
    if len(marks_below) > norm.max_marks_below_voldoende:
        allowed = norm.max_marks_below_voldoende
        discuss.append(f"{join(marks_below)} onvoldoende (norm: "
                       + ("voldoende vereist)" if not allowed else f"hoogstens {allowed} onder voldoende)"))
    if fail:
        outcome, rule = Projection.NOT_PROMOTED, fail[0]
    elif discuss:
        outcome, rule = Projection.DISCUSS, discuss[0]
    else:
        outcome = Projection.PROMOTED
        rule = (f"voldoet aan de norm: {count(n, 'onvoldoende', 'onvoldoendes')}, "
                f"{count(points, 'tekortpunt', 'tekortpunten')}")
        if n > norm.max_below_55:
            rule += f", gecompenseerd (gemiddelde {grade_text(average)})"
    if pending:
        rule += f"; nog niet bekend: {join(f'{name} (inh)' for name in pending)}"
    if default_norm:
        rule += " (standaardnorm)"
    return ProjectionResult(outcome=outcome, rule=rule[:255], below=n, tekortpunten=points,
                            average=None if average is None else Decimal(average).scaleb(-1),
                            marks_below=len(marks_below), pending=pending)


def graded(facts, subjects):
    """[(subject id, average in tenths)] of the subjects that count by their grades."""
    return [(s, t) for s, t in facts.averages.items() if s in subjects and not subjects[s][2]]


def projection_of(student, facts, subjects, norms):
    norm, is_default = norm_for(norms, student.level, student.leerjaar)
    grades = [(subjects[s][0], t, subjects[s][1]) for s, t in graded(facts, subjects)]
    marks = [(subjects[s][0], mark) for s, mark in facts.marks.items() if s in subjects and subjects[s][2]]
    return _project(grades, norm, marks=marks, default_norm=is_default)
