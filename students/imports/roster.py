"""The roster: a school's student list → its students, created or updated at once.

A clean file goes to `services.upsert_students` in one transaction, which makes a re-import
update students instead of duplicating them; a file with any error writes nothing. The rest
(reading, limits, the job's life) is the shared pipeline's.
"""

from contextlib import suppress

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Membership

from .. import selectors, services
from ..models import ImportJob, Student, combined_value
from . import pipeline
from .columns import Column, plan_columns
from .limits import PREVIEW_ROWS, shown
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


class RosterStage:
    """The checked records of a roster, kept in memory (a roster is small), written by
    services.upsert_students; what a write would do is that upsert, rolled back."""

    def __init__(self, school):
        self.school, self.records = school, []
        self.to_create, self.to_update = [], []

    def add(self, records):
        self.records.extend(records)

    def compare(self):
        with suppress(_DryRun), transaction.atomic():
            counts = self.write(actor=None)
            raise _DryRun
        return counts

    def write(self, *, actor):
        self.to_create, self.to_update = self._plan()
        outcome = services.upsert_students(school=self.school, records=self.records, actor=actor)
        return outcome.created, outcome.updated, outcome.unchanged

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


class RosterKind(pipeline.Kind):
    """The roster as the pipeline sees it: fixed columns, no mapping step, run in the request."""

    name = ROSTER
    job_kind = ImportJob.Kind.ROSTER
    limits = ReadLimits(ImportJob.Kind.ROSTER, xlsx_max_cells="IMPORT_ROSTER_MAX_CELLS",
                        csv_max_cells="IMPORT_ROSTER_MAX_CELLS")

    def plan(self, table, *, school, options):
        return plan_columns(ROSTER, table.header, COLUMNS)

    def preview(self, table, plan):
        """The first rows, only the columns used, in the order of COLUMNS."""
        used = [plan.columns[c.field] for c in COLUMNS if c.field in plan.columns]
        return [{"row": number, "cells": [shown(cells[i]) for i in used]}
                for number, cells in table.first_rows[:PREVIEW_ROWS]]

    def checker(self, *, school, plan, header):
        return RosterRows(school, plan, header)

    def staging(self, checker, *, school):
        return RosterStage(school)

    def details(self, plan, stage):
        return {"to_create": stage.to_create if stage else [],
                "to_update": stage.to_update if stage else [],
                "ignored_columns": plan.ignored if plan else []}

    def job_mapping(self, result):
        header = result.header
        return {"columns": [[c.field, header[result.columns[c.field]]] for c in COLUMNS
                            if c.field in result.columns],
                "ignored": result.details.get("ignored_columns", [])}


KIND = RosterKind()


def import_roster(*, school, path_or_file, filename=None, actor=None, dry_run=False):
    """Check a roster file and, when every row is right, create or update its students at once.

    `path_or_file` is a path or an open binary file; `filename` (default: the path's name)
    tells CSV from XLSX. With `dry_run` the real upsert runs and is rolled back, so the counts
    are exactly what an import would do, and nothing is written.
    """
    return pipeline.run(KIND, school=school, path_or_file=path_or_file, filename=filename,
                        actor=actor, dry_run=dry_run)


def start_roster_job(*, school, upload, actor):
    """Store the uploaded file and its preview (a dry run); the job waits for confirmation."""
    return pipeline.start_job(KIND, school=school, upload=upload, actor=actor)


def confirm_roster_job(*, job, actor):
    """Import a previewed job for real, once; False when the job was not waiting for that.

    The stored file is checked again, so the import stays all-or-nothing even when mentors or
    students changed since the preview.
    """
    return pipeline.confirm_job(KIND, job=job, actor=actor)
