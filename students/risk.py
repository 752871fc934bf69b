"""Explainable at-risk flagging: the rules, the promotion norms and the flagging run.

What the rules look at (all as of a reference day `on`, today for the nightly run):

- **Current grades.** The "current period" is the school year to date: per student and
  subject, the weighted average (Σ grade × weight / Σ weight) of every score dated from
  1 August up to `on`, rounded half up to one decimal as on a report. That is the running
  year grade that the overgangsnorm is applied to in June, so the projection in January and
  the outcome in June use the same arithmetic. `Score.period` is free text that not every
  school fills in, so it is not used.
- **Insufficient grades** (rule `insufficient`): subject averages below 5,5.
- **The promotion norm** (rule `norm`): the projected outcome — bevorderd, bespreekzone or
  niet bevorderd — from those averages and the school's overgangsnorm for the student's
  level and leerjaar in this school year (`Norm`, defaults below when none is recorded).
- **Trend** (rule `trend`): the weighted average over the last `trend_recent_weeks` weeks
  against the `trend_previous_weeks` weeks before, over the subjects graded in both windows
  (so a window with only the hard subjects does not look like a fall).
- **Cito** (rule `cito`): per domain of the standardised results, the latest result (at most
  a year old) against the one before; a higher level number is a drop (1 = I/A is best).
- **Signals** (rule `signals`): the mentor's weekly signals of severity zorg or urgent in
  the last `signal_weeks` weeks, every category but attendance.
- **Absence** (rule `absence`): the attendance signals of severity zorg or urgent in the same
  weeks. The portal has no register of absences; the mentor's attendance signal is the
  best source it has.
- **Pre-exam year** (rule `pre_exam`): vmbo 3, havo 4 and vwo 5, where most retention
  happens, multiply the points by `pre_exam_factor`.

Each rule that fires adds points; the total decides the level: `attention_points` or more is
aandacht, `high_points` or more is hoog. Setting a rule's points to 0 switches it off.
Every reason is stored as {"rule", "text", "points"} with a Dutch sentence a person can check
("wiskunde 4,2 en Engels 5,1 onder 5,5"), like the audit log: stored text is written in the
school's language, not the reader's.

A flag's life (one current flag per student; every step is a FlagEvent): a run raises a flag
(open) when the level becomes aandacht or hoog, raises it higher (open again), lowers it,
records changed reasons, and resolves it when the level is geen again or the student left.
New and raised flags notify the mentor in the portal and by e-mail. The mentor acknowledges
a flag (seen; it waits for a plan) or dismisses it with a reason: a dismissed flag keeps the
picture the mentor judged and is not raised again at the same or a lower level; a higher
level opens it again. `first_action_on` is the first plan started for an open or
acknowledged flag (record_first_action), or the dismissal.

Flagging is set-based: a handful of queries per school whatever its size, then one pass in
Python, then bulk writes, all in one transaction under a per-school lock.
bench/flagging.py measures it for 50,000 students.
"""

import functools
import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.db.models import Count, Exists, F, FloatField, OuterRef, Q, Sum, Window
from django.db.models.functions import Cast, Lead, RowNumber
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from portal.models import School, User
from portal.schoolyear import SchoolYear, week_start

from .meetings import CATEGORY_WORDS  # the team's words for signal categories
from .models import (
    MAX_LEERJAAR, Category, Flag, FlagEvent, Level, Notification, PromotionDecision,
    PromotionNorm, RiskLevel, RiskRules, Score, Severity, Signal, StandardisedResult, Student,
    Subject, is_pre_exam_year,
)

log = logging.getLogger(__name__)

TENTH = Decimal("0.1")

# Dutch words for what is stored (reasons, notifications, exports).
LEVEL_WORDS = {RiskLevel.NONE: "geen", RiskLevel.ATTENTION: "aandacht", RiskLevel.HIGH: "hoog"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}
LEVEL_NAMES = {Level.PRO: "praktijkonderwijs", Level.VMBO_BB: "vmbo-bb", Level.VMBO_KB: "vmbo-kb",
               Level.VMBO_GT: "vmbo-gl/tl", Level.HAVO: "havo", Level.VWO: "vwo"}

# A standardised result older than this is no longer "latest" for the Cito rule.
CITO_MAX_AGE = timedelta(days=365)

# pg_advisory_xact_lock(namespace, school id): one flagging run per school at a time.
LOCK_NAMESPACE = 0x666C6167  # "flag"


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


# --- Tunable settings (RiskRules.values) and norms (PromotionNorm.rules) ---------------------

def _setting(default, label, *, low, high, places=0, help_text=""):
    """A dataclass field with what the form and the validation need to know about it."""
    return field(default=Decimal(default) if places else default, metadata={
        "label": label, "low": Decimal(str(low)), "high": Decimal(str(high)), "places": places,
        "help": help_text,
    })


def nl_number(value, places=1):
    """5.5 -> '5,5'; whole numbers without decimals when places == 0."""
    if places == 0:
        return str(int(value))
    return f"{Decimal(value):.{places}f}".replace(".", ",")


