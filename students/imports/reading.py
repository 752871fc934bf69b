"""Reading a school's export, CSV or XLSX, as text: ONE reader for every kind of import.

A path and an upload are opened the same way (`opened`). Every cell is read as text and parsed
later, explicitly, so nothing is guessed (a leading zero in a student number survives). Before
pandas or calamine reads a file it is checked against the import limits (`limits`): the CSV
bytes in one pass (`scan_csv`), an XLSX archive by `workbook.check_workbook`.
"""

import codecs
import csv
import io
import re
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pandas as pd
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from python_calamine import CalamineWorkbook

from .limits import (PREVIEW_ROWS, FileProblem, count, csv_parser_problem, empty_file, file_size,
                     header_problem, import_limit, shown, size_problem, too_many_cells,
                     too_many_columns, unreadable_workbook)
from .workbook import BLOCK, check_workbook

CHUNK_ROWS = 50_000
CHUNK_CELLS = 1_000_000  # a chunk of a wide file has fewer rows (50,000 rows of 20 columns)
SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


def opened(path_or_file):
    """A context with the open binary file: an open file is left open, a path is opened and closed
    (an OSError when it cannot be)."""
    if hasattr(path_or_file, "read"):
        return nullcontext(path_or_file)
    return open(path_or_file, "rb")  # noqa: SIM115 - closed by the caller's with


def filename_of(path_or_file, filename=None):
    return filename if filename is not None else Path(str(getattr(path_or_file, "name", path_or_file))).name


