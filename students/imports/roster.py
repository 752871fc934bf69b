"""The roster: a school's student list → its students, created or updated at once.

A clean file goes to `services.upsert_students` in one transaction, which makes a re-import
update students instead of duplicating them; a file with any error writes nothing. The rest
(reading, limits, the job's life) is the shared pipeline's.
"""

from contextlib import suppress
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Membership

from .. import selectors, services
from ..models import ImportJob, Student, combined_value
from . import pipeline
from .columns import Column, ColumnPlan, plan_columns
from .leavers import RosterOptions, find_leavers, leaver_students
from .limits import PREVIEW_ROWS, FileProblem, shown
from .reading import ReadLimits
from .results import Checked, ErrorList, RowError
from .values import parse_date, parse_leerjaar, parse_levels, parse_norm_level, parse_sex

ROSTER = "roster"
MAX_FIELD_LENGTH = {
    "student_number": Student._meta.get_field("student_number").max_length,
    "given_name": Student._meta.get_field("given_name").max_length,
    "tussenvoegsel": Student._meta.get_field("tussenvoegsel").max_length,
    "family_name": Student._meta.get_field("family_name").max_length,
    "class_code": Student._meta.get_field("class_code").max_length,
}
COLUMNS = (
    Column("student_number", gettext_lazy("student number"),
           ("leerlingnummer", "llnr", "leerlingnr", "studentnummer", "student number"), required=True),
    Column("given_name", gettext_lazy("given name"), ("roepnaam", "voornaam"), required=True),
    Column("tussenvoegsel", gettext_lazy("tussenvoegsel"),
           ("tussenvoegsel", "tussenvoegsels", "voorvoegsel")),
    Column("family_name", gettext_lazy("family name"), ("achternaam", "familienaam", "geslachtsnaam"),
           required=True),
    Column("date_of_birth", gettext_lazy("date of birth"), ("geboortedatum", "geb.datum")),
    Column("level", gettext_lazy("level"), ("niveau", "leerweg", "opleiding"), required=True),
    Column("norm_level", gettext_lazy("norm level"),
           ("normniveau", "niveau normen", "niveau bevordering", "bevorderingsniveau")),
    Column("leerjaar", gettext_lazy("leerjaar"), ("leerjaar", "jaar"), required=True),
    Column("class_code", gettext_lazy("class"), ("klas", "stamgroep", "basisgroep")),
    Column("mentor", gettext_lazy("mentor (e-mail or teacher code)"), ("mentor", "mentorcode", "coach")),
    Column("sex", gettext_lazy("sex (M/V/X)"), ("geslacht",)),
    Column("enrolled_on", gettext_lazy("enrolment date"), ("inschrijfdatum", "startdatum")),
)


class RosterRows:
    """Checks a roster chunk by chunk: records for services.upsert_students, and every problem.

    A student number met in an earlier row (of any chunk) is an error on the later row.
    """

    def __init__(self, school, plan, header):
        self.columns = [(c, plan.columns[c.field]) for c in COLUMNS if c.field in plan.columns]
        self.header = {c.field: header[i] for c, i in self.columns}
        self.position = {c.field: i for c, i in self.columns}
        self.mentors = _mentor_lookup(school) if "mentor" in plan.columns else {}
        self.first_row_of = {}
        self.options = plan.options

    def check(self, frame):
        records, errors, rows_read, rejected = [], [], 0, 0
        for number, cells in zip(frame.index, frame.itertuples(index=False, name=None)):
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue  # blank lines are skipped, not counted
            rows_read += 1
            values = {c.field: cells[i] for c, i in self.columns}
            record, problems = _parse_row(values, self.mentors)
            number_in_file = values["student_number"]
            if number_in_file in self.first_row_of:
                problems.append(("student_number", _("This student number already appears in row %(row)s.")
                                 % {"row": self.first_row_of[number_in_file]}))
            elif number_in_file:
                self.first_row_of[number_in_file] = int(number)
            if problems:
                rejected += 1
                problems.sort(key=lambda problem: self.position[problem[0]])  # left to right
                errors.extend(RowError(int(number), self.header[f], values[f], reason)
                              for f, reason in problems)
            else:
                records.append(record)
        return Checked(records, ErrorList(errors), rows_read, rejected)


