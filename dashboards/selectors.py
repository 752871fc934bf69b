"""Reads of the dashboards: the stored measures as tables, charts and key figures.

Inspector selectors never select names or notes: they read the stored counts (`summary`,
`detail`) and suppress every cell of fewer than ten students (see `tables`).
"""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from portal import access
from portal.models import Role, User
from portal.schoolyear import SchoolYear
from schoolplans.models import SchoolProgramme
from students.models import Level, Student, group_name

from . import measures, services, tables
from .models import SchoolMeasures

YEARS = range(1, 7)


def _level_year_table(students):
    """[{level, label, cells: [count for leerjaar 1..6], total}] from (level, leerjaar, n) rows:
    by norm level, its label naming the combined levels counted in it."""
    rows = students.values("level", "leerjaar", "combined_level").annotate(n=Count("pk")).order_by()
    table, combined = {}, {}
    for row in rows:
        cells = table.setdefault(row["level"], {})
        cells[row["leerjaar"]] = cells.get(row["leerjaar"], 0) + row["n"]
        combined.setdefault(row["level"], set()).add(row["combined_level"])
    return [
        {
            "level": level,
            "label": group_name(level, combined[level]),
            "cells": [table[level].get(year) for year in YEARS],
            "total": sum(table[level].values()),
        }
        for level in Level.values if level in table
    ]


def school_overview(school):
    """A leader's view of their school: students per level and year, mentor caseloads."""
    students = Student.objects.filter(school=school, is_active=True)
    mentors = (
        User.objects.filter(memberships__school=school, memberships__role=Role.MENTOR)
        .annotate(caseload=Count("mentees", filter=Q(mentees__school=school, mentees__is_active=True)))
        .order_by("last_name", "first_name")
    )
    levels = _level_year_table(students)
    mentors = list(mentors)
    level_table = tables.Table("niveaus", _("Students per level and leerjaar"), [
        tables.Column("level", _("Level"), numeric=False),
        *[tables.Column(f"leerjaar_{year}", f"{_('leerjaar')} {year}") for year in YEARS],
        tables.Column("total", _("Total"))])
    for row in levels:
        level_table.rows.append(tables.Row(
            [tables.Figure(n) if n else "" for n in row["cells"]] + [tables.Figure(row["total"])],
            header=str(row["label"])))
    mentor_table = tables.Table("mentoren", _("Mentors and their caseload"), [
        tables.Column("mentor", _("Mentor"), numeric=False), tables.Column("students", _("Students"))],
        [tables.Row([tables.Figure(m.caseload)], header=str(m)) for m in mentors])
    return {
        "total": students.count(),
        "without_mentor": students.filter(mentor__isnull=True).count(),
        "levels": levels,
        "mentors": mentors,
        "tables": {"levels": level_table, "mentors": mentor_table},
    }


def current_year(today=None):
    return SchoolYear.of(today or timezone.localdate())


def measures_for(school, today=None):
    """The school's stored measures of this school year; computed now when there are none
    yet (a new school, or the first day of a school year before the nightly run)."""
    year = current_year(today)
    row = SchoolMeasures.objects.filter(school=school, school_year=year.start_year).first()
    return row or services.refresh_school(school, today)


def _english():
    return (get_language() or "nl").startswith("en")


def _key_figures(detail, suppress):
    """The school's own figures for the cards, and the retention of the last school year before
    this one with decisions (the whole-school table has a row for every such year)."""
    total = next(g for g in detail["groups"] if g["level"] == "")
    cells = dict(zip([c.key for c in tables.GROUP_COLUMNS[1:]], tables.group_cells(total, suppress)))
    retention = tables.retention_table(detail, suppress=suppress)
    earlier = [i for i, year in enumerate(detail["retention"]) if year["school_year"] < detail["school_year"]]
    last = retention.rows[earlier[-1]] if earlier else None
    return {
        "cells": cells,
        "retention_year": last.header if last else "",
        "retention": last.cells[2] if last else tables.Figure(None),
        "pre_exam": last.cells[3] if last else tables.Figure(None),
    }


