"""What a file may be before it is read, and the messages for a file that is not.

A school's export is small and regular. A file far outside these bounds is not one: it is refused
with a message before pandas or calamine reads it, so that no upload can take the memory or the
time of a web or worker process, and nothing is written. Each limit is a Django setting of the
same name; IMPORT_LIMITS holds the defaults.
"""

import io
import re

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.numbers import number

from ..models import ImportJob

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
PREVIEW_ROWS = 10
MAX_SHOWN_CHARS = 200  # of a cell or a column name in a preview or an error; longer is cut with "…"
MAX_SHOWN_REASON = 1_000
MAX_HEADER_CHARS = 200  # a column name; a longer first-row cell is a title or data, not a header
MAX_STORED_ERRORS = 1_000  # a score file with more errors keeps the first ones and counts the rest


class FileProblem(Exception):
    """A problem with the file as a whole; its message is for the user."""


def import_limit(name):
    return getattr(settings, name, IMPORT_LIMITS[name])


def shown(text, limit=MAX_SHOWN_CHARS):
    """A cell as a preview or an error shows it: long text is cut, so that a 10 MB cell is not
    copied into every page and job row that mentions it."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def count(value):
    """A whole number as the user reads it: 1.000.000 (grouped, in the active language)."""
    return number(value, 0)


def file_size(file):
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    return size


def size_problem(size, kind):
    """The message for a file of `size` bytes too large to import as `kind` (ImportJob.Kind), or None."""
    if kind == ImportJob.Kind.ROSTER:
        top = import_limit("IMPORT_ROSTER_MAX_BYTES")
        message = _("The file is %(size)s; a roster file may be at most %(max)s. Is this the roster?")
    elif kind == ImportJob.Kind.STAFF:  # a staff list is smaller than the roster
        top = import_limit("IMPORT_ROSTER_MAX_BYTES")
        message = _("The file is %(size)s; a staff file may be at most %(max)s. Is this the staff list?")
    elif kind == ImportJob.Kind.TRANSFER:  # one row per student, like the roster
        top = import_limit("IMPORT_ROSTER_MAX_BYTES")
        message = _("The file is %(size)s; a transfer file may be at most %(max)s. Is this the right file?")
    else:
        top = import_limit("IMPORT_SCORE_MAX_BYTES")
        message = _("The file is %(size)s; a score file may be at most %(max)s. Split it, for example "
                    "per period.")
    if size > top:
        return message % {"size": filesizeformat(size), "max": filesizeformat(top)}
    return None


def too_many_columns(columns):
    return _("The file has %(count)s columns; an import reads at most %(max)s. Is this the right file?") % {
        "count": count(columns), "max": count(import_limit("IMPORT_MAX_COLUMNS"))}


def too_many_cells(rows, columns, top):
    return _("The file spans %(rows)s rows of %(columns)s columns: more than an import reads (at most "
             "%(max)s cells). Delete the empty rows and columns, or is this the wrong file?") % {
        "rows": count(rows), "columns": count(columns), "max": count(top)}


def header_problem(header):
    """A first row that cannot be column names (a title, or data), or None."""
    for position, name in enumerate(header, start=1):
        if len(name) > MAX_HEADER_CHARS:
            return _("Column %(number)s of the first row holds %(length)s characters; the first row "
                     "should hold the column names.") % {"number": position, "length": count(len(name))}
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


def unreadable_workbook():
    return _("The file could not be read as an Excel workbook (.xlsx).")


def not_opened():
    return _("The file could not be opened; upload it again.")


def empty_file():
    return _("The file is empty: the first row should hold the column names.")


def no_rows_message():
    return _("The file holds the column names but no rows to import.")


def missing_columns_message(missing, header):
    """`missing` are the required Columns not found in a file with this header."""
    return _("Required columns are missing: %(columns)s. Columns found: %(found)s.") % {
        "columns": ", ".join(c.headers[0] for c in missing),
        "found": ", ".join(h for h in header if h) or "—"}