def _plain(value):
    """A Decimal as a JSON-friendly number: 2 for 2.0, 0.8 for 0.8."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


class _Tunable:
    """Shared by RiskSettings and Norm: build from stored JSON, validate, store again."""

    @classmethod
    def describe(cls):
        return [(f.name, f.metadata) for f in fields(cls)]

    @classmethod
    def from_values(cls, values):
        """Validate a dict (stored JSON or form data); missing keys take the default.

        Raises ValidationError with a message per field, naming the field by its label.
        """
        if values is None:
            values = {}
        if not isinstance(values, dict):
            raise ValidationError(_("The settings must be a set of named values."))
        known = {f.name: f for f in fields(cls)}
        errors, kwargs = {}, {}
        for key in values:
            if key not in known:
                errors[key] = _("%(name)s is not a known setting.") % {"name": key}
        for name, f in known.items():
            raw = values.get(name)
            if raw is None or raw == "":
                continue
            try:
                kwargs[name] = _coerce(raw, f.metadata)
            except ValueError as error:
                errors[name] = str(error)
        if not errors:
            candidate = cls(**kwargs)
            errors.update(candidate.cross_check())
            if not errors:
                return candidate
        raise ValidationError(errors)

    def to_values(self):
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    def cross_check(self):
        return {}


def _coerce(raw, meta):
    label, low, high, places = meta["label"], meta["low"], meta["high"], meta["places"]
    try:
        if isinstance(raw, bool):
            raise InvalidOperation
        value = Decimal(str(raw).strip().replace(",", "."))
        if not value.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValueError(_("%(label)s: give a number; got %(value)s.")
                         % {"label": label, "value": raw}) from None
    if places == 0 and value != value.to_integral_value():
        raise ValueError(_("%(label)s: give a whole number; got %(value)s.")
                         % {"label": label, "value": formats.localize(value)})
    if not low <= value <= high:
        raise ValueError(_("%(label)s must be between %(low)s and %(high)s; got %(value)s.") % {
            "label": label, "low": formats.localize(low), "high": formats.localize(high),
            "value": formats.localize(value)})
    if places and value != value.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(ngettext("%(label)s: give at most %(places)s decimal; got %(value)s.",
                                  "%(label)s: give at most %(places)s decimals; got %(value)s.",
                                  places)
                         % {"label": label, "places": places, "value": formats.localize(value)})
    return int(value) if places == 0 else value.quantize(Decimal(1).scaleb(-places))


@dataclass(frozen=True)
class RiskSettings(_Tunable):
    """A school's flagging rules. Defaults: a reasonable start for a Dutch vo school.

    With 2 points for aandacht and 4 for hoog: one grade below 5,5 alone (1 point) raises
    nothing; two (2, or 3 when the norm projects a bespreekzone), a falling average with one
    insufficient grade, or two concern signals in four weeks give aandacht; three grades
    below 5,5 with the bespreekzone they bring (3 + 1), or a projected "niet bevorderd"
    (3 + its grades) give hoog. In the pre-exam year the points count 1,5 times, so two
    insufficient grades without compensation (3 × 1,5) are hoog there.
    """

    points_per_insufficient: Decimal = _setting(
        "1", gettext_lazy("Points per subject below 5,5"), low=0, high=10, places=1,
        help_text=gettext_lazy("Per subject whose average this school year is below 5,5."))
    points_discuss: Decimal = _setting(
        "1", gettext_lazy("Points for a projected bespreekzone"), low=0, high=10, places=1,
        help_text=gettext_lazy("The current averages would put the student in the bespreekzone of the promotion norm."))
    points_not_promoted: Decimal = _setting(
        "3", gettext_lazy("Points for a projected 'niet bevorderd'"), low=0, high=10, places=1,
        help_text=gettext_lazy("The current averages would not meet the promotion norm."))
    trend_recent_weeks: int = _setting(
        3, gettext_lazy("Trend: recent weeks"), low=1, high=12,
        help_text=gettext_lazy("The average of these last weeks ..."))
    trend_previous_weeks: int = _setting(
        6, gettext_lazy("Trend: weeks before"), low=1, high=20,
        help_text=gettext_lazy("... is compared with the average of this many weeks before them."))
    trend_min_drop: Decimal = _setting(
        "0.8", gettext_lazy("Trend: fall of the average"), low="0.1", high=5, places=1,
        help_text=gettext_lazy("A fall of at least this much counts, for example 0,8."))
    trend_min_scores: int = _setting(
        2, gettext_lazy("Trend: grades needed per window"), low=1, high=20,
        help_text=gettext_lazy("Fewer grades in either window: no trend is judged."))
    points_trend: Decimal = _setting(
        "1", gettext_lazy("Points for a falling average"), low=0, high=10, places=1)
    cito_min_drop: int = _setting(
        1, gettext_lazy("Cito: levels dropped"), low=1, high=4,
        help_text=gettext_lazy("Latest result against the one before, per domain (I to V)."))
    points_cito: Decimal = _setting(
        "1", gettext_lazy("Points for a Cito drop"), low=0, high=10, places=1)
    signal_weeks: int = _setting(
        4, gettext_lazy("Signals: weeks to look back"), low=1, high=12,
        help_text=gettext_lazy("Counting this week; also used for absence."))
    signals_min: int = _setting(
        2, gettext_lazy("Signals: how many concern or urgent signals"), low=1, high=20,
        help_text=gettext_lazy("Every category except attendance."))
    points_signals: Decimal = _setting(
        "2", gettext_lazy("Points for repeated signals"), low=0, high=10, places=1)
    absence_min: int = _setting(
        1, gettext_lazy("Absence: how many attendance signals (concern or urgent)"), low=1, high=20)
    points_absence: Decimal = _setting(
        "1", gettext_lazy("Points for absence"), low=0, high=10, places=1)
    pre_exam_factor: Decimal = _setting(
        "1.5", gettext_lazy("Pre-exam year: multiply the points by"), low=1, high=3, places=2,
        help_text=gettext_lazy("vmbo 3, havo 4 and vwo 5, where most students repeat a year."))
    attention_points: Decimal = _setting(
        "2", gettext_lazy("Points for 'attention'"), low="0.5", high=50, places=1)
    high_points: Decimal = _setting(
        "4", gettext_lazy("Points for 'high'"), low="0.5", high=50, places=1)

    def cross_check(self):
        if self.high_points <= self.attention_points:
            return {"high_points": _(
                "%(label)s must be more than the points for 'attention' (%(attention)s).") % {
                "label": fields_meta(type(self))["high_points"]["label"],
                "attention": formats.localize(self.attention_points)}}
        return {}


@dataclass(frozen=True)
class Norm(_Tunable):
    """An overgangsnorm. Defaults follow common practice (see the facts in the docs):

    - bevorderd with at most 1 grade below 5,5, or 2 when the average of all subjects is at
      least 6,0 (compensation); at most 3 tekortpunten (5,4 counts 1, 4,4 counts 2, 3,4
      counts 3: six minus the grade rounded to a whole mark); no grade below 4,0; of the core
      subjects (Nederlands, Engels, wiskunde: Subject.is_core) at most 1 below 5,5;
    - niet bevorderd with more than 3 grades below 5,5 or more than 4 tekortpunten;
    - everything in between is the bespreekzone: the rapportvergadering decides.
    """

    max_below_55: int = _setting(
        1, gettext_lazy("Grades below 5,5 allowed"), low=0, high=10)
    max_below_55_with_compensation: int = _setting(
        2, gettext_lazy("Grades below 5,5 allowed with compensation"), low=0, high=10)
    compensation_average: Decimal = _setting(
        "6.0", gettext_lazy("Compensation: average of all subjects at least"), low="5.5", high=10,
        places=1)
    max_tekortpunten: int = _setting(
        3, gettext_lazy("Tekortpunten allowed"), low=0, high=20,
        help_text=gettext_lazy("5,4 counts as one, 4,4 as two, 3,4 as three."))
    min_grade: Decimal = _setting(
        "4.0", gettext_lazy("Lowest grade allowed"), low=1, high="5.5", places=1)
    core_max_below_55: int = _setting(
        1, gettext_lazy("Core subjects below 5,5 allowed"), low=0, high=3,
        help_text=gettext_lazy("Nederlands, Engels and wiskunde (core subjects)."))
    max_below_55_discuss: int = _setting(
        3, gettext_lazy("Grades below 5,5 still discussed"), low=0, high=20,
        help_text=gettext_lazy("More than this: not promoted."))
    max_tekortpunten_discuss: int = _setting(
        4, gettext_lazy("Tekortpunten still discussed"), low=0, high=40,
        help_text=gettext_lazy("More than this: not promoted."))

    def cross_check(self):
        errors = {}
        labels = {name: meta["label"] for name, meta in self.describe()}

        def at_least(name, other):
            if getattr(self, name) < getattr(self, other):
                errors[name] = _("%(label)s cannot be less than '%(other)s' (%(value)s).") % {
                    "label": labels[name], "other": labels[other],
                    "value": formats.localize(getattr(self, other))}

        at_least("max_below_55_with_compensation", "max_below_55")
        at_least("max_below_55_discuss", "max_below_55_with_compensation")
        at_least("max_tekortpunten_discuss", "max_tekortpunten")
        return errors


def fields_meta(cls):
    return dict(cls.describe())


DEFAULT_SETTINGS = RiskSettings()
DEFAULT_NORM = Norm()


def settings_for(school):
    """The school's stored rules, or the defaults. Stored values that no longer pass the
    checks (edited by hand in the admin) are logged and replaced by the defaults, so one
    school's typo does not stop the nightly run."""
    values = RiskRules.objects.filter(school=school).values_list("values", flat=True).first()
    try:
        return RiskSettings.from_values(values or {})
    except ValidationError as error:
        log.error("Risk rules of school %s are invalid, using defaults: %s", school.pk, error)
        return DEFAULT_SETTINGS