def _charts(detail, suppress, *, level="", leerjaar=0, with_groups=True):
    """Chart.js data; the same numbers are in the tables under each chart."""
    weeks = tables.weeks_table(detail, level=level, leerjaar=leerjaar, suppress=suppress,
                               by="month" if suppress else "week")

    def plain(figure):
        return None if figure.suppressed or figure.value is None else round(float(figure.value), 1)

    charts = {
        "over_time": {"labels": [r.header for r in weeks.rows],
                      "series": [[plain(r.cells[i]) for r in weeks.rows] for i in range(3)],
                      "names": [str(c.label) for c in weeks.columns[1:]]},
    }
    if with_groups:
        groups = tables.groups_table(detail, suppress=suppress)
        rows = [r for r in groups.rows if not r.total]
        charts["groups"] = {"labels": [r.header for r in rows],
                            "series": [[plain(r.cells[1]) for r in rows], [plain(r.cells[3]) for r in rows]],
                            "names": [str(tables.GROUP_COLUMNS[2].label), str(tables.GROUP_COLUMNS[4].label)]}
    retention = tables.retention_table(detail, level=level, leerjaar=leerjaar, suppress=suppress)
    charts["retention"] = {"labels": [r.header for r in retention.rows],
                           "series": [[plain(r.cells[2]) for r in retention.rows]],
                           "target": tables.RETENTION_TARGET,
                           "names": [str(retention.columns[3].label)]}
    return charts, weeks, retention


def _programme(programme):
    """The stored programme figures with their labels and formatted amounts."""
    if not programme:
        return None
    spent_share = 100 * programme["spent"] / programme["allocated"] if programme["allocated"] else None
    return {**programme, "state_label": SchoolProgramme.State(programme["state"]).label,
            "allocated_figure": tables.Figure(programme["allocated"], "money"),
            "planned_figure": tables.Figure(programme["planned"], "money"),
            "spent_figure": tables.Figure(programme["spent"], "money"),
            "spent_share_figure": tables.Figure(spent_share, "percent")}


def school_dashboard(school, *, suppress=False, group_url=None, today=None):
    """Everything a school's dashboard page shows, from the stored measures: key figures,
    tables (each downloadable) and chart data. `suppress` for inspectors."""
    stored = measures_for(school, today)
    detail = stored.detail
    charts, weeks, retention = _charts(detail, suppress)
    groups = tables.groups_table(detail, suppress=suppress, url=group_url)
    return {
        "stored": stored,
        "year": SchoolYear(detail["school_year"]),
        "key": _key_figures(detail, suppress),
        "tables": {
            "groups": groups,
            "advice": tables.advice_table(detail, suppress=suppress),
            "weeks": weeks,
            "retention": retention,
            "what_works": tables.what_works_table(detail, suppress=suppress, english=_english()),
            "programme": tables.programme_table(detail, suppress=suppress),
        },
        "programme": _programme(detail["programme"]),
        "charts": charts,
        "suppressed": suppress,
    }


def school_table(school, key, *, suppress=False):
    """One table of a school's page by its key (for the downloads), or None. Inspectors get
    the dashboard's tables (suppressed); leaders also the students and mentors tables."""
    found = list(school_dashboard(school, suppress=suppress)["tables"].values())
    if not suppress:
        found += list(school_overview(school)["tables"].values())
    return next((t for t in found if t.key == key), None)


