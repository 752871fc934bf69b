"""Imports: a school's exports (CSV or XLSX) → checked records → one bulk write.

pandas lives here and nowhere else. Every cell is read as text and parsed explicitly, so
nothing is guessed (a leading zero in a student number survives, "04-05-2012" is 4 May, "5,5"
is five and a half). The whole file is checked first and every problem collected; a file with
any error writes nothing.

- Roster (`import_roster`): a clean file goes to `services.upsert_students` in one transaction,
  which makes a re-import update students instead of duplicating them.
- Scores (`import_scores`): grade exports (cijferlijsten) and standardised test results
  (Cito / LVS), up to millions of rows in bounded memory: read in chunks, checked in a first
  pass, written in a second pass in one transaction (COPY into a staging table and one
  INSERT … ON CONFLICT on PostgreSQL), idempotent by the natural key.

Before pandas or calamine reads a file, it is checked against IMPORT_LIMITS (size, columns,
line length, cells, and for XLSX the zip archive itself), so that a wrong or hostile file is
refused with a message instead of taking the memory or time of the process.
"""

import codecs
import csv
import io
import logging
import re
import struct
import unicodedata
import zipfile
import zlib
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from python_calamine import CalamineWorkbook

from portal import audit
from portal.models import Membership
from portal.queueing import queue_after_commit, run_here

from . import selectors, services
from .models import (MAX_LEERJAAR, ColumnMapping, ImportJob, Level, Score, StandardisedResult,
                     Student, Subject)

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10
MAX_SHOWN_CHARS = 200  # of a cell or a column name in a preview or an error; longer is cut with "…"
MAX_SHOWN_REASON = 1_000
MAX_HEADER_CHARS = 200  # a column name; a longer first-row cell is a title or data, not a header
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
        return {"row": self.row, "column": shown(self.column), "value": shown(self.value),
                "reason": shown(self.reason, MAX_SHOWN_REASON)}

    def __str__(self):
        where = f"row {self.row}" if self.row else "file"
        if self.column:
            where += f", column '{shown(self.column)}'"
        if self.row:
            where += f", value '{shown(self.value)}'"
        return f"{where}: {shown(self.reason, MAX_SHOWN_REASON)}"


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
    result.preview_rows = [{"row": number, "cells": [shown(cells[i]) for _c, i in columns]}
                           for number, cells in rows[:PREVIEW_ROWS]]
    if missing:
        result.errors.append(RowError(None, "", "", _(
            "Required columns are missing: %(columns)s. Columns found: %(found)s."
        ) % {"columns": ", ".join(c.headers[0] for c in missing),
             "found": ", ".join(h for h in header if h) or "—"}))
        return result
    if not rows:
        result.errors.append(RowError(None, "", "", no_rows_message()))
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
    """(header, rows, error): every cell as stripped text, header as written.

    The file is checked against the import limits before pandas reads it (see `_scan_csv` and
    `_check_workbook`); a roster is small, so it is then read whole.
    """
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        return [], [], _("Upload a .csv or .xlsx file; got %(name)s.") % {"name": filename}
    try:
        with _opened(path_or_file) as file:
            problem = size_problem(_file_size(file), ImportJob.Kind.ROSTER)
            if problem:
                return [], [], problem
            max_cells = import_limit("IMPORT_ROSTER_MAX_CELLS")
            if suffix in (".xlsx", ".xlsm"):
                _check_workbook(file, max_cells=max_cells)
                file.seek(0)
                frame, error = _read_xlsx(file.read())
            else:
                shape = _scan_csv(file)
                if shape.lines * shape.columns > max_cells:
                    raise _FileProblem(too_many_cells(shape.lines, shape.columns, max_cells))
                file.seek(0)
                frame, error = _read_csv(file.read(), shape)
    except OSError:
        return [], [], _("The file could not be opened; upload it again.")
    except _FileProblem as problem:
        return [], [], str(problem)
    if error:
        return [], [], error
    table = [[str(cell).strip() for cell in row] for row in frame.to_numpy().tolist()]
    if not table or not any(table[0]):
        return [], [], _("The file is empty: the first row should hold the column names.")
    return table[0], table[1:], header_problem(table[0])


def _opened(path_or_file):
    """A context with the open binary file: an open file is left open, a path is opened and closed."""
    if hasattr(path_or_file, "read"):
        return nullcontext(path_or_file)
    return open(path_or_file, "rb")  # noqa: SIM115 - closed by the caller's with


