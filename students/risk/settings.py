"""A school's tunable flagging rules (`RiskSettings`, stored in RiskRules.values) and its
promotion norms (`Norm`, stored in PromotionNorm.rules): their fields, defaults, checks and
how they are read back for a school.

Both are frozen dataclasses whose fields carry a label, bounds and decimals; `from_values`
validates stored JSON and form data alike, so the command line, the admin data and the
settings pages share one set of rules and messages.
"""

import logging
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from students.models import MAX_LEERJAAR, PromotionNorm, RiskRules

log = logging.getLogger(__name__)


def _setting(default, label, *, low, high, places=0, help_text=""):
    """A dataclass field with what the form and the validation need to know about it."""
    return field(default=Decimal(default) if places else default, metadata={
        "label": label, "low": Decimal(str(low)), "high": Decimal(str(high)), "places": places,
        "help": help_text,
    })


def plain(value):
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
        return {f.name: plain(getattr(self, f.name)) for f in fields(self)}

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
    points_above_advice: Decimal = _setting(
        "0", gettext_lazy("Points for a falling average above the advice"), low=0, high=10, places=1,
        help_text=gettext_lazy("The student's level is above the primary school's advice (after "
                               "reconsideration; the lower level of a double advice) and the average "
                               "falls as set above. Off (0) unless the school switches it on."))
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
    - of the qualitative subjects that count for promotion (Subject.result_kind; none do
      unless the school says so) none with a latest mark of onvoldoende;
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
    max_marks_below_voldoende: int = _setting(
        0, gettext_lazy("Qualitative subjects below voldoende allowed"), low=0, high=10,
        help_text=gettext_lazy(
            "Subjects with a mark instead of a grade (such as LO) that count for promotion: their "
            "latest mark must be voldoende (V) or better; vrijstelling counts as met, a test not "
            "yet made (inh) is named and does not count. 0 requires voldoende in every one; "
            "more: the bespreekzone."))

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