def check_suffix(filename):
    """The file's suffix, when it is one an import reads; else a FileProblem."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise FileProblem(_("Upload a .csv or .xlsx file; got %(name)s.") % {"name": filename})
    return suffix


@dataclass(frozen=True)
class ReadLimits:
    """What one kind of import may read: its size limit (an ImportJob.Kind) and its cell limits."""

    size_kind: str
    xlsx_max_cells: str  # the name of the limit
    csv_max_cells: str | None = None  # a CSV read in chunks needs none


class Table:
    """A CSV or XLSX file read as text, in chunks of CHUNK_ROWS rows, as often as needed.

    `header` is the first row as written (stripped), `first_rows` the next rows with content
    as (spreadsheet row, cells). Each chunk is a DataFrame of text indexed by spreadsheet row
    number (the header is row 1). CSV is streamed by pandas. XLSX is read whole by calamine
    (into its compact Rust form, about 50 bytes a cell) and turned into text a chunk at a time:
    fine up to Excel's limit of 1,048,576 rows; for more, or tighter memory, export CSV.
    A wide file is read in chunks of fewer rows (CHUNK_CELLS cells a chunk).

    A file that breaks a limit, or cannot be read, raises a FileProblem.
    """

    def __init__(self, file, filename, limits):
        self.file = file
        suffix = check_suffix(filename)
        if problem := size_problem(file_size(file), limits.size_kind):
            raise FileProblem(problem)
        if suffix in (".csv", ".txt"):
            self._open_csv(limits.csv_max_cells)
        else:
            self._open_xlsx(limits.xlsx_max_cells)
        first = next(self.chunks(with_header=True), None)
        header = [cell.strip() for cell in first.iloc[0]] if first is not None and len(first) else []
        if not any(header):
            raise FileProblem(empty_file())
        if problem := header_problem(header):
            raise FileProblem(problem)
        self.header = header
        self.first_rows = []
        for number, cells in zip(first.index[1:], first.iloc[1:].itertuples(index=False, name=None)):
            cells = [cell.strip() for cell in cells]
            if any(cells):
                self.first_rows.append((int(number), [shown(cell) for cell in cells]))
            if len(self.first_rows) == PREVIEW_ROWS:
                break

    def chunks(self, *, with_header=False):
        """DataFrames of text as written (not yet stripped: a checker strips each distinct
        value once, which is much faster than stripping every cell)."""
        frames = self._csv_chunks() if self.delimiter else self._xlsx_chunks()
        for frame in frames:
            frame = frame.fillna("")  # the missing cells of a short row
            frame.index = frame.index + 1
            if not with_header:
                frame = frame.loc[frame.index > 1]
            with_header = True  # only the first chunk holds the header
            yield frame

    def count_rows(self):
        """The rows with content (blank rows are skipped, not counted)."""
        return sum(int((frame.apply(lambda c: c.str.strip()) != "").any(axis=1).sum())
                   for frame in self.chunks())

    def _open_csv(self, max_cells):
        """Encoding (UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1252), delimiter,
        width and row estimate, from one pass over the bytes (`scan_csv`)."""
        shape = scan_csv(self.file)
        if max_cells and shape.lines * shape.columns > import_limit(max_cells):
            raise FileProblem(too_many_cells(shape.lines, shape.columns, import_limit(max_cells)))
        self.encoding, self.delimiter = shape.encoding, shape.delimiter
        self.chunk_rows = chunk_rows(shape.columns)
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
            raise FileProblem(_("The file is not readable text: save it as CSV in UTF-8 or "
                                "Windows-1252.")) from None
        except pd.errors.ParserError as exc:
            raise FileProblem(csv_parser_problem(exc)) from None

    def _open_xlsx(self, max_cells):
        self.delimiter = None
        check_workbook(self.file, max_cells=import_limit(max_cells))
        self.file.seek(0)
        try:
            self.sheet = CalamineWorkbook.from_filelike(self.file).get_sheet_by_index(0)
        except Exception:  # noqa: BLE001 - any broken or disguised file is one message to the user
            raise FileProblem(unreadable_workbook()) from None
        # iter_rows() starts at the sheet's first row, even when that is empty; a sheet without
        # cells has no start.
        start = self.sheet.start
        self.estimated_rows = max(0, start[0] + self.sheet.height - 1) if start else 0
        self.chunk_rows = chunk_rows(self.sheet.width)

    def _xlsx_chunks(self):
        rows, start = [], 0
        for number, row in enumerate(self.sheet.iter_rows()):
            rows.append([cell_text(cell) for cell in row])
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


def chunk_rows(columns):
    """Rows a chunk holds: CHUNK_ROWS, fewer for a wide file, so a chunk's memory is bounded."""
    return max(1, min(CHUNK_ROWS, CHUNK_CELLS // max(1, columns)))


def cell_text(value):
    """An XLSX cell as the text a person sees: 1001 (not 1001.0), 6.7, 2026-09-14."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(round(value, 9))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# CSV: one pass over the bytes before pandas reads them ------------------------------------------

@dataclass(frozen=True)
class CsvShape:
    encoding: str  # for pandas: utf-8-sig, cp1252 or utf-16
    delimiter: str
    columns: int  # of the first line with content
    lines: int  # the number of lines (the last one may lack its line end)


_DELIMITERS = (",", ";", "\t", "|")  # the one the first line holds most of; "," on a tie
# "ë" written as UTF-8 and read as Windows-1252 is "Ã«": in a file that is not UTF-8 throughout,
# such pairs mean that some lines are UTF-8 and others not.
_UTF8_AS_CP1252 = re.compile(rb"\xc3[\x80-\xbf]")
_NOT_CP1252 = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")  # the five bytes Windows-1252 leaves undefined


def scan_csv(file):
    """Encoding, delimiter, columns and lines of a CSV file, from one pass over its bytes in
    blocks of 1 MB, in bounded memory. Binary data, a line longer than IMPORT_MAX_LINE_BYTES,
    more than IMPORT_MAX_COLUMNS columns and a mix of encodings are refused (a FileProblem) —
    the first two as soon as the block that shows them is read."""
    max_line = import_limit("IMPORT_MAX_LINE_BYTES")
    file.seek(0)
    first = file.read(BLOCK)
    utf16 = first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    decoder = None if utf16 else codecs.getincrementaldecoder("utf-8")()
    not_utf8 = not_cp1252 = None  # the line of the first such byte
    utf8_pairs = False
    lines, line_length, block = 0, 0, first
    while block:
        if not utf16 and (nul := block.find(b"\x00")) >= 0:
            raise FileProblem(_(
                "This is not a text file (line %(line)s holds binary data), so not a CSV file. Save "
                "the export as CSV, or upload an Excel workbook as .xlsx."
            ) % {"line": count(lines + block.count(b"\n", 0, nul) + 1)})
        ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == ord("\n"))
        lengths = np.diff(ends, prepend=-1) - 1  # of the lines that end in this block
        if len(ends):
            lengths[0] += line_length
            line_length = len(block) - int(ends[-1]) - 1
        else:
            line_length += len(block)
        too_long = np.flatnonzero(lengths > max_line)
        if len(too_long) or line_length > max_line:
            raise FileProblem(_(
                "Line %(line)s is longer than %(max)s; the lines of an export are short. Is this the "
                "right file?") % {"line": count(lines + (int(too_long[0]) if len(too_long) else len(ends)) + 1),
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
        block = file.read(BLOCK)
    lines += line_length > 0
    if decoder and not_utf8 is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            not_utf8 = lines
    if not_utf8 is not None and (utf8_pairs or not_cp1252 is not None):
        if not_cp1252 is not None and not utf8_pairs:
            raise FileProblem(_("Line %(line)s is not readable text: save the file as CSV in UTF-8 "
                                 "or Windows-1252.") % {"line": count(not_cp1252)})
        raise FileProblem(_(
            "The file mixes two encodings: line %(line)s is not UTF-8 while other lines are. Save it "
            "again as CSV UTF-8.") % {"line": count(not_utf8)})
    encoding = "utf-16" if utf16 else "cp1252" if not_utf8 is not None else "utf-8-sig"
    text = first.decode(encoding, errors="replace")
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(_DELIMITERS, key=first_line.count)
    columns = len(next(csv.reader([first_line], delimiter=delimiter), []))
    if columns > import_limit("IMPORT_MAX_COLUMNS"):
        raise FileProblem(too_many_columns(columns))
    return CsvShape(encoding, delimiter, columns, lines)