def norms_for(school, year):
    """{(level, leerjaar): Norm} recorded for the school year; invalid ones are logged."""
    norms = {}
    for level, leerjaar, rules in PromotionNorm.objects.filter(
            school=school, school_year=year.start_year).values_list("level", "leerjaar", "rules"):
        try:
            norms[(level, leerjaar)] = Norm.from_values(rules)
        except ValidationError as error:
            log.error("Norm %s %s %s of school %s is invalid, using defaults: %s",
                      year, level, leerjaar, school.pk, error)
            norms[(level, leerjaar)] = DEFAULT_NORM
    return norms


def norm_for(norms, level, leerjaar):
    """(Norm, is_default) — or (None, False) in the exam year, which has no promotion norm
    unless the school recorded one."""
    if (level, leerjaar) in norms:
        return norms[(level, leerjaar)], False
    if leerjaar >= MAX_LEERJAAR.get(level, 99):
        return None, False
    return DEFAULT_NORM, True


# --- Grades as whole tenths, and Dutch text helpers (stored text) ------------------------------
#
# Grades have one decimal, so the portal computes with whole tenths (5,5 -> 55): exact, and
# fast enough for a school of 50,000. Decimals are for the edges (forms, stored settings).

def tenths(value):
    """A grade as whole tenths, rounded half up as on a report: Decimal('5.45') -> 55."""
    return int((Decimal(value) * 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def average_tenths(num, den):
    """The weighted average Σ(grade×weight) / Σweight as whole tenths, rounded half up.

    The sums come from the database as floats. Every grade and weight has one decimal, so
    Σ(grade×weight) is a whole number of hundredths and Σweight a whole number of tenths;
    recovering those integers makes the rounding exact (5,45 is 55, never 54)."""
    hundredths, weight_tenths = round(num * 100), round(den * 10)
    return (2 * hundredths + weight_tenths) // (2 * weight_tenths)


def grade_text(t):
    """55 -> '5,5'."""
    return f"{t // 10},{t % 10}"


def _tekort(t):
    return max(0, 6 - (t + 5) // 10)


def tekortpunten(grade):
    """5,4 -> 1, 4,5 -> 1, 4,4 -> 2, 3,4 -> 3: six minus the grade rounded to a whole mark."""
    return _tekort(tenths(grade))


def _count(n, one, many):
    return f"{n} {one if n == 1 else many}"


def _join(parts):
    parts = list(parts)
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " en " + parts[-1]


def _grades_text(grades):
    """[(tenths, name)] -> 'wiskunde 4,2 en Engels 5,1'."""
    return _join(f"{name} {grade_text(t)}" for t, name in grades)


# --- Projection against the norm ------------------------------------------------------------

PASS_T = 55


@dataclass(frozen=True)
class ProjectionResult:
    outcome: str
    rule: str
    below: int = 0
    tekortpunten: int = 0
    average: Decimal | None = None

    @property
    def label(self):
        return Projection.LABELS[self.outcome]

    @property
    def word(self):
        return Projection.WORDS[self.outcome]


def project(grades, norm, *, default_norm=False):
    """The projected outcome from (subject name, grade, is_core) triples with one-decimal
    grades, and the rule that decides it, as a Dutch sentence. See `Norm` for the tiers."""
    return _project([(name, tenths(grade), core) for name, grade, core in grades], norm,
                    default_norm=default_norm)


@functools.lru_cache(maxsize=256)
def _norm_tenths(norm):
    return tenths(norm.compensation_average), tenths(norm.min_grade)


def _project(grades, norm, *, default_norm=False):
    """`project` on grades in whole tenths. The deciding rule is the first one broken in the
    worst tier: niet bevorderd before bespreekzone."""
    if not grades or norm is None:
        return None
    compensation_t, min_t = _norm_tenths(norm)
    below = sorted((t, name) for name, t, _core in grades if t < PASS_T)
    points = sum(_tekort(t) for t, _name in below)
    total = sum(t for _name, t, _core in grades)
    average = (2 * total + len(grades)) // (2 * len(grades))
    n = len(below)

    fail, discuss = [], []
    if n > norm.max_below_55_discuss:
        fail.append(f"{_count(n, 'onvoldoende', 'onvoldoendes')} "
                    f"(norm: hoogstens {norm.max_below_55_discuss} om te bespreken)")
    if points > norm.max_tekortpunten_discuss:
        fail.append(f"{_count(points, 'tekortpunt', 'tekortpunten')} "
                    f"(norm: hoogstens {norm.max_tekortpunten_discuss} om te bespreken)")
    if n > norm.max_below_55_with_compensation:
        discuss.append(f"{_count(n, 'onvoldoende', 'onvoldoendes')} "
                       f"(norm: hoogstens {norm.max_below_55_with_compensation} met compensatie)")
    elif n > norm.max_below_55 and average < compensation_t:
        discuss.append(f"{_count(n, 'onvoldoende', 'onvoldoendes')} zonder compensatie "
                       f"(gemiddelde {grade_text(average)}, nodig {grade_text(compensation_t)})")
    if points > norm.max_tekortpunten:
        discuss.append(f"{_count(points, 'tekortpunt', 'tekortpunten')} "
                       f"(norm: hoogstens {norm.max_tekortpunten})")
    too_low = [(t, name) for t, name in below if t < min_t]
    if too_low:
        discuss.append(f"{_grades_text(too_low)} onder {grade_text(min_t)}")
    core_below = sorted((t, name) for name, t, core in grades if core and t < PASS_T)
    if len(core_below) > norm.core_max_below_55:
        discuss.append(f"{_count(len(core_below), 'kernvak', 'kernvakken')} onder 5,5: "
                       f"{_grades_text(core_below)} (norm: hoogstens {norm.core_max_below_55})")
    if fail:
        outcome, rule = Projection.NOT_PROMOTED, fail[0]
    elif discuss:
        outcome, rule = Projection.DISCUSS, discuss[0]
    else:
        outcome = Projection.PROMOTED
        rule = (f"voldoet aan de norm: {_count(n, 'onvoldoende', 'onvoldoendes')}, "
                f"{_count(points, 'tekortpunt', 'tekortpunten')}")
        if n > norm.max_below_55:
            rule += f", gecompenseerd (gemiddelde {grade_text(average)})"
    if default_norm:
        rule += " (standaardnorm)"
    return ProjectionResult(outcome=outcome, rule=rule[:255], below=n, tekortpunten=points,
                            average=Decimal(average).scaleb(-1))


# --- Loading the facts: a few set-based queries ------------------------------------------------

@dataclass
class StudentRow:
    pk: int
    number: str
    name: str
    level: str
    leerjaar: int
    mentor_id: int | None
    sex: str


@dataclass
class Facts:
    """What the rules know about one student on the reference day."""

    averages: dict = field(default_factory=dict)   # subject id -> average in whole tenths
    trend: tuple | None = None                      # (earlier, recent average) in tenths
    signals: list = field(default_factory=list)     # (category, severity)
    cito_drops: list = field(default_factory=list)  # (domain, test, from level, to level)


def _students(queryset):
    rows = queryset.order_by().values_list(
        "pk", "student_number", "given_name", "tussenvoegsel", "family_name", "level", "leerjaar",
        "mentor_id", "sex")
    return [StudentRow(pk, number, " ".join(p for p in (given, tussen, family) if p), level,
                       leerjaar, mentor_id, sex)
            for pk, number, given, tussen, family, level, leerjaar, mentor_id, sex in rows]


def _subjects(school):
    return {pk: (name, is_core) for pk, name, is_core in
            Subject.objects.filter(school=school).values_list("pk", "name", "is_core")}


def _grade_rows(students, year, on, settings=None):
    """ONE aggregate query: per student and subject the year-to-date sums, and the sums in
    the two trend windows when `settings` is given. Summed as floats (numeric sums are several
    times slower on PostgreSQL); average_tenths makes the rounding exact again."""
    weight = Cast("weight", FloatField())
    product = Cast("grade", FloatField()) * weight
    sums = {"num": Sum(product), "den": Sum(weight)}
    if settings is not None:
        recent_from = on - timedelta(weeks=settings.trend_recent_weeks)
        earlier_from = recent_from - timedelta(weeks=settings.trend_previous_weeks)
        recent = Q(date__gt=recent_from)
        earlier = Q(date__gt=earlier_from, date__lte=recent_from)
        sums.update(
            rnum=Sum(product, filter=recent), rden=Sum(weight, filter=recent),
            rn=Count("pk", filter=recent),
            enum=Sum(product, filter=earlier), eden=Sum(weight, filter=earlier),
            en=Count("pk", filter=earlier),
        )
    return (Score.objects.filter(student__in=students, date__gte=year.start, date__lte=on)
            .order_by().values("student_id", "subject_id").annotate(**sums)
            .values_list("student_id", "subject_id", *sums))


def _raw_rows(queryset):
    """The rows of a values_list query straight from the cursor: Django's per-value
    converters cost more than the query itself for the ~600,000 rows of a large school, and
    these columns (ids, float sums, counts) need no conversion."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _load_grades(facts, students, year, on, settings=None):
    rows = _raw_rows(_grade_rows(students, year, on, settings))
    if settings is None:
        for student_id, subject_id, num, den in rows:
            facts[student_id].averages[subject_id] = average_tenths(num, den)
        return
    trend_sums = {}
    for student_id, subject_id, num, den, rnum, rden, rn, enum, eden, en in rows:
        facts[student_id].averages[subject_id] = average_tenths(num, den)
        if rn and en:  # graded in both windows: comparable
            t = trend_sums.get(student_id)
            if t is None:
                trend_sums[student_id] = [enum, eden, en, rnum, rden, rn]
            else:
                t[0] += enum; t[1] += eden; t[2] += en; t[3] += rnum; t[4] += rden; t[5] += rn
    least = settings.trend_min_scores
    for student_id, (enum, eden, en, rnum, rden, rn) in trend_sums.items():
        if en >= least and rn >= least:
            facts[student_id].trend = (average_tenths(enum, eden), average_tenths(rnum, rden))


def _load_signals(facts, students, on, settings):
    since = week_start(on) - timedelta(weeks=settings.signal_weeks - 1)
    for student_id, category, severity in Signal.objects.filter(
            student__in=students, week__gte=since, week__lte=on,
            severity__gte=Severity.CONCERN).order_by().values_list("student_id", "category", "severity"):
        facts[student_id].signals.append((category, severity))


def _load_cito(facts, students, on, settings):
    """Per student and domain the latest result against the one before, in SQL, so only the
    drops come back (a school has several results per student)."""
    order = [F("date").desc(), F("pk").desc()]
    partition = [F("student_id"), F("domain")]
    drops = (
        StandardisedResult.objects.filter(student__in=students, date__lte=on).order_by()
        .annotate(rank=Window(RowNumber(), partition_by=partition, order_by=order),
                  before=Window(Lead("level"), partition_by=partition, order_by=order))
        .filter(rank=1, before__lte=F("level") - settings.cito_min_drop)
        .values_list("student_id", "domain", "test", "date", "before", "level")
    )
    for student_id, domain, test, day, before, level in sorted(drops, key=lambda r: r[:2]):
        if day >= on - CITO_MAX_AGE:
            facts[student_id].cito_drops.append((domain, test, before, level))


def gather(students, *, on, settings, year=None):
    """Facts for the students of `students` (a queryset) as of `on`: five queries."""
    year = year or SchoolYear.of(on)
    rows = _students(students)
    facts = {row.pk: Facts() for row in rows}
    facts_default = defaultdict(Facts, facts)
    ids = students.values("pk")
    _load_grades(facts_default, ids, year, on, settings)
    _load_signals(facts_default, ids, on, settings)
    _load_cito(facts_default, ids, on, settings)
    return rows, facts


# --- Judging ---------------------------------------------------------------------------------

@dataclass
class Assessment:
    student: StudentRow
    level: int
    points: Decimal
    reasons: list
    projection: ProjectionResult | None

    @property
    def projection_code(self):
        return self.projection.outcome if self.projection else ""

    @property
    def projection_rule(self):
        return self.projection.rule if self.projection else ""


def _reason(rule, text, points):
    """A stored reason and its points (kept as a Decimal for the sum)."""
    return {"rule": rule, "text": text, "points": _plain(points)}, points


def projection_of(student, facts, subjects, norms):
    norm, is_default = norm_for(norms, student.level, student.leerjaar)
    grades = [(subjects[s][0], t, subjects[s][1]) for s, t in facts.averages.items() if s in subjects]
    return _project(grades, norm, default_norm=is_default)


def judge(student, facts, *, settings, subjects, norms):
    """The level, the points and the reasons for one student, from facts already loaded."""
    s = settings
    reasons = []
    projection = projection_of(student, facts, subjects, norms)

    below = sorted((t, subjects[sid][0]) for sid, t in facts.averages.items()
                   if t < PASS_T and sid in subjects)
    if below and s.points_per_insufficient:
        reasons.append(_reason("insufficient", f"{_grades_text(below)} onder 5,5",
                               s.points_per_insufficient * len(below)))

    if projection and projection.outcome != Projection.PROMOTED:
        points = s.points_not_promoted if projection.outcome == Projection.NOT_PROMOTED else s.points_discuss
        if points:
            reasons.append(_reason("norm", f"prognose {projection.word}: {projection.rule}", points))

    if facts.trend and s.points_trend:
        earlier, recent = facts.trend
        if earlier - recent >= s.trend_min_drop * 10:
            weeks = s.trend_recent_weeks + s.trend_previous_weeks
            reasons.append(_reason("trend", f"gemiddelde daalde van {grade_text(earlier)} naar "
                                            f"{grade_text(recent)} in {weeks} weken", s.points_trend))

    if facts.cito_drops and s.points_cito:
        reasons.append(_reason("cito", "; ".join(
            f"{domain} ({test}) van niveau {ROMAN[a]} naar {ROMAN[b]}"
            for domain, test, a, b in facts.cito_drops), s.points_cito))

    concerns = [(c, sev) for c, sev in facts.signals if c != Category.ATTENDANCE]
    if len(concerns) >= s.signals_min and s.points_signals:
        per_category = Counter(c for c, _sev in concerns)
        listed = ", ".join(f"{CATEGORY_WORDS[c]} ({n}×)" if n > 1 else CATEGORY_WORDS[c]
                           for c, n in sorted(per_category.items(), key=lambda i: (-i[1], i[0])))
        urgent = sum(1 for _c, sev in concerns if sev == Severity.URGENT)
        text = (f"{_count(len(concerns), 'zorgsignaal', 'zorgsignalen')} in "
                f"{_count(s.signal_weeks, 'week', 'weken')}: {listed}")
        if urgent:
            text += f"; {urgent} daarvan urgent"
        reasons.append(_reason("signals", text, s.points_signals))

    absence = [sev for c, sev in facts.signals if c == Category.ATTENDANCE]
    if len(absence) >= s.absence_min and s.points_absence:
        text = (f"verzuim: {_count(len(absence), 'zorgsignaal', 'zorgsignalen')} over aanwezigheid "
                f"in {_count(s.signal_weeks, 'week', 'weken')}")
        reasons.append(_reason("absence", text, s.points_absence))

    if not reasons:
        return Assessment(student=student, level=0, points=Decimal(0), reasons=reasons,
                          projection=projection)
    total = sum(points for _r, points in reasons)
    if s.pre_exam_factor > 1 and is_pre_exam_year(student.level, student.leerjaar):
        extra = (total * s.pre_exam_factor - total).quantize(TENTH, rounding=ROUND_HALF_UP)
        reasons.append(_reason(
            "pre_exam", f"voorexamenjaar ({LEVEL_NAMES[student.level]} {student.leerjaar}): "
                        f"punten × {nl_number(s.pre_exam_factor, 2).rstrip('0').rstrip(',')}", extra))
        total += extra
    level = (RiskLevel.HIGH if total >= s.high_points
             else RiskLevel.ATTENTION if total >= s.attention_points else RiskLevel.NONE)
    return Assessment(student=student, level=int(level), points=total,
                      reasons=[reason for reason, _p in reasons], projection=projection)


def assess(school, *, on, students=None, settings=None, year=None):
    """{student id: Assessment} for the school's active students (or `students`) as of `on`."""
    year = year or SchoolYear.of(on)
    settings = settings or settings_for(school)
    if students is None:
        students = Student.objects.filter(school=school, is_active=True)
    rows, facts = gather(students, on=on, settings=settings, year=year)
    subjects, norms = _subjects(school), norms_for(school, year)
    return {row.pk: judge(row, facts[row.pk], settings=settings, subjects=subjects, norms=norms)
            for row in rows}


def projections(school, students, *, on, year=None):
    """{student id: ProjectionResult or None}: the norm alone (four queries)."""
    year = year or SchoolYear.of(on)
    rows = _students(students)
    facts = defaultdict(Facts)
    _load_grades(facts, students.values("pk"), year, on)
    subjects, norms = _subjects(school), norms_for(school, year)
    return {row.pk: projection_of(row, facts[row.pk], subjects, norms) for row in rows}


def projection_for(student, *, on=None):
    """The projected promotion outcome for one student today (also without a flag)."""
    on = on or timezone.localdate()
    return projections(student.school, Student.objects.filter(pk=student.pk), on=on).get(student.pk)


# --- Flagging --------------------------------------------------------------------------------

@dataclass
class FlagRun:
    """What one run changed; a second run on the same data changes nothing."""

    students: int = 0
    raised: int = 0
    raised_higher: int = 0
    lowered: int = 0
    changed: int = 0
    resolved: int = 0
    unchanged: int = 0
    notified: int = 0

    def __str__(self):
        return (f"students: {self.students} / raised: {self.raised} / raised higher: "
                f"{self.raised_higher} / lowered: {self.lowered} / reasons changed: {self.changed}"
                f" / resolved: {self.resolved} / unchanged: {self.unchanged} / notified: {self.notified}")


FLAG_FIELDS = ["level", "reasons", "status", "changed_on", "resolved_on", "projection",
               "projection_rule", "dismissed_by", "dismissed_on", "dismiss_reason"]


def _lock(school):
    """Serialise runs for one school. PostgreSQL: a transaction-level advisory lock (it does
    not block anything else that touches the school). SQLite serialises writing transactions
    itself; the partial unique constraint on Flag stays the last line of defence."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)",
                           [LOCK_NAMESPACE, school.pk % 2**31])
            # The grade aggregate has ~12 groups per student; gathering partial aggregates from
            # parallel workers costs more than it saves (bench/flagging.py: 1,4 s -> 0,9 s).
            # LOCAL: it ends with the transaction (an enclosing one, when there is one).
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
    elif connection.features.has_select_for_update:
        list(School.objects.select_for_update().filter(pk=school.pk).values_list("pk"))


def flag_students(school, *, now=None):
    """Recompute the flags of the school's active students: raise, change, resolve.

    Set-based (a fixed number of queries whatever the number of students), idempotent (a
    second run on the same data writes nothing) and safe to run twice at the same time (one
    run waits for the other under a per-school lock, then finds nothing to do). New and
    raised flags notify the student's mentor in the portal and by e-mail (after commit).
    """
    now = now or timezone.now()
    on = timezone.localdate(now)
    with transaction.atomic():
        _lock(school)
        assessments = assess(school, on=on)
        current = {f.student_id: f for f in
                   Flag.objects.filter(student__school=school, resolved_on__isnull=True)}
        run, plan = FlagRun(students=len(assessments)), _Plan()
        for student_id, assessment in assessments.items():
            _decide(plan, run, current.pop(student_id, None), assessment, now)
        for flag in current.values():  # students who left school
            _resolve(plan, run, flag, now, note="leerling niet meer actief")
        _write(plan, now)
        run.notified = sum(1 for _f, _k, student in plan.notify if student.mentor_id)
        mails = _mails(plan.notify)
        if mails:
            transaction.on_commit(lambda: _send(mails))
    return run


@dataclass
class _Plan:
    create: list = field(default_factory=list)   # (Flag, Assessment)
    update: list = field(default_factory=list)
    events: list = field(default_factory=list)   # (flag, kind, level, reasons, note)
    notify: list = field(default_factory=list)   # (Flag, kind, StudentRow)


def _event(plan, flag, kind, now, note=""):
    plan.events.append((flag, kind, flag.level, flag.reasons, note))


def _resolve(plan, run, flag, now, note=""):
    flag.status, flag.resolved_on, flag.changed_on = Flag.Status.RESOLVED, now, now
    plan.update.append(flag)
    _event(plan, flag, "resolved", now, note)
    run.resolved += 1


def _decide(plan, run, flag, a, now):
    level, reasons, projection, rule = a.level, a.reasons, a.projection_code, a.projection_rule
    if flag is None:
        if level:
            flag = Flag(student_id=a.student.pk, level=level, reasons=reasons,
                        status=Flag.Status.OPEN, raised_on=now, changed_on=now,
                        projection=projection, projection_rule=rule)
            plan.create.append(flag)
            _event(plan, flag, "raised", now)
            plan.notify.append((flag, "raised", a.student))
            run.raised += 1
        return
    if not level:
        _resolve(plan, run, flag, now)
        return
    same_content = (flag.reasons == reasons and flag.projection == projection
                    and flag.projection_rule == rule)
    dismissed = flag.status == Flag.Status.DISMISSED
    if level > flag.level:
        # Higher than the mentor saw (or dismissed): open again and tell the mentor.
        note = "opnieuw gesignaleerd na afwijzing" if dismissed else ""
        flag.level, flag.reasons, flag.status, flag.changed_on = level, reasons, Flag.Status.OPEN, now
        flag.projection, flag.projection_rule = projection, rule
        if dismissed:
            flag.dismissed_by, flag.dismissed_on, flag.dismiss_reason = None, None, ""
        plan.update.append(flag)
        _event(plan, flag, "raised_higher", now, note)
        plan.notify.append((flag, "raised_higher", a.student))
        run.raised_higher += 1
    elif dismissed:
        # The mentor judged this picture; keep it as they saw it unless it gets worse.
        run.unchanged += 1
    elif level < flag.level:
        flag.level, flag.reasons, flag.changed_on = level, reasons, now
        flag.projection, flag.projection_rule = projection, rule
        plan.update.append(flag)
        _event(plan, flag, "lowered", now)
        run.lowered += 1
    elif not same_content:
        flag.reasons, flag.changed_on = reasons, now
        flag.projection, flag.projection_rule = projection, rule
        plan.update.append(flag)
        _event(plan, flag, "changed", now)
        run.changed += 1
    else:
        run.unchanged += 1


def _write(plan, now):
    names = [f.name for f in Flag._meta.concrete_fields if not f.primary_key]
    attnames = [Flag._meta.get_field(name).attname for name in names]
    created = [tuple(getattr(flag, a) for a in attnames) for flag in plan.create]
    for flag, pk in zip(plan.create, insert_rows(Flag, names, created, returning=True)):
        flag.pk = pk
    _update_flags(plan.update)
    insert_rows(FlagEvent, ["flag", "at", "kind", "level", "reasons", "by", "note"], [
        (flag.pk, now, kind, level, reasons, None, note)
        for flag, kind, level, reasons, note in plan.events])
    url = reverse("flags:detail", args=[0]).replace("/0/", "/{}/")
    insert_rows(Notification, ["user", "created_at", "text", "url", "read_at", "flag"], [
        (student.mentor_id, now, _notification_text(flag, kind, student), url.format(flag.pk), None,
         flag.pk)
        for flag, kind, student in plan.notify if student.mentor_id])


def insert_rows(model, names, rows, *, returning=False, batch_size=1000):
    """Insert plain tuples (values for the fields `names`, in order); the new ids in order
    when `returning`. On PostgreSQL one multi-row INSERT per batch: for the tens of
    thousands of rows of a first run, building model instances and letting bulk_create
    prepare every value costs more than the database does. Elsewhere: bulk_create."""
    if not rows:
        return []
    fields_ = [model._meta.get_field(name) for name in names]
    if connection.vendor != "postgresql":
        objects = model.objects.bulk_create(
            [model(**{f.attname: value for f, value in zip(fields_, row)}) for row in rows],
            batch_size=500)
        return [o.pk for o in objects]
    json_columns = [i for i, f in enumerate(fields_) if f.get_internal_type() == "JSONField"]
    columns = ", ".join(f'"{f.column}"' for f in fields_)
    placeholder = "(" + ", ".join(["%s"] * len(fields_)) + ")"
    ids = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            batch = rows[start:start + batch_size]
            params = []
            for row in batch:
                row = list(row)
                for i in json_columns:
                    row[i] = json.dumps(row[i])
                params += row
            sql = (f'INSERT INTO "{model._meta.db_table}" ({columns}) VALUES '
                   f'{", ".join([placeholder] * len(batch))}')
            if returning:
                cursor.execute(sql + ' RETURNING "id"', params)
                ids += [pk for (pk,) in cursor.fetchall()]
            else:
                cursor.execute(sql, params)
    return ids


def _update_flags(flags, batch_size=1000):
    """Write FLAG_FIELDS of changed flags. Django's bulk_update builds a CASE per field and
    row in Python, which takes seconds for a few thousand flags (the SQL itself takes
    milliseconds); on PostgreSQL one UPDATE … FROM (VALUES …) per batch does the same."""
    if not flags:
        return
    if connection.vendor != "postgresql":
        Flag.objects.bulk_update(flags, FLAG_FIELDS, batch_size=200)
        return
    columns = [Flag._meta.get_field(name).column for name in FLAG_FIELDS]
    attnames = [Flag._meta.get_field(name).attname for name in FLAG_FIELDS]
    types = {"level": "smallint", "reasons": "jsonb", "changed_on": "timestamptz",
             "resolved_on": "timestamptz", "dismissed_by_id": "bigint", "dismissed_on": "timestamptz"}
    row = "(%s::bigint, " + ", ".join(f"%s::{types.get(c, 'text')}" for c in columns) + ")"
    assignments = ", ".join(f'"{c}" = v."{c}"' for c in columns)
    names = ", ".join(f'"{c}"' for c in ["id", *columns])
    table = Flag._meta.db_table
    with connection.cursor() as cursor:
        for start in range(0, len(flags), batch_size):
            batch = flags[start:start + batch_size]
            params = []
            for flag in batch:
                params.append(flag.pk)
                params += [json.dumps(flag.reasons) if name == "reasons" else getattr(flag, name)
                           for name in attnames]
            cursor.execute(f'UPDATE "{table}" AS f SET {assignments} FROM (VALUES '
                           f'{", ".join([row] * len(batch))}) AS v({names}) WHERE f."id" = v."id"',
                           params)


def _notification_text(flag, kind, student):
    what = "nieuwe signalering" if kind == "raised" else "signalering verhoogd"
    first = flag.reasons[0]["text"] if flag.reasons else ""
    return f"{what} {LEVEL_WORDS[flag.level]}: {student.name} ({student.number}) — {first}"[:255]


def _mails(notify):
    """One e-mail per mentor, naming students by number only (mail leaves the portal)."""
    per_mentor = defaultdict(list)
    for flag, kind, student in notify:
        if student.mentor_id:
            per_mentor[student.mentor_id].append((flag, kind, student))
    if not per_mentor:
        return []
    addresses = dict(User.objects.filter(pk__in=list(per_mentor), is_active=True)
                     .values_list("pk", "email"))
    path = reverse("flags:list")
    mails = []
    for mentor_id, items in per_mentor.items():
        if mentor_id not in addresses:
            continue
        lines = [f"- leerling {student.number}: {LEVEL_WORDS[flag.level]}"
                 f" ({'nieuw' if kind == 'raised' else 'verhoogd'})" for flag, kind, student in items]
        subject = ("Leerroute: " + _count(len(items), "nieuwe of verhoogde signalering",
                                          "nieuwe of verhoogde signaleringen"))
        body = ("Beste mentor,\n\nDe signalering in Leerroute ziet risico bij "
                + _count(len(items), "leerling", "leerlingen") + " van wie u mentor bent:\n\n"
                + "\n".join(lines)
                + f"\n\nDe redenen staan in Leerroute onder Signalering ({path}). Geef daar aan dat u "
                  "de signalering hebt gezien, of wijs haar af met een reden.\n")
        mails.append((subject, body, django_settings.DEFAULT_FROM_EMAIL, [addresses[mentor_id]]))
    return mails


def _send(mails):
    try:
        send_mass_mail(mails, fail_silently=False)
    except Exception:  # the flags are committed; a mail server hiccup must not hide them
        log.exception("Could not send %s flag notification e-mail(s)", len(mails))


def record_first_action(students, when, *, by=None, note="interventieplan gestart"):
    """A plan was started for these students (one or several): the first action on an open or
    acknowledged flag (kept once; the time from raised_on to first_action_on is what a school
    leader reads). A few queries, whatever the number of students."""
    if isinstance(students, Student):
        students = [students]
    flags = list(Flag.objects.filter(
        student__in=students, resolved_on__isnull=True, first_action_on__isnull=True,
        status__in=[Flag.Status.OPEN, Flag.Status.ACKNOWLEDGED]))
    for flag in flags:
        flag.first_action_on = when
    Flag.objects.bulk_update(flags, ["first_action_on"])
    FlagEvent.objects.bulk_create([
        FlagEvent(flag=flag, at=when, kind="first_action", level=flag.level, reasons=flag.reasons,
                  by=by, note=note) for flag in flags])
    return len(flags)


# --- Export ---------------------------------------------------------------------------------

EXPORT_HEADER = ["leerlingnummer", "risico", "redenen"]


def risk_rows(school):
    """(student number, geen/aandacht/hoog, reasons) for every active student, by number,
    from the current flags (what mentors see; dismissed flags keep their level)."""
    flags = {student_id: (level, reasons) for student_id, level, reasons in
             Flag.objects.filter(student__school=school, resolved_on__isnull=True)
             .values_list("student_id", "level", "reasons")}
    for pk, number in (Student.objects.filter(school=school, is_active=True)
                       .order_by("student_number").values_list("pk", "student_number")):
        level, reasons = flags.get(pk, (RiskLevel.NONE, []))
        yield number, LEVEL_WORDS[level], "; ".join(r["text"] for r in reasons)


def write_risk_csv(school, out):
    """Write the risk export as CSV (comma separated, header row) to a text stream."""
    import csv

    from portal.exports import safe_cell

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_HEADER)
    count = 0
    for row in risk_rows(school):
        writer.writerow([safe_cell(value) for value in row])
        count += 1
    return count


# --- Are the flags any good? ---------------------------------------------------------------

# Decisions that mean the student did not make the year.
NOT_MADE = {PromotionDecision.Decision.REPEAT, PromotionDecision.Decision.DOWN,
            PromotionDecision.Decision.LEAVES}


@dataclass
class EvaluationRow:
    label: str
    students: int = 0         # with a known outcome
    flagged: int = 0          # aandacht or hoog on the evaluation day
    positives: int = 0        # did not make it
    true_positives: int = 0   # flagged and did not make it

    def add(self, *, flagged, positive):
        self.students += 1
        self.flagged += flagged
        self.positives += positive
        self.true_positives += flagged and positive

    @property
    def recall(self):
        """Of those who did not make it, the share that was flagged."""
        return self.true_positives / self.positives if self.positives else None

    @property
    def precision(self):
        """Of those flagged, the share that did not make it."""
        return self.true_positives / self.flagged if self.flagged else None


@dataclass
class Evaluation:
    year: SchoolYear
    on: date
    total: EvaluationRow
    groups: list
    by_sex: list
    from_decisions: int = 0
    from_grades: int = 0
    unknown: int = 0

    @property
    def has_outcomes(self):
        return self.total.students > 0


def evaluation_day(year):
    """The default day to replay the rules on: 1 February, after the first report."""
    return date(year.start_year + 1, 2, 1)


def evaluate(school, year, *, on=None, settings=None):
    """Replay the rules on the data as it was on `on` and compare with the known outcome.

    The outcome is the final promotion decision of that school year (doubleren, afstromen or
    uitstroom: did not make it); without a decision, the final grades of the year against
    the norm (bespreekzone or niet bevorderd: did not make it). Students with neither are
    left out. Groups use the student's level and leerjaar as recorded now.
    """
    on = on or evaluation_day(year)
    if on not in year:
        raise ValueError(f"{on:%d-%m-%Y} is not in school year {year}.")
    graded = Score.objects.filter(student=OuterRef("pk"), date__gte=year.start, date__lte=year.end)
    decided = PromotionDecision.objects.filter(student=OuterRef("pk"), school_year=year.start_year)
    students = Student.objects.filter(school=school).filter(Exists(graded) | Exists(decided))
    assessments = assess(school, on=on, students=students, settings=settings, year=year)
    decisions = dict(PromotionDecision.objects.filter(student__school=school,
                                                      school_year=year.start_year)
                     .values_list("student_id", "decision"))
    final = projections(school, students.exclude(Exists(decided)), on=year.end, year=year)

    total = EvaluationRow(label="total")
    groups, by_sex = {}, {}
    result = Evaluation(year=year, on=on, total=total, groups=[], by_sex=[])
    for pk, a in assessments.items():
        if pk in decisions:
            positive = decisions[pk] in NOT_MADE
            result.from_decisions += 1
        elif final.get(pk) is not None:
            positive = final[pk].outcome != Projection.PROMOTED
            result.from_grades += 1
        else:
            result.unknown += 1
            continue
        flagged = a.level >= RiskLevel.ATTENTION
        total.add(flagged=flagged, positive=positive)
        student = a.student
        key = (student.level, student.leerjaar)
        if key not in groups:
            groups[key] = EvaluationRow(label=f"{Level(student.level).label} {student.leerjaar}")
        groups[key].add(flagged=flagged, positive=positive)
        if student.sex:
            if student.sex not in by_sex:
                by_sex[student.sex] = EvaluationRow(label=str(Student.Sex(student.sex).label))
            by_sex[student.sex].add(flagged=flagged, positive=positive)
    level_order = {level: i for i, level in enumerate(Level.values)}
    result.groups = [groups[k] for k in sorted(groups, key=lambda k: (level_order[k[0]], k[1]))]
    result.by_sex = [by_sex[k] for k in sorted(by_sex)]
    return result