def group_dashboard(school, level, leerjaar, today=None):
    """A school leader's drill-down into one level/leerjaar: its figures computed now and the
    students they are made of, worst first. Leaders only (names)."""
    today = today or timezone.localdate()
    group = measures.group(school, level, leerjaar, today)
    students = {s.pk: s for s in Student.objects.filter(pk__in=group["students"])
                .select_related("mentor").order_by("family_name", "given_name")}
    rows = []
    for pk, student in students.items():
        fact = group["students"][pk]
        rows.append({"student": student, **fact})
    rows.sort(key=lambda r: (-r["risk"], r["days"] is not None, r["student"].family_name))
    stored = measures_for(school, today)
    charts, weeks, retention = _charts(stored.detail, False, level=level, leerjaar=leerjaar,
                                       with_groups=False)
    cells = tables.group_cells({**group["figures"]})
    label = tables.group_label(level, leerjaar, [student.combined_level for student in students.values()])
    return {
        "label": label,
        "cells": dict(zip([c.key for c in tables.GROUP_COLUMNS[1:]], cells)),
        "figures": tables.Table("groep", label, tables.GROUP_COLUMNS, [tables.Row(cells, header=label)]),
        "rows": rows,
        "weeks": weeks,
        "retention": retention,
        "charts": charts,
        "stored": stored,
    }


STUDENT_COLUMNS = [
    tables.Column("student_number", "leerlingnummer", numeric=False),
    tables.Column("name", "naam", numeric=False),
    tables.Column("class", "klas", numeric=False),
    tables.Column("level", "niveau", numeric=False),
    tables.Column("mentor", "mentor", numeric=False),
    tables.Column("risk", "risico"),
    tables.Column("first_flag", "eerste signalering", numeric=False),
    tables.Column("days", "dagen tot hulp"),
    tables.Column("plans", "lopende plannen", numeric=False),
    tables.Column("next_evaluation", "volgende evaluatie", numeric=False),
    tables.Column("goal_result", "laatste evaluatie", numeric=False),
]


def group_table(group, key):
    """One table of the drill-down page by its key (for the downloads), or None."""
    found = [group["figures"], group["weeks"], group["retention"], group_students_table(group)]
    return next((t for t in found if t.key == key), None)


def group_students_table(group):
    """The drill-down's student list as a Table (the download of a leader)."""
    table = tables.Table("leerlingen", group["label"], STUDENT_COLUMNS)
    for row in group["rows"]:
        student = row["student"]
        table.rows.append(tables.Row([
            str(student), student.class_code, student.level_year, str(student.mentor or ""), row["risk"],
            row["first_flag"].strftime("%d-%m-%Y") if row["first_flag"] else "",
            row["days"], "; ".join(row["plans"]),
            row["next_evaluation"].strftime("%d-%m-%Y") if row["next_evaluation"] else "",
            row["goal_result"],
        ], header=student.student_number))
    return table


def inspector_overview(user, *, sort="school", descending=False, today=None):
    """One row per supervised school with the key measures (suppressed) and how fresh they
    are. Two queries, whatever the number of schools."""
    year = current_year(today)
    schools = list(access.schools_for(user, (Role.INSPECTOR,)).order_by("name"))
    stored = {row["school_id"]: row for row in SchoolMeasures.objects.filter(
        school__in=[s.pk for s in schools], school_year=year.start_year)
        .values("school_id", "summary", "computed_at")}
    rows = [tables.overview_row(school, stored.get(school.pk, {}).get("summary"),
                                url=reverse("dashboards:inspector_school", args=[school.brin]))
            for school in schools]
    table = tables.overview_table(tables.sort_rows(rows, tables.OVERVIEW_COLUMNS, sort, descending),
                                  year)
    times = [row["computed_at"] for row in stored.values()]
    return {"table": table, "oldest": min(times) if times else None,
            "newest": max(times) if times else None, "missing": len(schools) - len(stored),
            "sort": sort, "descending": descending}


def inspector_school(user, brin):
    """A supervised school by BRIN (404 for any other) for the inspector's school page."""
    return get_object_or_404(access.schools_for(user, (Role.INSPECTOR,)), brin=brin)


def leader_school(user, brin):
    return get_object_or_404(access.schools_for(user, (Role.LEADER,)), brin=brin)

