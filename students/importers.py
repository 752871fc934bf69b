"""Roster import: a student information system's export (CSV or XLSX) → checked records → one upsert.

pandas lives here and nowhere else. Every cell is read as text and parsed explicitly, so
nothing is guessed (a leading zero in a student number survives, "04-05-2012" is 4 May).
The whole file is checked first and every problem collected; a file with any error writes
nothing. A clean file goes to `services.upsert_students` in one transaction, which makes a
re-import update students instead of duplicating them.
"""

import io
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.models import Membership

from . import selectors, services
from .models import MAX_LEERJAAR, ImportJob, Level, Student

PREVIEW_ROWS = 10
MAX_FIELD_LENGTH = {
    "student_number": Student._meta.get_field("student_number").max_length,
    "given_name": Student._meta.get_field("given_name").max_length,
    "tussenvoegsel": Student._meta.get_field("tussenvoegsel").max_length,
    "family_name": Student._meta.get_field("family_name").max_length,
    "class_code": Student._meta.get_field("class_code").max_length,
}


@dataclass(frozen=True)
class Column:
    field: str
    label: str
    headers: tuple  # header spellings as schools' systems write them; the first is the usual one
    required: bool = False


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
    Column("leerjaar", gettext_lazy("leerjaar"), ("leerjaar", "jaar"), required=True),
    Column("class_code", gettext_lazy("class"), ("klas", "stamgroep", "basisgroep")),
    Column("mentor", gettext_lazy("mentor (e-mail or teacher code)"), ("mentor", "mentorcode", "coach")),
    Column("sex", gettext_lazy("sex (M/V/X)"), ("geslacht",)),
    Column("enrolled_on", gettext_lazy("enrolment date"), ("inschrijfdatum", "startdatum")),
)

LEVEL_SPELLINGS = {
    Level.PRO: ("pro", "praktijkonderwijs"),
    Level.VMBO_BB: ("bb", "basis", "vmbo-b", "vmbo-bb", "vmbo basis", "basisberoepsgerichte leerweg"),
    Level.VMBO_KB: ("kb", "kader", "vmbo-k", "vmbo-kb", "vmbo kader", "kaderberoepsgerichte leerweg"),
    Level.VMBO_GT: ("vmbo-gt", "vmbo-t", "vmbo-tl", "vmbo-g", "vmbo-gl", "tl", "gl", "gt", "mavo",
                    "theoretische leerweg", "gemengde leerweg"),
    Level.HAVO: ("havo",),
    Level.VWO: ("vwo", "atheneum", "gymnasium"),
}
SEX_SPELLINGS = {
    Student.Sex.MALE: ("m", "man", "jongen"),
    Student.Sex.FEMALE: ("v", "vrouw", "meisje"),
    Student.Sex.OTHER: ("x", "anders"),
}
COMBINED_LEVEL_SEPARATORS = re.compile(r"[/+&,]")
DAY_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
# jjjj-mm-dd, also as Excel date cells arrive when read as text ("2012-05-04 00:00:00").
YEAR_FIRST = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")


def _key(text):
    """'Geb. Datum' -> 'gebdatum', 'Leerlingnummer ' -> 'leerlingnummer', 'vmbo-T' -> 'vmbot'."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


HEADER_KEYS = {_key(h): (c, rank) for c in COLUMNS for rank, h in enumerate(c.headers)}
LEVEL_KEYS = {_key(s): level for level, spellings in LEVEL_SPELLINGS.items()
              for s in (*spellings, level.value)}
SEX_KEYS = {_key(s): sex for sex, spellings in SEX_SPELLINGS.items() for s in spellings}


@dataclass(frozen=True)
class RowError:
    """One problem, as a person finds it in the spreadsheet: header is row 1, data starts at row 2.

    `row` is None for a problem with the file as a whole (unreadable, columns missing).
    """

    row: int | None
    column: str
    value: str
    reason: str

    def as_dict(self):
        return asdict(self)

    def __str__(self):
        where = f"row {self.row}" if self.row else "file"
        if self.column:
            where += f", column '{self.column}'"
        if self.row:
            where += f", value '{self.value}'"
        return f"{where}: {self.reason}"


@dataclass
class RosterImportResult:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)
    to_create: list = field(default_factory=list)  # student numbers, for the preview
    to_update: list = field(default_factory=list)
    columns: list = field(default_factory=list)  # [field, header as written in the file]
    ignored_columns: list = field(default_factory=list)
    preview_rows: list = field(default_factory=list)  # [{"row": 2, "cells": [...]}], in `columns` order
    dry_run: bool = False

    @property
    def rejected(self):
        return bool(self.errors)

    @property
    def rejected_rows(self):
        """Rows that stopped the import; a problem with the whole file rejects every row."""
        if any(e.row is None for e in self.errors):
            return self.rows_read
        return len({e.row for e in self.errors})

    def summary(self):
        return {
            "rows_read": self.rows_read, "created": self.created, "updated": self.updated,
            "unchanged": self.unchanged, "rejected": self.rejected_rows,
            "to_create": self.to_create, "to_update": self.to_update,
            "ignored_columns": self.ignored_columns, "dry_run": self.dry_run,
        }


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that the real upsert is rolled back."""