def _read_csv(data, shape):
    try:
        text = data.decode(shape.encoding)
    except UnicodeError:
        return None, _("The file is not readable text: save it as CSV in UTF-8 or Windows-1252.")
    try:
        # header=None keeps the headers exactly as written (pandas would rename duplicates);
        # skip_blank_lines=False keeps every line, so row numbers match the spreadsheet.
        frame = pd.read_csv(io.StringIO(text), sep=shape.delimiter, header=None, dtype=str,
                            keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError:
        return None, _("The file is empty: the first row should hold the column names.")
    except pd.errors.ParserError as exc:
        return None, csv_parser_problem(exc)
    return frame, None


def _read_xlsx(data):
    try:
        frame = pd.read_excel(io.BytesIO(data), engine="calamine", sheet_name=0, header=None,
                              dtype=str, keep_default_na=False)
    except Exception:  # noqa: BLE001 - any broken or disguised file is one message to the user
        return None, _("The file could not be read as an Excel workbook (.xlsx).")
    return frame, None


# Limits: what a file may be before it is read ----------------------------------------------------
#
# A school's export is small and regular. A file far outside these bounds is not one: it is refused
# with a message before pandas or calamine reads it, so that no upload can take the memory or the
# time of a web or worker process, and nothing is written. Each limit is a Django setting of the
# same name; these are the defaults.

IMPORT_LIMITS = {
    # The file as uploaded. A roster of 2,000 students is well under 1 MB; a school year's
    # cijferlijst of a large school (1,000,000 rows) is about 40 MB as CSV.
    "IMPORT_ROSTER_MAX_BYTES": 10 * 1024 * 1024,
    "IMPORT_SCORE_MAX_BYTES": 200 * 1024 * 1024,
    # An export has a few dozen columns (Excel itself stops at 16,384).
    "IMPORT_MAX_COLUMNS": 1_000,
    # CSV: a line of an export is well under 1 KB.
    "IMPORT_MAX_LINE_BYTES": 1024 * 1024,
    # Rows × columns of the table, empty cells included. A roster is read whole. A score XLSX is
    # read whole by calamine, which allocates the whole rectangle from the first to the last cell:
    # Excel's 1,048,576 rows of 16 columns. A score CSV is read in chunks, so it has no such limit.
    "IMPORT_ROSTER_MAX_CELLS": 1_000_000,
    "IMPORT_SCORE_XLSX_MAX_CELLS": 1_048_576 * 16,
    # XLSX is a zip archive of XML parts: their unpacked size together, how many times one part
    # may be compressed (100, Apache POI's default too) and how many parts there may be.
    "IMPORT_XLSX_MAX_UNPACKED_BYTES": 1024 * 1024 * 1024,
    "IMPORT_XLSX_MAX_RATIO": 100,
    "IMPORT_XLSX_MAX_PARTS": 1_000,
}
_CSV_BLOCK = 1024 * 1024
_RATIO_GRACE_BYTES = 1024 * 1024  # smaller parts (styles, themes) may compress as well as they like


class _FileProblem(Exception):
    """A problem with the file as a whole; its message is for the user."""


def import_limit(name):
    return getattr(settings, name, IMPORT_LIMITS[name])


def shown(text, limit=MAX_SHOWN_CHARS):
    """A cell as a preview or an error shows it: long text is cut, so that a 10 MB cell is not
    copied into every page and job row that mentions it."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _number(value):
    return formats.number_format(value, force_grouping=True)


def size_problem(size, kind):
    """The message for a file of `size` bytes too large to import as `kind` (ImportJob.Kind), or None."""
    if kind == ImportJob.Kind.ROSTER:
        top = import_limit("IMPORT_ROSTER_MAX_BYTES")
        message = _("The file is %(size)s; a roster file may be at most %(max)s. Is this the roster?")
    else:
        top = import_limit("IMPORT_SCORE_MAX_BYTES")
        message = _("The file is %(size)s; a score file may be at most %(max)s. Split it, for example "
                    "per period.")
    if size > top:
        return message % {"size": filesizeformat(size), "max": filesizeformat(top)}
    return None


def too_many_columns(count):
    return _("The file has %(count)s columns; an import reads at most %(max)s. Is this the right file?") % {
        "count": _number(count), "max": _number(import_limit("IMPORT_MAX_COLUMNS"))}


def too_many_cells(rows, columns, top):
    return _("The file spans %(rows)s rows of %(columns)s columns: more than an import reads (at most "
             "%(max)s cells). Delete the empty rows and columns, or is this the wrong file?") % {
        "rows": _number(rows), "columns": _number(columns), "max": _number(top)}


def header_problem(header):
    """A first row that cannot be column names (a title, or data), or None."""
    for number, name in enumerate(header, start=1):
        if len(name) > MAX_HEADER_CHARS:
            return _("Column %(number)s of the first row holds %(length)s characters; the first row "
                     "should hold the column names.") % {"number": number, "length": _number(len(name))}
    return None


def csv_parser_problem(exc):
    """pandas' parser error as a person can act on it."""
    text = str(exc)
    if match := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        expected, line, found = match.groups()
        return _("Line %(line)s has %(found)s cells where the first line has %(expected)s. A value "
                 "with the separator in it (such as 5,5 in a file separated by commas) must be in "
                 "quotes; or save the file with ; as the separator.") % {
            "line": line, "found": found, "expected": expected}
    if match := re.search(r"EOF inside string starting at row (\d+)", text):
        return _('A quote (") opened in line %(line)s is never closed.') % {
            "line": int(match.group(1)) + 1}
    return _("The file could not be read as CSV (%(detail)s).") % {"detail": shown(text)}


def _file_size(file):
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


# CSV: one pass over the bytes before pandas reads them ------------------------------------------

@dataclass(frozen=True)
class _CsvShape:
    encoding: str  # for pandas: utf-8-sig, cp1252 or utf-16
    delimiter: str
    columns: int  # of the first line with content
    lines: int  # the number of lines (the last one may lack its line end)


_DELIMITERS = (",", ";", "\t", "|")  # the one the first line holds most of; "," on a tie
# "ë" written as UTF-8 and read as Windows-1252 is "Ã«": in a file that is not UTF-8 throughout,
# such pairs mean that some lines are UTF-8 and others not.
_UTF8_AS_CP1252 = re.compile(rb"\xc3[\x80-\xbf]")
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")  # the five bytes Windows-1252 leaves undefined


def _scan_csv(file):
    """Encoding, delimiter, columns and lines of a CSV file, from one pass over its bytes in
    blocks of 1 MB, in bounded memory. Binary data, a line longer than IMPORT_MAX_LINE_BYTES,
    more than IMPORT_MAX_COLUMNS columns and a mix of encodings are refused (a _FileProblem) —
    the first two as soon as the block that shows them is read."""
    max_line = import_limit("IMPORT_MAX_LINE_BYTES")
    file.seek(0)
    first = file.read(_CSV_BLOCK)
    utf16 = first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    decoder = None if utf16 else codecs.getincrementaldecoder("utf-8")()
    not_utf8 = not_cp1252 = None  # the line of the first such byte
    utf8_pairs = False
    lines, line_length, block = 0, 0, first
    while block:
        if not utf16 and (nul := block.find(b"\x00")) >= 0:
            raise _FileProblem(_(
                "This is not a text file (line %(line)s holds binary data), so not a CSV file. Save "
                "the export as CSV, or upload an Excel workbook as .xlsx."
            ) % {"line": _number(lines + block.count(b"\n", 0, nul) + 1)})
        ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == ord("\n"))
        lengths = np.diff(ends, prepend=-1) - 1  # of the lines that end in this block
        if len(ends):
            lengths[0] += line_length
            line_length = len(block) - int(ends[-1]) - 1
        else:
            line_length += len(block)
        too_long = np.flatnonzero(lengths > max_line)
        if len(too_long) or line_length > max_line:
            raise _FileProblem(_(
                "Line %(line)s is longer than %(max)s; the lines of an export are short. Is this the "
                "right file?") % {"line": _number(lines + (int(too_long[0]) if len(too_long) else len(ends)) + 1),
                                  "max": filesizeformat(max_line)})
        if decoder and not_utf8 is None:
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                not_utf8 = lines + block.count(b"\n", 0, max(0, exc.start)) + 1
        if not utf16:
            utf8_pairs = utf8_pairs or bool(_UTF8_AS_CP1252.search(block))
            if not_cp1252 is None and (match := _NOT_CP1252.search(block)):
                not_cp1252 = lines + block.count(b"\n", 0, match.start()) + 1
        lines += len(ends)
        block = file.read(_CSV_BLOCK)
    lines += line_length > 0
    if decoder and not_utf8 is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            not_utf8 = lines
    if not_utf8 is not None and (utf8_pairs or not_cp1252 is not None):
        if not_cp1252 is not None and not utf8_pairs:
            raise _FileProblem(_("Line %(line)s is not readable text: save the file as CSV in UTF-8 "
                                 "or Windows-1252.") % {"line": _number(not_cp1252)})
        raise _FileProblem(_(
            "The file mixes two encodings: line %(line)s is not UTF-8 while other lines are. Save it "
            "again as CSV UTF-8.") % {"line": _number(not_utf8)})
    encoding = "utf-16" if utf16 else "cp1252" if not_utf8 is not None else "utf-8-sig"
    text = first.decode(encoding, errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=first_line.count)
    columns = len(next(csv.reader([first_line], delimiter=delimiter), []))
    if columns > import_limit("IMPORT_MAX_COLUMNS"):
        raise _FileProblem(too_many_columns(columns))
    return _CsvShape(encoding, delimiter, columns, lines)


# XLSX: the zip archive and its sheets, checked before calamine opens it --------------------------
#
# calamine reads a sheet whole into a rectangle from its first to its last cell, empty cells
# included; a workbook of 2 KB with cells A1 and XFD1048576 asks for 17 billion cells and aborts
# the process. So every part of the archive is read once, unpacked a block at a time, and the
# rectangle its cells span is worked out from their references (<c r="B12">) before calamine
# sees the file. calamine itself refuses a part that unpacks to more than the archive says.

