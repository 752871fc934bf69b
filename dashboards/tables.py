"""Measures as the tables a person reads, on the page and in the CSV/XLSX downloads alike.

A `Table` holds `Figure`s: a number with its kind (count, percentage, days, ...), a traffic
light against the targets below (always with a word and a symbol, never colour alone), and,
for inspectors, suppression: a count of fewer than ten students, or a share or mean taken
over fewer than ten, is shown as "<10". Page and export render the same Table, so their
numbers are the same.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.disclosure import too_small
from portal.numbers import money, number, percent, signed
from portal.schoolyear import SchoolYear
from schoolplans.models import SchoolProgramme
from students.models import group_name

RETENTION_TARGET = 3.8  # % repeaters, the sector's target (VO-raad / OCW)

# Traffic lights: (good when at least / at most, watch when at least / at most).
TARGETS = {
    "reach": ("min", 80, 60),           # % of flagged students with a running plan
    "in_time": ("min", 80, 50),         # % helped within three weeks
    "median_days": ("max", 14, 21),     # days from first flag to help
    "overdue": ("max", 10, 25),         # % of running plans with an overdue evaluation
    "goals_met": ("min", 60, 40),       # % of evaluated plans whose goal was met
    "retention": ("max", RETENTION_TARGET, 5.0),
}
LIGHTS = {
    "good": ("✓", _("on track")),
    "watch": ("!", _("watch")),
    "act": ("✕", _("act")),
}


def light(target, value):
    if value is None or target not in TARGETS:
        return ""
    direction, good, watch = TARGETS[target]
    if direction == "min":
        return "good" if value >= good else "watch" if value >= watch else "act"
    return "good" if value <= good else "watch" if value <= watch else "act"


@dataclass(frozen=True)
class Figure:
    value: object = None
    kind: str = "count"  # count, percent, days, change, money, months
    suppressed: bool = False
    light: str = ""
    base: int | None = None  # the number of students a share or mean was taken over

    def __str__(self):
        if self.suppressed:
            return "<10"
        if self.value is None:
            return "–"
        value = self.value
        if self.kind == "percent":
            return percent(value, 1)
        if self.kind == "days":
            return number(value, 1, grouping=False, trim=True)
        if self.kind == "change":
            return signed(value, 2)
        if self.kind == "months":
            return signed(value, 0)
        if self.kind == "money":
            return f"€ {money(value, 0)}"
        return number(value, 0)

    @property
    def light_symbol(self):
        return LIGHTS[self.light][0] if self.light else ""

    @property
    def light_word(self):
        return LIGHTS[self.light][1] if self.light else ""

    @property
    def export(self):
        """The cell of a download: "<10", empty, or the number (rounded as shown)."""
        if self.suppressed:
            return "<10"
        if self.value is None:
            return None
        if self.kind in ("percent",):
            return round(float(self.value), 1)
        if self.kind in ("change",):
            return round(float(self.value), 2)
        if self.kind in ("days",):
            return float(self.value)
        return self.value

    @property
    def sort_key(self):
        """Suppressed and empty cells sort last whichever the direction (see `sort_rows`)."""
        if self.suppressed or self.value is None:
            return None
        return float(self.value)


def count(n, suppress=False):
    return Figure(n, "count", suppress and too_small(n))


def share(part, whole, suppress=False, target=None):
    value = 100 * part / whole if whole else None
    hidden = suppress and too_small(whole)
    return Figure(value, "percent", hidden, "" if hidden else light(target, value), base=whole)


def mean(value, n, kind, suppress=False, target=None):
    hidden = suppress and too_small(n)
    return Figure(value if n else None, kind, hidden, "" if hidden else light(target, value), base=n)


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    numeric: bool = True
    help: object = ""


@dataclass
class Row:
    cells: list
    header: str = ""  # the row's name (first cell, a <th>)
    url: str = ""
    total: bool = False


@dataclass
class Table:
    key: str
    title: object
    columns: list
    rows: list = field(default_factory=list)
    caption: object = ""

    def export_rows(self):
        yield [str(c.label) for c in self.columns]
        for row in self.rows:
            yield [row.header] + [c.export if isinstance(c, Figure) else c for c in row.cells]


def sort_rows(rows, columns, key, descending):
    """Rows sorted on column `key` (a Figure column or the header); empty and suppressed
    cells last in either direction."""
    keys = [c.key for c in columns]
    if key not in keys:
        return rows
    index = keys.index(key) - 1
    if index < 0:
        return sorted(rows, key=lambda r: r.header.lower(), reverse=descending)

    def value(row):
        cell = row.cells[index]
        return cell.sort_key if isinstance(cell, Figure) else str(cell).lower()

    present = [r for r in rows if value(r) is not None]
    missing = [r for r in rows if value(r) is None]
    return sorted(present, key=value, reverse=descending) + missing


# --- The tables -----------------------------------------------------------------------------

def group_label(level, leerjaar, combined=()):
    """"havo 1", or "havo 1 (incl. havo/vwo)" when students of a combined level count in it."""
    if level == "":
        return str(_("Whole school"))
    return group_name(level, combined, leerjaar)


GROUP_COLUMNS = [
    Column("group", _("Group"), numeric=False),
    Column("students", _("Students")),
    Column("flagged", _("Flagged"), help=_("attention or high")),
    Column("high", pgettext_lazy("risk", "High")),
    Column("reach", _("Reach"), help=_("flagged with a running plan")),
    Column("median_days", _("Days to help"), help=_("median")),
    Column("in_time", _("Within 3 weeks")),
    Column("evaluated_on_time", _("Evaluations on time")),
    Column("overdue", _("Evaluations overdue")),
    Column("goals_met", _("Goals met")),
]


def group_cells(g, suppress=False):
    """The figures of one group (or the school's own row) in GROUP_COLUMNS order."""
    evaluations = g["evaluations_on_time"] + g["evaluations_late"]
    plans = g["plans_active"]
    overdue = count(g["evaluations_overdue"], suppress)
    overdue_share = 100 * g["evaluations_overdue"] / plans if plans else None
    if not overdue.suppressed and not (suppress and too_small(plans)):
        overdue = Figure(overdue.value, "count", light=light("overdue", overdue_share), base=plans)
    return [
        count(g["students"], suppress),
        share(g["flagged"], g["students"], suppress),
        share(g["flagged_high"], g["students"], suppress),
        share(g["flagged_with_plan"], g["flagged"], suppress, "reach"),
        mean(g["median_days"], g["helped"], "days", suppress, "median_days"),
        share(g["helped_in_time"], g["due"], suppress, "in_time"),
        share(g["evaluations_on_time"], evaluations, suppress),
        overdue,
        share(g["goals_met"], g["plans_evaluated"], suppress, "goals_met"),
    ]


def groups_table(detail, *, suppress=False, url=None):
    """The school and each level/leerjaar: `url(level, leerjaar)` links a group row."""
    table = Table("groepen", _("Per level and leerjaar"), GROUP_COLUMNS)
    for g in detail["groups"]:
        total = g["level"] == ""
        table.rows.append(Row(group_cells(g, suppress),
                              header=group_label(g["level"], g["leerjaar"], g.get("combined", ())),
                              url="" if total or url is None else url(g["level"], g["leerjaar"]),
                              total=total))
    return table


ADVICE_COLUMNS = [
    Column("group", _("Group"), numeric=False),
    Column("with_advice", _("With an advice"), help=_("warme overdracht imported")),
    Column("below", _("Below advice")),
    Column("below_share", _("Below advice (%)")),
    Column("at", _("At advice")),
    Column("at_share", _("At advice (%)")),
    Column("above", _("Above advice")),
    Column("above_share", _("Above advice (%)")),
]


def advice_table(detail, *, suppress=False):
    """Students placed below, at and above the primary school's (adjusted) advice: the school
    and each level/leerjaar with students who have one. Measures stored before the warme
    overdracht existed count none."""
    table = Table("advies", _("Placed against the primary school's advice"), ADVICE_COLUMNS)
    for g in detail["groups"]:
        whole = g.get("with_advice", 0)
        if not whole and g["level"] != "":
            continue
        cells = [count(whole, suppress)]
        for place in ("below", "at", "above"):
            part = g.get(f"{place}_advice", 0)
            cells += [count(part, suppress), share(part, whole, suppress)]
        table.rows.append(Row(cells, header=group_label(g["level"], g["leerjaar"]), total=g["level"] == ""))
    return table


def _group_series(detail, level, leerjaar):
    for g in detail["weeks"]["groups"]:
        if g["level"] == level and g["leerjaar"] == leerjaar:
            return g
    return None


def weeks_table(detail, *, level="", leerjaar=0, suppress=False, by="week"):
    """New flags, new high flags and plans started per week (or per month, for inspectors:
    larger cells) of the school year so far."""
    weeks = [date.fromisoformat(w) for w in detail["weeks"]["weeks"]]
    series = _group_series(detail, level, leerjaar) or {
        "new_flags": [0] * len(weeks), "new_high": [0] * len(weeks), "plans_started": [0] * len(weeks)}
    if by == "month":
        buckets = {}
        for i, week in enumerate(weeks):
            # an ISO week belongs to the month of its Thursday; the first one to August
            thursday = max(week + timedelta(days=3), SchoolYear(detail["school_year"]).start)
            buckets.setdefault((thursday.year, thursday.month), []).append(i)
        labels = [date_format(date(year, month, 1), "F Y") for (year, month) in buckets]
        groups = list(buckets.values())
        first = Column("period", _("Month"), numeric=False)
        key = "per-maand"
    else:
        labels = [f"{week:%G-W%V}" for week in weeks]
        groups = [[i] for i in range(len(weeks))]
        first = Column("period", _("Week"), numeric=False)
        key = "per-week"
    table = Table(key, _("Flags and plans over time"), [
        first, Column("new_flags", _("New flags")), Column("new_high", _("of which high")),
        Column("plans_started", _("Plans started"))])
    for label, indexes in zip(labels, groups):
        table.rows.append(Row(
            [count(sum(series[name][i] for i in indexes), suppress)
             for name in ("new_flags", "new_high", "plans_started")], header=label))
    return table


def retention_table(detail, *, level="", leerjaar=0, suppress=False):
    """Per school year with final decisions: decided, repeated and the rate, against the
    target of 3,8 %; on the school's own row the pre-exam years apart."""
    whole = level == ""
    columns = [Column("school_year", _("School year"), numeric=False), Column("decided", _("Decided")),
               Column("repeated", _("Repeated")), Column("rate", _("Retention rate"))]
    if whole:
        columns += [Column("pre_exam", _("Pre-exam years")), Column("other", _("Other years"))]
    table = Table("doubleren", _("Retention over the school years"), columns,
                  caption=_("Target: at most %(target)s of the students repeat a year.")
                  % {"target": "3,8 %"})
    for year in detail["retention"]:
        cells = {(g["level"], g["leerjaar"]): g for g in year["groups"]}
        own = cells.get((level, leerjaar))
        if not own:
            continue
        row = [count(own["decided"], suppress), count(own["repeated"], suppress),
               share(own["repeated"], own["decided"], suppress, "retention")]
        if whole:
            for part in ("pre_exam", "other"):
                cell = cells.get((part, 0), {"decided": 0, "repeated": 0})
                row.append(share(cell["repeated"], cell["decided"], suppress, "retention"))
        table.rows.append(Row(row, header=str(SchoolYear(year["school_year"]))))
    return table


def what_works_table(detail, *, suppress=False, english=False):
    table = Table("wat-werkt", _("What works here"), [
        Column("intervention", _("Intervention"), numeric=False),
        Column("national", _("National evidence (months)")),
        Column("enrolled", _("Students")),
        Column("goals_met", _("Goals met")),
        Column("grade", _("Grade change")),
        Column("grade_n", _("measured")),
        Column("grade_comparison", _("Comparable students")),
        Column("grade_comparison_n", _("measured")),
        Column("risk", _("Risk change")),
        Column("risk_comparison", _("Comparable students")),
    ])
    for row in detail["what_works"]:
        table.rows.append(Row([
            Figure(row["effect_months"], "months"),
            count(row["enrolled"], suppress),
            share(row["goals_met"], row["plans_evaluated"], suppress, "goals_met"),
            mean(row["own_grade_change"], row["own_grade_n"], "change", suppress),
            count(row["own_grade_n"], suppress),
            mean(row["comparison_grade_change"], row["comparison_grade_n"], "change", suppress),
            count(row["comparison_grade_n"], suppress),
            mean(row["own_risk_change"], row["own_risk_n"], "change", suppress),
            mean(row["comparison_risk_change"], row["comparison_risk_n"], "change", suppress),
        ], header=(row["name_en"] or row["name"]) if english else row["name"]))
    return table


def programme_table(detail, *, suppress=False):
    programme = detail["programme"]
    table = Table("programma", _("Reach per programme line"), [
        Column("line", _("Programme line"), numeric=False),
        Column("expected", _("Expected students")),
        Column("reach", _("Reached")),
        Column("reach_share", _("Reach")),
        Column("planned", _("Planned this year")),
        Column("spent", _("Spent")),
    ])
    for line in (programme or {}).get("lines", []):
        table.rows.append(Row([
            Figure(line["expected"]), count(line["reach"], suppress),
            share(line["reach"], line["expected"], suppress and too_small(line["reach"])),
            Figure(line["planned"], "money"), Figure(line["spent"], "money"),
        ], header=line["name"]))
    return table


OVERVIEW_COLUMNS = [
    Column("school", _("School"), numeric=False),
    Column("brin", "BRIN", numeric=False),
    Column("students", _("Students")),
    Column("flagged", _("Flagged")),
    Column("reach", _("Reach")),
    Column("median_days", _("Days to help")),
    Column("in_time", _("Within 3 weeks")),
    Column("overdue", _("Evaluations overdue")),
    Column("goals_met", _("Goals met")),
    Column("retention", _("Retention rate")),
    Column("pre_exam", _("Pre-exam years")),
    Column("programme", _("School Programme"), numeric=False),
    Column("spent", _("Budget spent")),
]


def overview_row(school, summary, *, url=""):
    """One supervised school in the inspector overview (always suppressed)."""
    if not summary:
        blank = Figure(None)
        return Row([school.brin + school.vestiging] + [blank] * 9 + [_("not computed yet"), blank],
                   header=school.name, url=url)
    cells = group_cells(summary, suppress=True)
    retention = summary.get("retention", {})
    whole, pre_exam = retention.get("|0", [0, 0]), retention.get("pre_exam|0", [0, 0])
    programme = summary.get("programme")
    state = (f"{programme['step']}/5 · {SchoolProgramme.State(programme['state']).label}"
             if programme else _("none"))
    return Row([
        school.brin + school.vestiging,
        cells[0], cells[1], cells[3], cells[4], cells[5], cells[7], cells[8],
        share(whole[1], whole[0], True, "retention"),
        share(pre_exam[1], pre_exam[0], True, "retention"),
        state,
        Figure(100 * programme["spent"] / programme["allocated"] if programme and programme["allocated"] else None,
               "percent"),
    ], header=school.name, url=url)


def overview_table(rows, year):
    return Table("scholen", _("Schools you supervise"), OVERVIEW_COLUMNS, rows,
                 caption=_("School year %(year)s; retention: the last school year with final decisions.")
                 % {"year": year})