def import_roster(*, school, path_or_file, filename=None, actor=None, dry_run=False):
    """Check a roster file and, when every row is right, create or update its students at once.

    `path_or_file` is a path or an open binary file; `filename` (default: the path's name)
    tells CSV from XLSX. With `dry_run` the real upsert runs and is rolled back, so the counts
    are exactly what an import would do, and nothing is written.
    """
    result = RosterImportResult(dry_run=dry_run)
    if filename is None:
        filename = Path(str(getattr(path_or_file, "name", path_or_file))).name
    header, rows, file_error = _read_table(path_or_file, filename)
    if file_error:
        result.errors.append(RowError(None, "", "", file_error))
        return result
    # (spreadsheet row, cells) for every row with any content; blank lines are skipped, not counted.
    rows = [(number, cells) for number, cells in enumerate(rows, start=2) if any(cells)]
    result.rows_read = len(rows)

    columns, ignored, missing = _match_columns(header)
    result.columns = [[c.field, header[i]] for c, i in columns]
    result.ignored_columns = ignored
    result.preview_rows = [{"row": number, "cells": [cells[i] for _c, i in columns]}
                           for number, cells in rows[:PREVIEW_ROWS]]
    if missing:
        result.errors.append(RowError(None, "", "", _(
            "Required columns are missing: %(columns)s. Columns found: %(found)s."
        ) % {"columns": ", ".join(c.headers[0] for c in missing),
             "found": ", ".join(h for h in header if h) or "—"}))
        return result

    records = _parse_rows(rows, [(c, i, header[i]) for c, i in columns], school=school,
                          errors=result.errors)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            result.to_create, result.to_update = _plan(school, records)
            outcome = services.upsert_students(school=school, records=records, actor=actor)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except ValidationError as exc:
        # The checks above mirror the model's; this only catches a rule added there later.
        result.errors.extend(RowError(None, "", "", message) for message in exc.messages)
        result.to_create, result.to_update = [], []
        return result
    result.created, result.updated, result.unchanged = outcome.created, outcome.updated, outcome.unchanged
    return result


def _read_table(path_or_file, filename):
    """(header, rows, error): every cell as stripped text, header as written."""
    try:
        data = _read_bytes(path_or_file)
    except OSError:
        return [], [], _("The file could not be opened; upload it again.")
    suffix = Path(filename or "").suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        frame, error = _read_xlsx(data)
    elif suffix in (".csv", ".txt"):
        frame, error = _read_csv(data)
    else:
        return [], [], _("Upload a .csv or .xlsx file; got %(name)s.") % {"name": filename}
    if error:
        return [], [], error
    table = [[str(cell).strip() for cell in row] for row in frame.to_numpy().tolist()]
    if not table or not any(table[0]):
        return [], [], _("The file is empty: the first row should hold the column names.")
    return table[0], table[1:], None


def _read_bytes(path_or_file):
    if hasattr(path_or_file, "read"):
        if hasattr(path_or_file, "seek"):
            path_or_file.seek(0)
        return path_or_file.read()
    return Path(path_or_file).read_bytes()


def _read_csv(data):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None, _("The file is not readable text: save it as CSV in UTF-8 or Windows-1252.")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        # header=None keeps the headers exactly as written (pandas would rename duplicates);
        # skip_blank_lines=False keeps every line, so row numbers match the spreadsheet.
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, dtype=str,
                            keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        return None, _("The file is empty: the first row should hold the column names.")
    except pd.errors.ParserError as exc:
        return None, _("The file could not be read as CSV (%(detail)s).") % {"detail": exc}
    return frame, None