_CELL_START = re.compile(rb"<c[\s/>]")
# A cell as Excel and the common libraries write it: its reference first and only once.
_PLAIN_CELL = re.compile(rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"(?: (?!r=)[\w:.-]+="[^"]*")*\s*/?>')
_PREFIXED_CELL = re.compile(rb"<[\w.-]+:c[\s/>]")
_ROW_OR_CELL_START = re.compile(rb"<(?:[\w.-]+:)?(?:row|c)[\s/>]")
# calamine also reads attributes that no whitespace separates (<c r="A1"r="XFD1">).
_ATTRIBUTES = rb'(?:\s+[^\s=/>"\']+\s*=\s*(?:"[^"]*"|\'[^\']*\')(?:\s*[^\s=/>"\']+\s*=\s*(?:"[^"]*"|\'[^\']*\'))*)?'
_ROW_OR_CELL = re.compile(rb"<(?:[\w.-]+:)?(row|c)(" + _ATTRIBUTES + rb")\s*/?>")
_ATTRIBUTE = re.compile(rb'([^\s=]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_REFERENCE = re.compile(rb"\s*([A-Za-z]{1,7})([0-9]{1,10})\s*")


def _check_workbook(file, *, max_cells):
    """Refuse (a _FileProblem) an XLSX file that is no workbook, a zip bomb, or a sheet whose
    cells span more than IMPORT_MAX_COLUMNS columns or `max_cells` cells."""
    unreadable = _("The file could not be read as an Excel workbook (.xlsx).")
    file.seek(0)
    if file.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE file: .xls, or encrypted .xlsx
        raise _FileProblem(_("This is an old Excel file (.xls) or a workbook with a password; save it "
                             "in Excel as .xlsx (Excel workbook) without a password."))
    max_parts = import_limit("IMPORT_XLSX_MAX_PARTS")
    directory = _zip_directory_size(file)
    if directory is None:
        raise _FileProblem(unreadable)
    if directory > max_parts * 1024:  # read before the parts are counted: ~100 bytes a part
        raise _FileProblem(_too_many_parts(directory // 100))
    try:
        file.seek(0)
        archive = zipfile.ZipFile(file)
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        raise _FileProblem(unreadable) from None
    if len(parts) > max_parts:
        raise _FileProblem(_too_many_parts(len(parts)))
    names = {part.filename for part in parts}
    # calamine opens whatever format it recognises; only an .xlsx is checked here.
    if "xl/workbook.xml" not in names or {"content.xml", "xl/workbook.bin"} & names:
        raise _FileProblem(_("This is not an .xlsx workbook; open it in Excel or LibreOffice and save "
                             "it as .xlsx (Excel workbook)."))
    ratio = import_limit("IMPORT_XLSX_MAX_RATIO")
    for part in parts:
        if part.file_size > _RATIO_GRACE_BYTES and part.file_size > ratio * max(part.compress_size, 1):
            raise _FileProblem(_(
                "The workbook unpacks to far more than its size: %(part)s is compressed %(ratio)s "
                "times, where a genuine export stays under %(max)s. Save it again in Excel as a new "
                "workbook, or export CSV.") % {
                "part": shown(part.filename, 100), "ratio": _number(part.file_size // max(part.compress_size, 1)),
                "max": _number(ratio)})
    unpacked, top = sum(part.file_size for part in parts), import_limit("IMPORT_XLSX_MAX_UNPACKED_BYTES")
    if unpacked > top:
        raise _FileProblem(_("The workbook unpacks to %(size)s; at most %(max)s can be read. Export "
                             "CSV instead.") % {"size": filesizeformat(unpacked), "max": filesizeformat(top)})
    max_columns = import_limit("IMPORT_MAX_COLUMNS")
    try:
        for part in parts:
            rows, columns = _cell_extent(archive, part)
            if columns > max_columns:
                raise _FileProblem(too_many_columns(columns))
            if rows * columns > max_cells:
                raise _FileProblem(too_many_cells(rows, columns, max_cells))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError,
            zlib.error):
        raise _FileProblem(unreadable) from None


def _too_many_parts(count):
    return _("The workbook consists of %(count)s parts; one to import has at most %(max)s. Copy the "
             "sheet into a new workbook, or export CSV.") % {
        "count": _number(count), "max": _number(import_limit("IMPORT_XLSX_MAX_PARTS"))}


def _zip_directory_size(file):
    """The size in bytes of a zip archive's central directory, as its end record says, or None
    when there is no end record. Python's zipfile reads the whole directory at once; a directory
    of millions of entries is refused before that."""
    size = _file_size(file)
    start = max(0, size - (22 + 65535 + 20))  # the end record, its comment, the zip64 locator
    file.seek(start)
    tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    directory = struct.unpack("<I", tail[at + 12:at + 16])[0]
    if at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07":  # zip64: the size is in its own record
        file.seek(struct.unpack("<Q", tail[at - 12:at - 4])[0])
        record = file.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            return None
        directory = struct.unpack("<Q", record[40:48])[0]
    return directory


def _cell_extent(archive, part):
    """(rows, columns): the rectangle calamine would allocate if this part is read as a sheet.

    Any part may be the sheet (the workbook's relations name it), so every part is read. A part
    whose cells are all written the usual way is read with two regular expressions; any other
    is read again tag by tag, placing each cell as calamine does: by its reference, else one
    column right of the cell before it, in the row of its <row> tag (by its reference, else one
    below the row before). Tags that cannot be read add a row and a column each."""
    with archive.open(part) as stream:
        extent = _plain_extent(_xml_pieces(stream))
    if extent is None:
        with archive.open(part) as stream:
            extent = _tag_extent(_xml_pieces(stream))
    return extent


def _xml_pieces(stream):
    """A part's bytes in pieces of about 1 MB, each ending just before a "<" (a tag never holds
    one), so no tag is cut in two. Text longer than 1 MB after a tag other than a row or a cell
    is dropped; after a row or a cell it cannot belong to a genuine sheet."""
    carry = b""
    while block := stream.read(_CSV_BLOCK):
        data = carry + block
        cut = data.rfind(b"<")
        if cut > 0:
            yield data[:cut]
        carry = data[cut:] if cut >= 0 else b""
        if len(carry) > _CSV_BLOCK:
            if _ROW_OR_CELL_START.match(carry):
                raise ValueError("a row or cell tag without an end")
            carry = b""
    if carry:
        yield carry


def _plain_extent(pieces):
    rows = columns = 0
    for piece in pieces:
        cells = _PLAIN_CELL.findall(piece)
        # b"<c" also starts <col> and <cfRule>: the exact count only when the quick one differs.
        if ((piece.count(b"<c") != len(cells) and len(_CELL_START.findall(piece)) != len(cells))
                or (b":c" in piece and _PREFIXED_CELL.search(piece))):
            return None
        if cells:
            columns = max(columns, *map(_column_number, set(map(itemgetter(0), cells))))
            numbers = list(map(itemgetter(1), cells))
            # Without leading zeros, numbers of one length compare as text (much faster).
            longest = max(map(len, numbers))
            if min(map(len, numbers)) != longest:
                numbers = [number for number in numbers if len(number) == longest]
            rows = max(rows, int(max(numbers)))
    return rows, columns


def _tag_extent(pieces):
    row = column = -1  # the current row and the column of the cell before, counted from 0
    last_row = last_column = -1
    unread = 0
    for piece in pieces:
        tags = _ROW_OR_CELL.findall(piece)
        unread += len(_ROW_OR_CELL_START.findall(piece)) - len(tags)
        for name, attributes in tags:
            references = [double or single for key, double, single in _ATTRIBUTE.findall(attributes)
                          if key == b"r"]
            if name == b"row":
                numbers = [int(r) for r in references if r.strip().isdigit()]
                row = max(numbers) - 1 if numbers else row + 1
                column = -1
                continue
            places = [match.groups() for r in references if (match := _REFERENCE.fullmatch(r))]
            if places:  # with two references calamine takes the last one; the largest is safe
                cell_row = max(int(number) for _letters, number in places) - 1
                column = max(_column_number(letters) for letters, _number in places) - 1
            else:
                cell_row, column = max(row, 0), column + 1
            last_row, last_column = max(last_row, cell_row), max(last_column, column)
    return last_row + 1 + unread, last_column + 1 + unread


def _column_number(letters):
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27, 'XFD' -> 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


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


# ---------------------------------------------------------------------------------------------
# Score import: grade exports (cijferlijsten) and standardised test results (Cito / LVS).
#
# Pass 1 reads the file in chunks of 50,000 rows, checks every row and loads the good ones into a
# temporary staging table of the database session (COPY on PostgreSQL); nothing a user can see
# is written. Only a clean file gets pass 2: one INSERT … ON CONFLICT from the staging table, in
# one transaction with the audit entry. Memory stays bounded by the chunk. Each distinct cell
# value is parsed once per import (a school year has a few hundred dates and grades), so checking
# a chunk is a handful of dictionary maps over pandas columns, with the roster's parsers.
# ---------------------------------------------------------------------------------------------

GRADES, STANDARDISED = "grades", "standardised"
SCORE_KINDS = {GRADES: gettext_lazy("grades (cijferlijst)"),
               STANDARDISED: gettext_lazy("standardised test results (Cito / LVS)")}
SCORE_CHUNK_ROWS = 50_000
SCORE_CHUNK_CELLS = 1_000_000  # a chunk of a wide file has fewer rows (50,000 rows of 20 columns)
MAX_STORED_ERRORS = 1_000  # a file with more errors keeps the first ones and counts the rest
# Files up to this size are checked and imported in the request, larger ones by a Celery worker
# (about 5,000 rows of a cijferlijst; the setting SCORE_IMPORT_SYNC_MAX_BYTES overrides it).
SCORE_SYNC_MAX_BYTES = 256 * 1024
EARLIEST_SCORE_DATE = date(2000, 1, 1)
_PARSE_CACHE_LIMIT = 200_000  # distinct values remembered per column, to keep memory bounded

_STUDENT_NUMBER = Column("student_number", gettext_lazy("student number"),
                         ("leerlingnummer", "llnr", "leerlingnr", "studentnummer", "stamnummer",
                          "stamnr", "student number", "student id"), required=True)
_TEST = Column("test", gettext_lazy("test"),
               ("toets", "omschrijving", "toetsomschrijving", "toetsnaam", "toetsmoment", "afname",
                "kolom", "test", "description", "assessment"), required=True)
_DATE = Column("date", gettext_lazy("date"),
               ("datum", "toetsdatum", "afnamedatum", "datum afname", "date"), required=True)
SCORE_COLUMNS = {
    GRADES: (
        _STUDENT_NUMBER,
        Column("subject", gettext_lazy("subject"),
               ("vak", "vakcode", "vaknaam", "vakafkorting", "subject", "course"), required=True),
        _TEST,
        _DATE,
        Column("grade", gettext_lazy("grade"), ("cijfer", "resultaat", "score", "grade", "result"),
               required=True),
        Column("weight", gettext_lazy("weight"), ("weging", "weegfactor", "gewicht", "weight")),
        Column("period", gettext_lazy("period"), ("periode", "rapportperiode", "period", "term")),
    ),
    STANDARDISED: (
        _STUDENT_NUMBER,
        _TEST,
        Column("domain", gettext_lazy("domain"),
               ("domein", "onderdeel", "toetsonderdeel", "leergebied", "vakgebied", "domain"),
               required=True),
        _DATE,
        Column("level", gettext_lazy("level (I–V or A–E)"), ("niveau", "niveauwaarde", "level"),
               required=True),
        Column("ability", gettext_lazy("ability score"),
               ("vaardigheidsscore", "vs", "vaardigheid", "ability score", "ability", "score")),
    ),
}
SCORE_HEADER_KEYS = {kind: {_key(h): (c, rank) for c in columns for rank, h in enumerate(c.headers)}
                     for kind, columns in SCORE_COLUMNS.items()}
# Headers only a grade export has, and headers only a standardised-test export has.
_GRADE_EVIDENCE = {_key(h) for h in ("cijfer", "resultaat", "grade", "weging", "weegfactor", "vak",
                                     "vakcode", "vaknaam")}
_STANDARDISED_EVIDENCE = {_key(h) for h in ("vaardigheidsscore", "vs", "vaardigheid", "ability",
                                            "domein", "onderdeel", "toetsonderdeel", "niveauwaarde")}

# How student information systems write the standard subjects (services.STANDARD_SUBJECTS). An
# alias counts only when the school has that subject; "wiskunde A" stays unknown unless the
# school has a subject with that code or name.
SUBJECT_ALIASES = {
    "ne": ("nederlands", "nederlandse taal", "ned", "nl", "netl"),
    "en": ("engels", "engelse taal", "eng", "entl"),
    "wi": ("wiskunde", "wis"),
    "fa": ("frans", "franse taal", "fra", "fatl"),
    "du": ("duits", "duitse taal", "dui", "dutl"),
    "gs": ("geschiedenis", "gesch", "ges"),
    "ak": ("aardrijkskunde", "aardr"),
    "bi": ("biologie", "bio"),
    "na": ("natuurkunde", "nat"),
    "sk": ("scheikunde", "schk"),
    "ec": ("economie", "eco", "econ"),
    "lo": ("lichamelijke opvoeding", "gym", "bewegingsonderwijs"),
}
# Cito LVS levels: I–V (since 2014) and A–E (before); both stored as 1 (highest) … 5.
CITO_LEVELS = {**{roman: n for n, roman in enumerate(("i", "ii", "iii", "iv", "v"), start=1)},
               **{letter: n for n, letter in enumerate("abcde", start=1)}}
GRADE_TEXT = re.compile(r"^\d{1,2}(?:[.,]\d+)?$")
WEIGHT_TEXT = re.compile(r"^\d{1,3}(?:[.,]\d+)?$")


# Reading: a CSV or XLSX file as chunks of stripped text -----------------------------------------

class ScoreTable:
    """A CSV or XLSX file read as text, in chunks of SCORE_CHUNK_ROWS rows, as often as needed.

    `header` is the first row as written, `first_rows` the next rows with content as
    (spreadsheet row, cells). Each chunk is a DataFrame of stripped text indexed by spreadsheet
    row number (the header is row 1). CSV is streamed by pandas. XLSX is read whole by calamine
    (into its compact Rust form, about 50 bytes a cell) and turned into text a chunk at a time:
    fine up to Excel's limit of 1,048,576 rows; for more, or tighter memory, export CSV.
    A wide file is read in chunks of fewer rows (SCORE_CHUNK_CELLS cells a chunk).

    The file is checked against the import limits before it is parsed (`_scan_csv`,
    `_check_workbook`): a file that breaks one raises a _FileProblem.
    """

    def __init__(self, file, filename):
        self.file = file
        suffix = Path(filename or "").suffix.lower()
        if suffix not in (".csv", ".txt", ".xlsx", ".xlsm"):
            raise _FileProblem(_("Upload a .csv or .xlsx file; got %(name)s.") % {"name": filename})
        if problem := size_problem(_file_size(file), ImportJob.Kind.SCORES):
            raise _FileProblem(problem)
        if suffix in (".csv", ".txt"):
            self._open_csv()
        else:
            self._open_xlsx()
        first = next(self.chunks(with_header=True), None)
        header = [cell.strip() for cell in first.iloc[0]] if first is not None and len(first) else []
        if not any(header):
            raise _FileProblem(_("The file is empty: the first row should hold the column names."))
        if problem := header_problem(header):
            raise _FileProblem(problem)
        self.header = header
        self.first_rows = []
        for number, cells in zip(first.index[1:], first.iloc[1:].itertuples(index=False, name=None)):
            cells = [cell.strip() for cell in cells]
            if any(cells):
                self.first_rows.append((int(number), [shown(cell) for cell in cells]))
            if len(self.first_rows) == PREVIEW_ROWS:
                break

    def chunks(self, *, with_header=False):
        """DataFrames of text as written (not yet stripped: ScoreRows strips each distinct
        value once, which is much faster than stripping every cell)."""
        frames = self._csv_chunks() if self.delimiter else self._xlsx_chunks()
        for frame in frames:
            frame = frame.fillna("")  # the missing cells of a short row
            frame.index = frame.index + 1
            if not with_header:
                frame = frame.loc[frame.index > 1]
            with_header = True  # only the first chunk holds the header
            yield frame

    def _open_csv(self):
        """Encoding (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), delimiter,
        width and row estimate, from one pass over the bytes (`_scan_csv`)."""
        shape = _scan_csv(self.file)
        self.encoding, self.delimiter = shape.encoding, shape.delimiter
        self.chunk_rows = _chunk_rows(shape.columns)
        self.estimated_rows = max(0, shape.lines - 1)

    def _csv_chunks(self):
        self.file.seek(0)
        # pandas decodes only a real file object with `encoding`; anything else (a Django File, as
        # an upload is) it would read as UTF-8, turning a Windows-1252 file into an error.
        source = self.file if isinstance(self.file, io.IOBase) else io.BufferedReader(_RawReader(self.file))
        try:
            # header=None keeps the headers as written (pandas would rename duplicates);
            # skip_blank_lines=False keeps row numbers equal to the spreadsheet's.
            yield from pd.read_csv(source, sep=self.delimiter, header=None, dtype=str,
                                   keep_default_na=False, skip_blank_lines=False,
                                   encoding=self.encoding, chunksize=self.chunk_rows)
        except pd.errors.EmptyDataError:
            return
        except UnicodeError:
            raise _FileProblem(_("The file is not readable text: save it as CSV in UTF-8 or "
                                 "Windows-1252.")) from None
        except pd.errors.ParserError as exc:
            raise _FileProblem(csv_parser_problem(exc)) from None

    def _open_xlsx(self):
        self.delimiter = None
        _check_workbook(self.file, max_cells=import_limit("IMPORT_SCORE_XLSX_MAX_CELLS"))
        self.file.seek(0)
        try:
            self.sheet = CalamineWorkbook.from_filelike(self.file).get_sheet_by_index(0)
        except Exception:  # noqa: BLE001 - any broken or disguised file is one message to the user
            raise _FileProblem(_("The file could not be read as an Excel workbook (.xlsx).")) from None
        # iter_rows() starts at the sheet's first row, even when that is empty; a sheet without
        # cells has no start.
        start = self.sheet.start
        self.estimated_rows = max(0, start[0] + self.sheet.height - 1) if start else 0
        self.chunk_rows = _chunk_rows(self.sheet.width)

    def _xlsx_chunks(self):
        rows, start = [], 0
        for number, row in enumerate(self.sheet.iter_rows()):
            rows.append([_cell_text(cell) for cell in row])
            if len(rows) == self.chunk_rows:
                yield pd.DataFrame(rows, index=range(start, number + 1), dtype=str)
                rows, start = [], number + 1
        if rows:
            yield pd.DataFrame(rows, index=range(start, start + len(rows)), dtype=str)


class _RawReader(io.RawIOBase):
    """Any object with read(size) as a raw binary stream."""

    def __init__(self, file):
        self.file = file

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.file.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _chunk_rows(columns):
    """Rows a chunk holds: SCORE_CHUNK_ROWS, fewer for a wide file, so a chunk's memory is bounded."""
    return max(1, min(SCORE_CHUNK_ROWS, SCORE_CHUNK_CELLS // max(1, columns)))


def _cell_text(value):
    """An XLSX cell as the text a person sees: 1001 (not 1001.0), 6.7, 2026-09-14."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(round(value, 9))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# Columns: which field is in which column -----------------------------------------------------

@dataclass
class ColumnPlan:
    kind: str
    columns: dict  # field -> index of the file's column
    missing: list  # required Columns that were not found
    source: str = "auto"  # "auto", "saved" (the school's saved mapping) or "manual"


def plan_score_columns(header, first_rows=(), *, kind=None, saved=None, columns=None):
    """Which column holds which field in a file with this header.

    `kind` is GRADES, STANDARDISED or None (recognise it from the columns); `saved` is the
    school's saved mapping ({kind: {field: header as written}}), applied before the usual
    spellings; `columns` ({field: index}) is a manual choice, used as given.
    """
    saved = saved or {}
    keys = [_key(h) for h in header]
    if kind not in SCORE_COLUMNS:
        kind = _detect_kind(keys, first_rows, saved)
    fields = {c.field for c in SCORE_COLUMNS[kind]}
    if columns is not None:
        columns = {f: int(i) for f, i in columns.items()
                   if f in fields and i not in (None, "") and 0 <= int(i) < len(header)}
        source = "manual"
    else:
        columns, source = {}, "auto"
        for field_name, saved_header in saved.get(kind, {}).items():
            if field_name in fields and _key(saved_header) in keys:
                columns[field_name] = keys.index(_key(saved_header))
                source = "saved"
        best = {}
        for index, key in enumerate(keys):
            match = SCORE_HEADER_KEYS[kind].get(key)
            if match is None or match[0].field in columns or index in columns.values():
                continue
            column, rank = match
            if column.field not in best or rank < best[column.field][1]:
                best[column.field] = (index, rank)  # the usual spelling wins; then the first column
        columns.update({f: index for f, (index, _rank) in best.items()})
    missing = [c for c in SCORE_COLUMNS[kind] if c.required and c.field not in columns]
    return ColumnPlan(kind=kind, columns=columns, missing=missing, source=source)


def _detect_kind(keys, first_rows, saved):
    for kind in (STANDARDISED, GRADES):  # a saved mapping whose columns are all there decides
        if saved.get(kind) and all(_key(h) in keys for h in saved[kind].values()):
            return kind
    grade_evidence = _GRADE_EVIDENCE.intersection(keys)
    standardised_evidence = _STANDARDISED_EVIDENCE.intersection(keys)
    for index, key in enumerate(keys):  # a niveau column holding I–V or A–E, not havo or vwo
        if key in ("niveau", "level"):
            values = [_key(cells[index]) for _row, cells in first_rows if index < len(cells) and cells[index]]
            if values and all(v in CITO_LEVELS for v in values):
                standardised_evidence.add(key)
    return STANDARDISED if standardised_evidence and not grade_evidence else GRADES


def saved_score_mapping(school):
    """The school's saved column mapping for score files: {kind: {field: header as written}}."""
    mapping = ColumnMapping.objects.filter(school=school, kind=ImportJob.Kind.SCORES).first()
    return mapping.mapping if mapping else {}


def save_score_mapping(*, school, kind, columns, header, actor):
    """Remember which header holds which field, so the next file of this school maps itself."""
    mapping = saved_score_mapping(school)
    mapping[kind] = {f: header[i] for f, i in columns.items()}
    ColumnMapping.objects.update_or_create(school=school, kind=ImportJob.Kind.SCORES,
                                           defaults={"mapping": mapping, "updated_by": actor})


# Checking: a chunk of text → database rows and row errors ------------------------------------

def parse_grade(text):
    """('5.5', None) for '5,5' or '5.5': between 1 and 10, at most one decimal; else (None, reason)."""
    if not text:
        return None, _("Required; this cell is empty.")
    if not GRADE_TEXT.match(text):
        return None, _("Not a grade; write a number from 1 to 10, for example 5,5.")
    grade = Decimal(text.replace(",", "."))
    if not Decimal(1) <= grade <= Decimal(10):
        return None, _("A grade lies between 1 and 10.")
    if grade != grade.quantize(Decimal("0.1")):
        return None, _("Give the grade with at most one decimal, for example 6,8.")
    return f"{grade:.1f}", None


def _parse_weight(text):
    if not text:
        return "1.0", None
    weight = Decimal(text.replace(",", ".")) if WEIGHT_TEXT.match(text) else None
    if weight is None or weight <= 0 or weight != weight.quantize(Decimal("0.1")):
        return None, _("Not a weight; write a number greater than 0 with at most one decimal, "
                       "for example 2 or 0,5.")
    return f"{weight:.1f}", None


def _parse_score_date(text):
    if not text:
        return None, _("Required; this cell is empty.")
    value, reason = parse_date(text)
    if reason:
        return None, reason
    if value > timezone.localdate():
        return None, _("This date lies in the future.")
    if value < EARLIEST_SCORE_DATE:
        return None, _("This date lies before 2000; check the year.")
    return value.isoformat(), None


def parse_cito_level(text):
    """(1–5, None) for I–V or A–E (I = A = 1, the highest); else (None, reason)."""
    if not text:
        return None, _("Required; this cell is empty.")
    level = CITO_LEVELS.get(_key(text))
    if level is None:
        return None, _("Unknown level; use I, II, III, IV or V, or A to E.")
    return level, None


def _parse_ability(text):
    if not text:
        return None, None
    if not text.isdigit() or len(text) > 9:
        return None, _("Not an ability score; write a whole number, for example 142.")
    return int(text), None


class _Lookup:
    """A school's student numbers or subjects, loaded once per import: text → (id, reason)."""

    def __init__(self, exact, fallback, key, unknown, ambiguous):
        self.exact, self.fallback, self.key = exact, fallback, key
        self.unknown, self.ambiguous = unknown, ambiguous

    def __call__(self, text):
        if not text:
            return None, _("Required; this cell is empty.")
        found = self.exact.get(text)
        if found is None:
            found = self.fallback.get(self.key(text), 0)
        if found == 0:
            return None, self.unknown
        if found is None:
            return None, self.ambiguous
        return found, None

    @classmethod
    def students(cls, school):
        exact, fallback = {}, {}
        for pk, number in Student.objects.filter(school=school).values_list("pk", "student_number"):
            exact[number] = pk
            stripped = number.lstrip("0")  # a spreadsheet turns 001002 into 1002
            fallback[stripped] = pk if fallback.get(stripped, pk) == pk else None
        return cls(exact, fallback, lambda text: text.lstrip("0"),
                   _("No student with this student number at this school."),
                   _("Several students match this number without its leading zeros; write it in full."))

    @classmethod
    def subjects(cls, school):
        subjects = list(Subject.objects.filter(school=school).values_list("pk", "code", "name"))
        by_key = {}
        for pk, code, _name in subjects:  # codes first, then names, then the usual aliases
            by_key.setdefault(_key(code), pk)
        by_name = {}
        for pk, _code, name in subjects:
            by_name[_key(name)] = pk if by_name.get(_key(name), pk) == pk else None
        for name_key, pk in by_name.items():
            by_key.setdefault(name_key, pk)
        for code, spellings in SUBJECT_ALIASES.items():
            if by_key.get(code):
                for spelling in spellings:
                    by_key.setdefault(_key(spelling), by_key[code])
        return cls({}, by_key, _key,
                   _("Unknown subject: this school has no subject with this code or name."),
                   _("Several subjects of this school have this name; use the subject code."))


@dataclass(frozen=True)
class _Target:
    """Where a kind of file goes: the model, its natural key and the values a re-import updates."""

    model: type
    key: tuple  # model fields of the natural key, in the unique constraint's order
    values: tuple
    audit_what: str  # Dutch, for the audit log

    @property
    def fields(self):
        return (*self.key, *self.values)


TARGETS = {
    GRADES: _Target(Score, ("student", "subject", "test", "date"), ("grade", "weight", "period"),
                    "cijfers"),
    STANDARDISED: _Target(StandardisedResult, ("student", "domain", "test", "date"),
                          ("level", "ability"), "toetsresultaten (LVS)"),
}
_FILE_FIELD = {"student": "student_number"}  # model field → file field, where they differ
_DEFAULTS = {"weight": "1.0", "period": "", "ability": None}  # for a column the file lacks


@dataclass
class _Checked:
    ready: pd.DataFrame  # the rows without errors, as database columns
    errors: "_ChunkErrors"
    rows_read: int
    rejected_rows: int


class ScoreRows:
    """Checks chunks of a score file: database rows for the good rows, row errors for the rest."""

    def __init__(self, school, plan, header):
        self.kind, self.columns, self.header = plan.kind, plan.columns, header
        self.target = TARGETS[plan.kind]
        self.fields = [c for c in SCORE_COLUMNS[plan.kind] if c.field in plan.columns]
        meta = self.target.model._meta
        self.db_columns = [meta.get_field(f).column for f in self.target.fields]
        self.parsers = {"student_number": _Lookup.students(school), "date": _parse_score_date}
        if plan.kind == GRADES:
            self.parsers.update(subject=_Lookup.subjects(school), grade=parse_grade, weight=_parse_weight)
        else:
            self.parsers.update(level=parse_cito_level, ability=_parse_ability)
        self.max_length = {f: meta.get_field(f).max_length for f in ("test", "period", "domain")
                           if f in plan.columns}
        self._cache = {f: {} for f in self.parsers}
        self._seen = _SeenKeys()

    def check(self, frame, *, find_duplicates=True):
        """Check one chunk (from ScoreTable.chunks): the good rows as database columns, the
        errors, the rows read (blank rows are not counted) and the rows rejected."""
        cells = {}
        for column in self.fields:
            raw = frame[self.columns[column.field]]
            uniques = raw.unique()
            stripped = {v: v.strip() for v in uniques}
            cells[column.field] = (raw if all(k == v for k, v in stripped.items())
                                   else raw.map(stripped).astype(raw.dtype))
        # Blank rows are skipped, not counted: no content in the columns used, nor in the others.
        content = pd.concat([text != "" for text in cells.values()], axis=1).any(axis=1)
        unused = [i for i in frame.columns if i not in self.columns.values()]
        if unused and not content.all():
            empty = ~content
            content[empty] = (frame.loc[empty, unused].apply(lambda c: c.str.strip()) != "").any(axis=1)
        if not content.all():
            frame = frame[content]
            cells = {f: text[content] for f, text in cells.items()}
        values, reasons = {}, {}
        for column in self.fields:
            text = cells[column.field]
            if column.field in self.parsers:
                values[column.field], reasons[column.field] = self._parse(column.field, text)
            else:
                values[column.field], reasons[column.field] = text, self._check_text(column, text)
        if find_duplicates and len(frame):
            self._mark_duplicates(frame.index, values, reasons)
        failed = pd.concat([r.notna() for r in reasons.values()], axis=1).any(axis=1).to_numpy()
        ready = pd.DataFrame(index=frame.index[~failed])
        for name, db_column in zip(self.target.fields, self.db_columns):
            file_field = _FILE_FIELD.get(name, name)
            ready[db_column] = values[file_field][~failed] if file_field in values else _DEFAULTS[name]
        for db_column in ("student_id", "subject_id", "level"):
            if db_column in ready:
                ready[db_column] = ready[db_column].astype("int64")
        if "ability" in ready:
            ready["ability"] = ready["ability"].astype("Int64")
        problems = [(position, self.header[self.columns[c.field]], cells[c.field], reasons[c.field])
                    for position, c in enumerate(self.fields)]
        return _Checked(ready, _ChunkErrors(problems), len(frame), int(failed.sum()))

    def _parse(self, field_name, text):
        """(values, reasons) of a column, each distinct value parsed once."""
        cache, parse = self._cache[field_name], self.parsers[field_name]
        uniques = text.unique()
        if len(cache) + len(uniques) > _PARSE_CACHE_LIMIT:
            cache.clear()
        for value in uniques:
            if value not in cache:
                cache[value] = parse(value)
        return (text.map({v: cache[v][0] for v in uniques}).astype(object),
                text.map({v: cache[v][1] for v in uniques}).astype(object))

    def _check_text(self, column, text):
        top = self.max_length[column.field]
        reasons = pd.Series(None, index=text.index, dtype=object)
        reasons[text.str.len() > top] = _("Too long: at most %(max)s characters.") % {"max": top}
        if column.required:
            reasons[text == ""] = _("Required; this cell is empty.")
        return reasons

    def _mark_duplicates(self, rows, values, reasons):
        """A natural key met earlier in the file is an error on the later row (test column)."""
        key_fields = [_FILE_FIELD.get(f, f) for f in self.target.key]
        valid = ~pd.concat([reasons[f].notna() for f in key_fields], axis=1).any(axis=1)
        if not valid.any():
            return
        keys = pd.DataFrame({f: values[f][valid] for f in key_fields})
        for f in ("student_number", "subject"):
            if f in keys:
                keys[f] = keys[f].astype("int64")
        labels = rows[valid.to_numpy()]
        first = self._seen.first_rows(pd.util.hash_pandas_object(keys, index=False).to_numpy(),
                                      labels.to_numpy())
        again = first > 0
        if again.any():
            message = (_("This student already has a grade for this subject, test and date in row %(row)s.")
                       if self.kind == GRADES else
                       _("This student already has a result for this domain, test and date in row %(row)s."))
            test = reasons["test"].copy()
            test.loc[labels[again]] = [message % {"row": row} for row in first[again]]
            reasons["test"] = test


class _ChunkErrors:
    """A chunk's errors: counted at once, turned into RowErrors only as far as they are kept."""

    def __init__(self, problems):
        self.problems = [(position, header, text, reasons[reasons.notna()])
                         for position, header, text, reasons in problems]
        self.count = sum(len(reasons) for *_rest, reasons in self.problems)

    def first(self, limit):
        """The first `limit` errors, by row and then left to right as the row reads."""
        if limit <= 0 or not self.count:
            return []
        found = []
        for position, header, text, reasons in self.problems:
            for row, reason in reasons.iloc[:limit].items():
                found.append((row, position, RowError(int(row), header, text[row], reason)))
        found.sort(key=lambda item: item[:2])
        return [error for _row, _position, error in found[:limit]]


class _SeenKeys:
    """Natural keys met so far, as 64-bit hashes with their row: 16 bytes a row, in a few sorted
    runs of doubling size (merged as they grow), so each chunk is looked up in O(log n) runs.

    A hash collision (about one in 10^7 for a million rows) would report a false duplicate; it
    can never let a real duplicate through.
    """

    def __init__(self):
        self._runs = []  # [(sorted hashes, their rows)], largest first

    def first_rows(self, hashes, rows):
        """For each key, the row where it was met before (earlier chunks first), else 0."""
        first = np.zeros(len(hashes), dtype=np.int64)
        for seen, seen_rows in self._runs:
            at = np.minimum(np.searchsorted(seen, hashes), len(seen) - 1)
            hit = seen[at] == hashes
            first[hit] = seen_rows[at[hit]]  # a key is in one run at most
        in_chunk = pd.Series(rows).groupby(hashes).transform("min").to_numpy()
        again = (in_chunk != rows) & (first == 0)
        first[again] = in_chunk[again]
        new = first == 0
        if new.any():
            order = np.argsort(hashes[new])
            self._runs.append((hashes[new][order], rows[new][order]))
            while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
                (h1, r1), (h2, r2) = self._runs.pop(-2), self._runs.pop()
                merged, merged_rows = np.concatenate([h1, h2]), np.concatenate([r1, r2])
                order = np.argsort(merged, kind="stable")  # two sorted runs: close to linear
                self._runs.append((merged[order], merged_rows[order]))
        return first


# Writing: a staging table and one INSERT … ON CONFLICT ---------------------------------------

class _Staging:
    """A temporary table of this database session that the checked rows go into (COPY on
    PostgreSQL, executemany on SQLite), to be written to the real table with one statement."""

    NAME = "score_import_staging"

    def __init__(self, target):
        self.target = target
        self.postgres = connection.vendor == "postgresql"
        meta = target.model._meta
        qn = connection.ops.quote_name
        self.table = ("pg_temp." if self.postgres else "temp.") + self.NAME
        self.model_table = qn(meta.db_table)
        self.fields = [meta.get_field(f) for f in target.fields]
        self.columns = [qn(f.column) for f in self.fields]
        self.key = [qn(meta.get_field(f).column) for f in target.key]
        self.values = [qn(meta.get_field(f).column) for f in target.values]
        self.rows = 0
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
            definition = ", ".join(f"{qn(f.column)} {f.db_type(connection)}" for f in self.fields)
            cursor.execute(f"CREATE TEMPORARY TABLE {self.NAME} ({definition})")

    def add(self, ready):
        if not len(ready):
            return
        self.rows += len(ready)
        with connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                ready.to_csv(buffer, header=False, index=False)
                buffer.seek(0)
                text_columns = ", ".join(qn for qn, f in zip(self.columns, self.fields)
                                         if f.get_internal_type() == "CharField")
                cursor.copy_expert(f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN "
                                   f"WITH (FORMAT csv, FORCE_NOT_NULL ({text_columns}))", buffer)
            else:
                columns = [[None if pd.isna(v) else v for v in ready[c].tolist()] for c in ready]
                placeholders = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {self.table} ({', '.join(self.columns)}) "
                                   f"VALUES ({placeholders})", list(zip(*columns)))

    def _differs(self, new, old):
        operator = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        return " OR ".join(f"{old}.{c} {operator} {new}.{c}" for c in self.values)

    def compare(self):
        """(new, changed, unchanged): what an upsert would do, without doing it."""
        join = " AND ".join(f"t.{c} = s.{c}" for c in self.key)
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(f"ANALYZE {self.table}")
            cursor.execute(f"SELECT count(*), coalesce(sum(CASE WHEN {self._differs('s', 't')} "
                           f"THEN 1 ELSE 0 END), 0) FROM {self.table} s "
                           f"JOIN {self.model_table} t ON {join}")
            existing, changed = cursor.fetchone()
        return self.rows - existing, changed, existing - changed

    def upsert(self):
        """Insert new rows, update changed ones, leave the rest: (created, updated, unchanged)."""
        columns = ", ".join(self.columns)
        statement = (
            f"INSERT INTO {self.model_table} ({columns}) SELECT {columns} FROM {self.table} WHERE true "
            f"ON CONFLICT ({', '.join(self.key)}) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in self.values)
            + f" WHERE {self._differs('excluded', self.model_table)}"
        )
        with connection.cursor() as cursor:
            if self.postgres:
                # xmax is 0 for a row this statement inserted, our transaction id for an update.
                cursor.execute(f"WITH written AS ({statement} RETURNING (xmax = 0) AS inserted) "
                               "SELECT count(*) FILTER (WHERE inserted), "
                               "count(*) FILTER (WHERE NOT inserted) FROM written")
                created, updated = cursor.fetchone()
            else:
                created, updated, _unchanged = self.compare()
                cursor.execute(statement)
        return created, updated, self.rows - created - updated

    def drop(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


# The import -------------------------------------------------------------------------------------

@dataclass
class ScoreImportResult:
    kind: str = GRADES
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # RowErrors, at most MAX_STORED_ERRORS
    error_count: int = 0  # all errors, also those not kept
    rejected_row_count: int = 0
    header: list = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # field -> column index
    missing: list = field(default_factory=list)  # required fields without a column
    preview_rows: list = field(default_factory=list)  # [{"row": 2, "cells": [...]}], all columns
    estimated_rows: int = 0
    dry_run: bool = False

    @property
    def rejected(self):
        return bool(self.error_count)

    @property
    def rejected_rows(self):
        """Rows that stopped the import; a problem with the whole file rejects every row."""
        if any(e.row is None for e in self.errors):
            return self.rows_read
        return self.rejected_row_count

    @property
    def imported(self):
        return self.created + self.updated

    def add_file_error(self, reason):
        self.errors.append(RowError(None, "", "", reason))
        self.error_count += 1

    def summary(self):
        return {
            "kind": self.kind, "rows_read": self.rows_read, "created": self.created,
            "updated": self.updated, "unchanged": self.unchanged, "rejected": self.rejected_rows,
            "error_count": self.error_count, "errors_not_shown": self.error_count - len(self.errors),
            "dry_run": self.dry_run,
        }


def import_scores(*, school, path_or_file, filename=None, actor=None, dry_run=False, kind=None,
                  columns=None, progress=None, on_written=None):
    """Check a score file and, when every row is right, write all its rows at once.

    `path_or_file` is a path or an open binary file; `filename` (default: the path's name) tells
    CSV from XLSX. `kind` (GRADES or STANDARDISED) and `columns` ({field: column index}) come
    from the mapping step; without them the kind and columns are recognised, the school's saved
    mapping first. A re-import updates changed scores and leaves the rest: the natural key is
    (student, subject, test, date), for standardised results (student, domain, test, date).
    With `dry_run` nothing is written, and the counts say what an import would do.

    Pass 1 reads the file in chunks, checks every row and loads the good ones into a temporary
    staging table of this database session (invisible to anyone else, gone with the session);
    pass 2, only for a clean file, writes the staged rows with one INSERT … ON CONFLICT in one
    transaction. `progress(step, rows, total)` hears about each chunk of pass 1 ("checking") and
    the start of pass 2 ("writing"); `on_written(result)` runs inside the write transaction.
    """
    result = ScoreImportResult(dry_run=dry_run)
    if filename is None:
        filename = Path(str(getattr(path_or_file, "name", path_or_file))).name
    try:
        opened = (nullcontext(path_or_file) if hasattr(path_or_file, "read")
                  else open(path_or_file, "rb"))  # noqa: SIM115 - closed by the with below
    except OSError:
        result.add_file_error(_("The file could not be opened; upload it again."))
        return result
    with opened as file:
        try:
            table = ScoreTable(file, filename)
            plan = plan_score_columns(table.header, table.first_rows, kind=kind, columns=columns,
                                      saved=saved_score_mapping(school) if columns is None else None)
            result.kind, result.header, result.columns = plan.kind, table.header, plan.columns
            result.estimated_rows = table.estimated_rows
            result.preview_rows = [{"row": n, "cells": cells} for n, cells in table.first_rows]
            if plan.missing:
                result.missing = [c.field for c in plan.missing]
                result.rows_read = sum(len(f[(f != "").any(axis=1)]) for f in table.chunks())
                result.add_file_error(missing_columns_message(plan, table.header))
                return result
            rows = ScoreRows(school, plan, table.header)
            staging = _Staging(rows.target)
            try:
                _check_all(table, rows, staging, result, progress)
                if not result.rows_read and not result.rejected:
                    result.add_file_error(no_rows_message())
                if not result.rejected:
                    _write_all(rows, staging, result, school=school, actor=actor,
                               progress=progress, on_written=on_written)
            finally:
                staging.drop()
        except _FileProblem as problem:
            result.add_file_error(str(problem))
    return result


def no_rows_message():
    return _("The file holds the column names but no rows to import.")


def missing_columns_message(plan, header):
    return _("Required columns are missing: %(columns)s. Columns found: %(found)s.") % {
        "columns": ", ".join(c.headers[0] for c in plan.missing),
        "found": ", ".join(h for h in header if h) or "—"}


def _check_all(table, rows, staging, result, progress):
    """Pass 1: every row checked and every error counted; good rows staged while there are no errors."""
    if progress:
        progress("checking", 0, table.estimated_rows)
    for frame in table.chunks():
        checked = rows.check(frame)
        result.rows_read += checked.rows_read
        result.rejected_row_count += checked.rejected_rows
        result.error_count += checked.errors.count
        result.errors.extend(checked.errors.first(MAX_STORED_ERRORS - len(result.errors)))
        if not result.error_count:
            staging.add(checked.ready)
        if progress:
            progress("checking", result.rows_read, max(table.estimated_rows, result.rows_read))


def _write_all(rows, staging, result, *, school, actor, progress, on_written):
    """Pass 2: the staged rows written in one transaction; a dry run only counts."""
    if result.dry_run:
        result.created, result.updated, result.unchanged = staging.compare()
        return
    if progress:
        progress("writing", result.rows_read, result.rows_read)
    with transaction.atomic():
        result.created, result.updated, result.unchanged = staging.upsert()
        if result.imported:
            audit.record(user=actor, school=school, action=audit.Action.IMPORT,
                         object_type=rows.target.model._meta.model_name,
                         summary=f"{rows.target.audit_what}: {result.created} nieuw, "
                                 f"{result.updated} bijgewerkt, {result.unchanged} ongewijzigd")
            queue_flagging(school)
        if on_written:
            on_written(result)


def queue_flagging(school):
    """Recompute the school's risk flags once the new scores are committed.

    Flagging is a job of its own; its failure is logged and never undoes or breaks an import
    (with eager Celery, or when the broker is down, it runs right here, after the commit).
    """
    from .tasks import flag_school

    queue_after_commit(flag_school, school.pk, if_refused=run_here)


# Score import jobs: upload → (mapping) → check → preview → confirm → import ---------------------

class _AlreadyHandled(Exception):
    """Another run of the same job finished first; this run's writes are rolled back."""


def start_score_job(*, school, upload, actor, kind=None):
    """Store an uploaded score file and check it (at once when small, else by a worker).

    When required columns are not recognised the job waits for the mapping step instead.
    """
    job = ImportJob.objects.create(school=school, kind=ImportJob.Kind.SCORES, file=upload,
                                   filename=Path(upload.name).name[:255], created_by=actor)
    try:
        with job.file.open("rb") as file:
            table = ScoreTable(file, job.filename)
    except (_FileProblem, OSError) as problem:
        reason = str(problem) if isinstance(problem, _FileProblem) else _(
            "The file could not be opened; upload it again.")
        job.errors = [RowError(None, "", "", reason).as_dict()]
        job.summary = {"rejected": 0, "error_count": 1}
        job.status = ImportJob.Status.REJECTED
        job.save()
        _delete_file_on_commit(job)
        return job
    plan = plan_score_columns(table.header, table.first_rows, kind=kind, saved=saved_score_mapping(school))
    job.preview_rows = [{"row": n, "cells": cells} for n, cells in table.first_rows]
    job.total_rows = table.estimated_rows
    _plan_job(job, plan, table.header)
    return job


def can_change_mapping(job):
    """A job's columns can be (re)mapped while it waits for confirmation or was rejected, as
    long as its file was readable and is still there."""
    return (job.kind == ImportJob.Kind.SCORES
            and job.status in (ImportJob.Status.PREVIEW, ImportJob.Status.REJECTED)
            and bool(job.mapping.get("headers")) and bool(job.file))


def apply_score_mapping(*, job, kind, columns=None, save=False, actor=None):
    """The mapping step: use these columns (or, for a changed kind, recognise them) and check again.

    With `save`, the mapping is remembered for the school. False when the job is past the
    point where its columns can change.
    """
    if not can_change_mapping(job):
        return False
    header = job.mapping["headers"]
    if kind != job.mapping.get("kind"):
        columns = None  # another kind has other fields: recognise them first
    first_rows = [(r["row"], r["cells"]) for r in job.preview_rows]
    plan = plan_score_columns(header, first_rows, kind=kind, columns=columns,
                              saved=saved_score_mapping(job.school) if columns is None else None)
    if save and columns is not None and not plan.missing:
        save_score_mapping(school=job.school, kind=plan.kind, columns=plan.columns, header=header,
                           actor=actor)
    claimed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(status=ImportJob.Status.QUEUED)
    if not claimed:
        return False
    job.status = ImportJob.Status.QUEUED
    _plan_job(job, plan, header)
    return True


def _plan_job(job, plan, header):
    job.mapping = {"kind": plan.kind, "headers": header, "columns": plan.columns, "source": plan.source}
    job.errors = []
    job.processed_rows = 0
    if plan.missing:
        job.status = ImportJob.Status.PREVIEW
        job.summary = {"kind": plan.kind, "needs_mapping": True,
                       "missing": [c.field for c in plan.missing]}
        job.save()
        return
    job.status = ImportJob.Status.QUEUED
    job.summary = {"kind": plan.kind, "phase": "check"}
    job.save()
    _run_or_queue(job)


def confirm_score_job(*, job, actor):
    """Import a checked job, once; False when the job was not waiting for that."""
    if job.summary.get("needs_mapping") or job.errors:
        return False
    summary = {**job.summary, "phase": "import", "confirmed_by": actor.pk if actor else None}
    claimed = ImportJob.objects.filter(pk=job.pk, kind=ImportJob.Kind.SCORES,
                                       status=ImportJob.Status.PREVIEW).update(
        status=ImportJob.Status.QUEUED, summary=summary, processed_rows=0)
    if not claimed:
        job.refresh_from_db()
        return False
    job.refresh_from_db()
    _run_or_queue(job)
    return True


def _run_or_queue(job):
    """Small files run in the request; larger ones go to a worker once this transaction commits."""
    from . import job_queue

    limit = getattr(settings, "SCORE_IMPORT_SYNC_MAX_BYTES", SCORE_SYNC_MAX_BYTES)
    try:
        size = job.file.size
    except OSError:
        size = 0
    if size <= limit:
        run_score_job(job.pk)
    else:
        job_queue.queue(job)
    job.refresh_from_db()


def run_score_job(job_id):
    """Check (phase "check") or import (phase "import") a queued score job; the Celery task
    `run_import_job` and the synchronous path for small files both come here.

    Safe to run twice: a redelivered task re-runs an interrupted job (its writes were rolled
    back) and does nothing for a finished one. Returns the job's new status, or None.
    """
    claimed = ImportJob.objects.filter(
        pk=job_id, kind=ImportJob.Kind.SCORES,
        status__in=(ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
    ).update(status=ImportJob.Status.RUNNING, processed_rows=0)
    if not claimed:
        return None
    job = ImportJob.objects.select_related("school", "created_by").get(pk=job_id)
    importing = job.summary.get("phase") == "import"
    actor = job.created_by
    if importing and job.summary.get("confirmed_by"):
        from portal.models import User

        actor = User.objects.filter(pk=job.summary["confirmed_by"]).first()

    def finish_in_transaction(result):
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != ImportJob.Status.RUNNING:
            raise _AlreadyHandled
        _finish(job, result, ImportJob.Status.DONE)

    try:
        file = job.file.open("rb")
    except (OSError, ValueError):
        _fail(job, _("The file could not be opened; upload it again."))
        return job.status
    try:
        with file:
            result = import_scores(
                school=job.school, path_or_file=file, filename=job.filename, actor=actor,
                dry_run=not importing, kind=job.mapping.get("kind"), columns=job.mapping.get("columns"),
                progress=_JobProgress(job), on_written=finish_in_transaction if importing else None)
    except _AlreadyHandled:
        return None
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the job for the user
        logger.exception("Score import job %s failed", job.pk)
        _fail(job, _("The import stopped and nothing was written: %(detail)s")
              % {"detail": str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__})
        return job.status
    if result.rejected:
        _finish(job, result, ImportJob.Status.REJECTED)
    elif not importing:
        _finish(job, result, ImportJob.Status.PREVIEW)
    return job.status


class _JobProgress:
    """Writes a running job's progress to its row (autocommitted, outside the write transaction)."""

    def __init__(self, job):
        self.job = job

    def __call__(self, step, rows, total):
        self.job.summary = {**self.job.summary, "step": step}
        ImportJob.objects.filter(pk=self.job.pk).update(processed_rows=rows, total_rows=total,
                                                        summary=self.job.summary)


def _finish(job, result, status):
    keep = {k: job.summary[k] for k in ("phase", "confirmed_by") if k in job.summary}
    job.status = status
    job.summary = {**keep, **result.summary()}
    job.errors = [e.as_dict() for e in result.errors]
    job.total_rows = job.processed_rows = result.rows_read
    if status == ImportJob.Status.DONE:
        job.finished_at = timezone.now()
    job.save()
    if status == ImportJob.Status.DONE:
        _delete_file_on_commit(job)


def _fail(job, reason):
    job.status = ImportJob.Status.FAILED
    job.summary = {**job.summary, "failure": reason}
    job.finished_at = timezone.now()
    job.save()
    _delete_file_on_commit(job)


def _delete_file_on_commit(job):
    """The file holds personal data: removed once the job is done or has failed (after commit,
    so a rollback keeps the job usable). A rejected file is kept for the mapping step."""
    if job.file:
        file = job.file
        transaction.on_commit(lambda: file.storage.delete(file.name))