def _parse_row(values, mentors):
    """(record, [(field, reason)]) for one row's cells, keyed by field."""
    record, problems = {"is_active": True}, []
    for name, top in MAX_FIELD_LENGTH.items():
        if name not in values:
            continue
        if not values[name] and name in ("student_number", "given_name", "family_name"):
            problems.append((name, _("Required; this cell is empty.")))
        elif len(values[name]) > top:
            problems.append((name, _("Too long: at most %(max)s characters.") % {"max": top}))
        else:
            record[name] = values[name]
    levels = None
    if "level" in values:
        levels, reason = parse_levels(values["level"])
        if reason:
            problems.append(("level", reason))
        else:
            record["level"] = levels[0]  # the norm level unless the file names another
            record["combined_level"] = combined_value(levels) if len(levels) > 1 else ""
    parsers = {
        "norm_level": lambda text: parse_norm_level(text, levels) if levels else (None, None),
        "leerjaar": lambda text: parse_leerjaar(text, record.get("level")),
        "date_of_birth": parse_date,
        "enrolled_on": parse_date,
        "mentor": lambda text: _parse_mentor(text, mentors),
        "sex": parse_sex,
    }
    for name, parse in parsers.items():  # the norm level before leerjaar: its range depends on it
        if name not in values:
            continue
        value, reason = parse(values[name])
        if reason:
            problems.append((name, reason))
        elif name == "norm_level":
            if value:
                record["level"] = value
        else:
            record["mentor_id" if name == "mentor" else name] = value
    return record, problems


def _mentor_lookup(school):
    """{e-mail or teacher code, lower case: user id} for the school's mentors; None if ambiguous."""
    mentors = {email.lower(): pk for pk, email in selectors.mentors_of(school).values_list("pk", "email")}
    codes = {}
    for code, user_id in (Membership.objects.filter(school=school, user__in=list(mentors.values()))
                          .exclude(teacher_code="").values_list("teacher_code", "user_id")):
        code = code.strip().lower()
        codes[code] = user_id if codes.get(code, user_id) == user_id else None
    return {**codes, **mentors}


def _parse_mentor(text, mentors):
    if not text:
        return None, None
    found = text.strip().lower()
    if found not in mentors:
        return None, _("No mentor at this school has this e-mail address or teacher code.")
    if mentors[found] is None:
        return None, _("Several mentors at this school have this teacher code; use the e-mail address.")
    return mentors[found], None


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that the real upsert is rolled back."""


@dataclass
class RosterPlan(ColumnPlan):
    """The roster's columns, and what the person importing said about the file."""

    options: RosterOptions = field(default_factory=RosterOptions)


class RosterStage:
    """The checked records of a roster, kept in memory (a roster is small), written by
    services.upsert_students; what a write would do is that upsert, rolled back. A full roster
    also marks the active students it does not list as left (see leavers)."""

    def __init__(self, school, options):
        self.school, self.options, self.records = school, options, []
        self.to_create, self.to_update = [], []
        self.leavers, self.left = None, 0

    def add(self, records):
        self.records.extend(records)

    def compare(self):
        with suppress(_DryRun), transaction.atomic():
            counts = self._write(actor=None, dry_run=True)
            raise _DryRun
        return counts

    def write(self, *, actor):
        return self._write(actor=actor, dry_run=False)

    def _write(self, *, actor, dry_run):
        self.to_create, self.to_update = self._plan()
        if self.options.full:
            numbers = {record["student_number"] for record in self.records}
            self.leavers = find_leavers(self.school, numbers, self.options.confirmed)
            if not dry_run and self.leavers.many and not self.options.many_leavers:
                raise FileProblem(self.leavers.too_many_message())
        outcome = services.upsert_students(school=self.school, records=self.records, actor=actor)
        if self.leavers and not dry_run:
            self.left = services.mark_left(school=self.school, student_ids=self.leavers.pks,
                                           on=self.left_on, actor=actor)
        return outcome.created, outcome.updated, outcome.unchanged

    @property
    def left_on(self):
        return self.options.left_on or timezone.localdate()

    def drop(self):
        self.records = []

    def _plan(self):
        """Which student numbers an upsert of the records creates and which it changes."""
        fields = services.ROSTER_FIELDS
        numbers = [record["student_number"] for record in self.records]
        existing = {
            row["student_number"]: row
            for row in Student.objects.filter(school=self.school, student_number__in=numbers)
            .values("student_number", *fields)
        }
        to_create, to_update = [], []
        for record in self.records:
            current = existing.get(record["student_number"])
            if current is None:
                to_create.append(record["student_number"])
            elif any(current[f] != record[f] for f in fields if f in record):
                to_update.append(record["student_number"])
        return to_create, to_update

    def details(self):
        """What the summary says about leavers: for a full roster, who is not in the file."""
        if not self.options.full:
            return {"full": False}
        found = self.leavers
        return {"full": True, "leavers": found.numbers if found else [],
                "active": found.active if found else 0, "many_leavers": bool(found and found.many),
                "left": self.left, "left_on": self.left_on.isoformat() if self.left else None}