def _read_xlsx(data):
    try:
        frame = pd.read_excel(io.BytesIO(data), engine="calamine", sheet_name=0, header=None,
                              dtype=str, keep_default_na=False)
    except Exception:  # noqa: BLE001 - any broken or disguised file is one message to the user
        return None, _("The file could not be read as an Excel workbook (.xlsx).")
    return frame, None


def _match_columns(header):
    """([(Column, index)] in COLUMNS order, ignored headers, missing required Columns)."""
    best = {}
    for index, name in enumerate(header):
        match = HEADER_KEYS.get(_key(name))
        if match is None:
            continue
        column, rank = match
        # roepnaam beats voornaam (the call name, not the official names); first column wins ties.
        if column.field not in best or rank < best[column.field][1]:
            best[column.field] = (index, rank)
    used = {index for index, _rank in best.values()}
    columns = [(c, best[c.field][0]) for c in COLUMNS if c.field in best]
    ignored = [name for index, name in enumerate(header) if name and index not in used]
    missing = [c for c in COLUMNS if c.required and c.field not in best]
    return columns, ignored, missing


def _parse_rows(rows, columns, *, school, errors):
    """Records for services.upsert_students; problems go to `errors` (all of them).

    `columns` are (Column, index, header as written) for the columns the file has.
    """
    mentors = _mentor_lookup(school) if any(c.field == "mentor" for c, _i, _h in columns) else {}
    header = {c.field: name for c, _i, name in columns}
    position = {c.field: i for c, i, _h in columns}
    first_row_of = {}
    records = []
    for number, cells in rows:
        values = {c.field: cells[i] for c, i, _h in columns}
        record, problems = _parse_row(values, mentors)
        number_in_file = values["student_number"]
        if number_in_file in first_row_of:
            problems.append(("student_number", _("This student number already appears in row %(row)s.")
                             % {"row": first_row_of[number_in_file]}))
        elif number_in_file:
            first_row_of[number_in_file] = number
        if problems:
            problems.sort(key=lambda problem: position[problem[0]])  # as the row reads, left to right
            errors.extend(RowError(number, header[f], values[f], reason) for f, reason in problems)
        else:
            records.append(record)
    return records


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
    parsers = {
        "level": parse_level,
        "leerjaar": lambda text: _parse_leerjaar(text, record.get("level")),
        "date_of_birth": parse_date,
        "enrolled_on": parse_date,
        "mentor": lambda text: _parse_mentor(text, mentors),
        "sex": _parse_sex,
    }
    for name, parse in parsers.items():  # level before leerjaar: its range depends on the level
        if name not in values:
            continue
        value, reason = parse(values[name])
        if reason:
            problems.append((name, reason))
        else:
            record["mentor_id" if name == "mentor" else name] = value
    return record, problems


def parse_level(text):
    """(Level, None) or (None, reason). 'HAVO', 'tl', 'atheneum', 'vmbo-gl/tl' are understood."""
    if not text:
        return None, _("Required; this cell is empty.")
    level = LEVEL_KEYS.get(_key(text))
    if level:
        return level, None
    parts = [p for p in COMBINED_LEVEL_SEPARATORS.split(text) if p.strip()]
    levels = list(dict.fromkeys(LEVEL_KEYS.get(_key(p)) for p in parts))  # in the file's order
    if len(parts) > 1 and None not in levels:
        if len(levels) == 1:  # "gl/tl": two spellings of one level
            return levels[0], None
        return None, _(
            "%(value)s combines levels (%(levels)s); a student needs one level: give the level "
            "the student follows this year."
        ) % {"value": text, "levels": ", ".join(str(level.label) for level in levels)}
    return None, _(
        "Unknown level %(value)s; use pro, vmbo-bb, vmbo-kb, vmbo-gt (gl, tl, mavo), havo or vwo "
        "(atheneum, gymnasium)."
    ) % {"value": text}


def _parse_leerjaar(text, level):
    if not text:
        return None, _("Required; this cell is empty.")
    if not text.isdigit():
        return None, _("Leerjaar must be a whole number, for example 3.")
    leerjaar = int(text)
    top = MAX_LEERJAAR.get(level, max(MAX_LEERJAAR.values()))
    if not 1 <= leerjaar <= top:
        if level:
            return None, _("%(level)s has leerjaar 1 to %(top)s; got %(value)s.") % {
                "level": level.label, "top": top, "value": leerjaar}
        return None, _("Leerjaar must be between 1 and %(top)s.") % {"top": top}
    return leerjaar, None


