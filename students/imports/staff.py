"""The staff file: a school's list of staff → accounts and roles, created or updated at once.

Columns and checks are in `staff_rows`, the change itself in `staff_write`; the rest (reading,
limits, the job's life) is the shared pipeline's. A file with any error writes nothing; the
same file twice changes nothing; people not in the file are left alone.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import ImportJob
from . import pipeline
from .columns import plan_columns
from .limits import PREVIEW_ROWS, shown
from .reading import ReadLimits
from .staff_rows import COLUMNS, NOT_STORED, StaffRows, with_name_column
from .staff_write import plan_staff, write_staff

STAFF = "staff"


class StaffStage:
    """The checked records of a staff file, kept in memory (a staff list is small). What a write
    would do is read from the database (`plan_staff`); the write carries that out."""

    def __init__(self, school):
        self.school, self.records, self.plan = school, [], None

    def add(self, records):
        self.records.extend(records)

    def compare(self):
        self.plan = plan_staff(self.school, self.records)
        return self.plan.counts()

    def write(self, *, actor):
        self.plan = write_staff(school=self.school, records=self.records, actor=actor)
        return self.plan.counts()

    def drop(self):
        self.records = []


class StaffKind(pipeline.Kind):
    """The staff file as the pipeline sees it: fixed columns, no mapping step, run in the request."""

    name = STAFF
    job_kind = ImportJob.Kind.STAFF
    limits = ReadLimits(ImportJob.Kind.STAFF, xlsx_max_cells="IMPORT_ROSTER_MAX_CELLS",
                        csv_max_cells="IMPORT_ROSTER_MAX_CELLS")

    def plan(self, table, *, school, options):
        return with_name_column(plan_columns(STAFF, table.header, COLUMNS), table.header)

    def preview(self, table, plan):
        """The first rows, only the columns used, in the order of COLUMNS."""
        used = [plan.columns[c.field] for c in COLUMNS if c.field in plan.columns]
        return [{"row": number, "cells": [shown(cells[i]) for i in used]}
                for number, cells in table.first_rows[:PREVIEW_ROWS]]

    def checker(self, *, school, plan, header):
        return StaffRows(school, plan, header)

    def staging(self, checker, *, school):
        return StaffStage(school)

    def details(self, plan, stage):
        found = stage.plan.details() if stage is not None and stage.plan is not None else {}
        return {**found, "not_stored": [f for f in NOT_STORED if plan and f in plan.columns],
                "ignored_columns": plan.ignored if plan else []}

    def job_mapping(self, result):
        header = result.header
        return {"columns": [[c.field, header[result.columns[c.field]]] for c in COLUMNS
                            if c.field in result.columns],
                "ignored": result.details.get("ignored_columns", [])}


KIND = StaffKind()


def import_staff(*, school, path_or_file, filename=None, actor=None, dry_run=False):
    """Check a staff file and, when every row is right, create or update its people at once.

    With `dry_run` nothing is written and no mail is sent; the counts say what an import would do.
    """
    return pipeline.run(KIND, school=school, path_or_file=path_or_file, filename=filename,
                        actor=actor, dry_run=dry_run)


def start_staff_job(*, school, upload, actor):
    """Store the uploaded file and its preview (a dry run); the job waits for confirmation."""
    return pipeline.start_job(KIND, school=school, upload=upload, actor=actor)


def confirm_staff_job(*, job, actor):
    """Import a previewed job for real, once (the file is checked again); False when the job was
    not waiting for that."""
    return pipeline.confirm_job(KIND, job=job, actor=actor)


def notes(result):
    """What the import leaves as it is, in words: the not-stored columns, classes without students
    and mentors who keep students after losing the mentor role (the command prints these)."""
    details, found = result.details, []
    for field in details.get("not_stored", []):
        header = result.header[result.columns[field]] if field in result.columns else field
        found.append(not_stored_note(header))
    if classes := details.get("classes_without_students"):
        found.append(classes_note(classes))
    found += [mentees_note(email, count) for email, count in details.get("mentees_kept", [])]
    return found


def mentees_note(email, count):
    return ngettext("%(email)s is no longer a mentor but stays the mentor of %(count)s student until "
                    "the roster gives them another.",
                    "%(email)s is no longer a mentor but stays the mentor of %(count)s students until "
                    "the roster gives them another.", count) % {"email": email, "count": count}


def not_stored_note(header):
    return _("The column %(column)s is not stored: the portal does not keep which subjects a teacher "
             "teaches.") % {"column": header}


def classes_note(classes):
    return _("No students of these classes at this school yet: %(classes)s. Import the staff file "
             "again after the roster to make them the mentor of these classes.") % {
        "classes": ", ".join(classes)}