class RosterKind(pipeline.Kind):
    """The roster as the pipeline sees it: fixed columns, no mapping step, run in the request.

    Its options (a dict, as a job keeps them): "full", and at the confirmation "left_on" (ISO
    date), "leavers" (the numbers the preview showed) and "many_leavers" (see leavers)."""

    name = ROSTER
    job_kind = ImportJob.Kind.ROSTER
    limits = ReadLimits(ImportJob.Kind.ROSTER, xlsx_max_cells="IMPORT_ROSTER_MAX_CELLS",
                        csv_max_cells="IMPORT_ROSTER_MAX_CELLS")

    def plan(self, table, *, school, options):
        plan = plan_columns(ROSTER, table.header, COLUMNS)
        return RosterPlan(**vars(plan), options=RosterOptions.of(options))

    def preview(self, table, plan):
        """The first rows, only the columns used, in the order of COLUMNS."""
        used = [plan.columns[c.field] for c in COLUMNS if c.field in plan.columns]
        return [{"row": number, "cells": [shown(cells[i]) for i in used]}
                for number, cells in table.first_rows[:PREVIEW_ROWS]]

    def checker(self, *, school, plan, header):
        return RosterRows(school, plan, header)

    def staging(self, checker, *, school):
        return RosterStage(school, checker.options)

    def details(self, plan, stage):
        full = {"full": plan.options.full} if plan else {}
        return {"to_create": stage.to_create if stage else [],
                "to_update": stage.to_update if stage else [],
                "ignored_columns": plan.ignored if plan else [],
                **(stage.details() if stage else full)}

    def job_mapping(self, result):
        header = result.header
        return {"columns": [[c.field, header[result.columns[c.field]]] for c in COLUMNS
                            if c.field in result.columns],
                "ignored": result.details.get("ignored_columns", []),
                "full": result.details.get("full", False)}


KIND = RosterKind()


def import_roster(*, school, path_or_file, filename=None, actor=None, dry_run=False, full=False,
                  left_on=None, many_leavers=False):
    """Check a roster file and, when every row is right, create or update its students at once.

    `path_or_file` is a path or an open binary file; `filename` (default: the path's name)
    tells CSV from XLSX. With `dry_run` the real upsert runs and is rolled back, so the counts
    are exactly what an import would do, and nothing is written. A `full` roster also marks the
    active students it does not list as left on `left_on` (default today); more than half of
    them only with `many_leavers`.
    """
    options = {"full": full, "left_on": left_on.isoformat() if left_on else None,
               "many_leavers": many_leavers}
    return pipeline.run(KIND, school=school, path_or_file=path_or_file, filename=filename,
                        actor=actor, dry_run=dry_run, options=options)


def start_roster_job(*, school, upload, actor, full=False):
    """Store the uploaded file and its preview (a dry run); the job waits for confirmation."""
    return pipeline.start_job(KIND, school=school, upload=upload, actor=actor,
                              options={"full": full})


def confirm_roster_job(*, job, actor, left_on=None, many_leavers=False):
    """Import a previewed job for real, once; False when the job was not waiting for that.

    The stored file is checked again, so the import stays all-or-nothing even when mentors or
    students changed since the preview. Of a full roster, only the leavers the preview showed
    are marked as left, on `left_on` (default today).
    """
    options = {"left_on": left_on.isoformat() if left_on else None, "many_leavers": many_leavers}
    if job.summary.get("full"):
        options["leavers"] = job.summary.get("leavers", [])
    return pipeline.confirm_job(KIND, job=job, actor=actor, options=options)


def leavers_of(job):
    """The students a full roster's preview (or its import) names as leavers."""
    return leaver_students(job.school, job.summary.get("leavers", []) if job.summary.get("full") else [])