def parse_date(text):
    """(date or None, None) or (None, reason). dd-mm-jjjj, d-m-jjjj and jjjj-mm-dd; empty is None."""
    if not text:
        return None, None
    if match := DAY_FIRST.match(text):
        day, month, year = map(int, match.groups())
    elif match := YEAR_FIRST.match(text):
        year, month, day = map(int, match.groups())
    else:
        return None, _("Not a date; write it as dd-mm-jjjj, for example 04-05-2012.")
    try:
        return date(year, month, day), None
    except ValueError:
        return None, _("This date does not exist.")


def _parse_sex(text):
    if not text:
        return "", None
    sex = SEX_KEYS.get(_key(text))
    if sex is None:
        return None, _("Unknown sex; use M, V or X, or leave the cell empty.")
    return sex.value, None


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
    key = text.strip().lower()
    if key not in mentors:
        return None, _("No mentor at this school has this e-mail address or teacher code.")
    if mentors[key] is None:
        return None, _("Several mentors at this school have this teacher code; use the e-mail address.")
    return mentors[key], None


def _plan(school, records):
    """Which student numbers an upsert of `records` creates and which it changes."""
    fields = services.ROSTER_FIELDS
    numbers = [record["student_number"] for record in records]
    existing = {
        row["student_number"]: row
        for row in Student.objects.filter(school=school, student_number__in=numbers)
        .values("student_number", *fields)
    }
    to_create, to_update = [], []
    for record in records:
        current = existing.get(record["student_number"])
        if current is None:
            to_create.append(record["student_number"])
        elif any(current[f] != record[f] for f in fields if f in record):
            to_update.append(record["student_number"])
    return to_create, to_update


# Import jobs: the UI's upload → preview → confirm, with the file kept in MEDIA_ROOT.

def start_roster_job(*, school, upload, actor):
    """Store the uploaded file and its preview (a dry run); the job waits for confirmation."""
    job = ImportJob.objects.create(school=school, kind=ImportJob.Kind.ROSTER, file=upload,
                                   filename=Path(upload.name).name[:255], created_by=actor)
    result = _run_job(job, actor=actor, dry_run=True)
    job.mapping = {"columns": result.columns, "ignored": result.ignored_columns}
    job.preview_rows = result.preview_rows
    _record(job, result, ImportJob.Status.REJECTED if result.rejected else ImportJob.Status.PREVIEW)
    return job


def confirm_roster_job(*, job, actor):
    """Import a previewed job for real, once; False when the job was not waiting for that.

    The stored file is checked again, so the import stays all-or-nothing even when mentors or
    students changed since the preview.
    """
    with transaction.atomic():
        # A conditional update claims the job: a second confirmation finds nothing to claim.
        claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.PREVIEW).update(
            status=ImportJob.Status.RUNNING)
        if not claimed:
            job.refresh_from_db()
            return False
        result = _run_job(job, actor=actor, dry_run=False)
        job.finished_at = timezone.now()
        job.processed_rows = 0 if result.rejected else result.rows_read
        _record(job, result, ImportJob.Status.REJECTED if result.rejected else ImportJob.Status.DONE)
    return True


def _run_job(job, *, actor, dry_run):
    try:
        file = job.file.open("rb") if job.file else None
    except OSError:
        file = None
    if file is None:
        return RosterImportResult(dry_run=dry_run, errors=[
            RowError(None, "", "", _("The file could not be opened; upload it again."))])
    with file:
        return import_roster(school=job.school, path_or_file=file, filename=job.filename,
                             actor=actor, dry_run=dry_run)


def _record(job, result, status):
    job.status = status
    job.total_rows = result.rows_read
    job.summary = result.summary()
    job.errors = [e.as_dict() for e in result.errors]
    job.save()
    if status in (ImportJob.Status.DONE, ImportJob.Status.REJECTED) and job.file:
        # The file holds personal data and is never needed again: a rejected file is uploaded
        # anew once corrected. Removed only after commit, so a rollback keeps the job usable.
        file = job.file
        transaction.on_commit(lambda: file.storage.delete(file.name))
