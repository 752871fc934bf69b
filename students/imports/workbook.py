"""XLSX: the zip archive and its sheets, checked before calamine opens it.

calamine reads a sheet whole into a rectangle from its first to its last cell, empty cells
included; a workbook of 2 KB with cells A1 and XFD1048576 asks for 17 billion cells and aborts
the process. So every part of the archive is read once, unpacked a block at a time, and the
rectangle its cells span is worked out from their references (<c r="B12">) before calamine
sees the file. calamine itself refuses a part that unpacks to more than the archive says.
"""

import re
import struct
import zipfile
import zlib
from operator import itemgetter

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .limits import (FileProblem, count, file_size, import_limit, shown, too_many_cells,
                     too_many_columns, unreadable_workbook)

BLOCK = 1024 * 1024
_RATIO_GRACE_BYTES = 1024 * 1024  # smaller parts (styles, themes) may compress as well as they like
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


def check_workbook(file, *, max_cells):
    """Refuse (a FileProblem) an XLSX file that is no workbook, a zip bomb, or a sheet whose
    cells span more than IMPORT_MAX_COLUMNS columns or `max_cells` cells."""
    unreadable = unreadable_workbook()
    file.seek(0)
    if file.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE file: .xls, or encrypted .xlsx
        raise FileProblem(_("This is an old Excel file (.xls) or a workbook with a password; save it "
                             "in Excel as .xlsx (Excel workbook) without a password."))
    max_parts = import_limit("IMPORT_XLSX_MAX_PARTS")
    directory = _zip_directory_size(file)
    if directory is None:
        raise FileProblem(unreadable)
    if directory > max_parts * 1024:  # read before the parts are counted: ~100 bytes a part
        raise FileProblem(_too_many_parts(directory // 100))
    try:
        file.seek(0)
        archive = zipfile.ZipFile(file)
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        raise FileProblem(unreadable) from None
    if len(parts) > max_parts:
        raise FileProblem(_too_many_parts(len(parts)))
    names = {part.filename for part in parts}
    # calamine opens whatever format it recognises; only an .xlsx is checked here.
    if "xl/workbook.xml" not in names or {"content.xml", "xl/workbook.bin"} & names:
        raise FileProblem(_("This is not an .xlsx workbook; open it in Excel or LibreOffice and save "
                             "it as .xlsx (Excel workbook)."))
    ratio = import_limit("IMPORT_XLSX_MAX_RATIO")
    for part in parts:
        if part.file_size > _RATIO_GRACE_BYTES and part.file_size > ratio * max(part.compress_size, 1):
            raise FileProblem(_(
                "The workbook unpacks to far more than its size: %(part)s is compressed %(ratio)s "
                "times, where a genuine export stays under %(max)s. Save it again in Excel as a new "
                "workbook, or export CSV.") % {
                "part": shown(part.filename, 100), "ratio": count(part.file_size // max(part.compress_size, 1)),
                "max": count(ratio)})
    unpacked, top = sum(part.file_size for part in parts), import_limit("IMPORT_XLSX_MAX_UNPACKED_BYTES")
    if unpacked > top:
        raise FileProblem(_("The workbook unpacks to %(size)s; at most %(max)s can be read. Export "
                             "CSV instead.") % {"size": filesizeformat(unpacked), "max": filesizeformat(top)})
    max_columns = import_limit("IMPORT_MAX_COLUMNS")
    try:
        for part in parts:
            rows, columns = _cell_extent(archive, part)
            if columns > max_columns:
                raise FileProblem(too_many_columns(columns))
            if rows * columns > max_cells:
                raise FileProblem(too_many_cells(rows, columns, max_cells))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError,
            zlib.error):
        raise FileProblem(unreadable) from None


def _too_many_parts(parts):
    return _("The workbook consists of %(count)s parts; one to import has at most %(max)s. Copy the "
             "sheet into a new workbook, or export CSV.") % {
        "count": count(parts), "max": count(import_limit("IMPORT_XLSX_MAX_PARTS"))}


def _zip_directory_size(file):
    """The size in bytes of a zip archive's central directory, as its end record says, or None
    when there is no end record. Python's zipfile reads the whole directory at once; a directory
    of millions of entries is refused before that."""
    size = file_size(file)
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
    while block := stream.read(BLOCK):
        data = carry + block
        cut = data.rfind(b"<")
        if cut > 0:
            yield data[:cut]
        carry = data[cut:] if cut >= 0 else b""
        if len(carry) > BLOCK:
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

