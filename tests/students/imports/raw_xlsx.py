"""Workbooks built part by part: a zip archive written by hand, so that each can be as
hostile as a test or benchmark needs (a part that unpacks to any size, cells anywhere)."""

import struct
import zlib

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                 'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
                 'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                 '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
PACKAGE_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_START = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
               'spreadsheetml/2006/main"><sheetData>')
SHEET_END = "</sheetData></worksheet>"


def inline(ref, text):
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows):
    return (SHEET_START + "".join(rows) + SHEET_END).encode()


def deflated(data):
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def part(name, data):
    """(name, deflated bytes, unpacked size, CRC-32) of one part of the archive."""
    data = data.encode() if isinstance(data, str) else data
    return name, deflated(data), len(data), zlib.crc32(data)


def zip_of(path, parts):
    """A zip archive of parts that are already deflated, so a part may unpack to any size."""
    with open(path, "wb") as out:
        directory = []
        for name, packed, size, crc in parts:
            offset, encoded = out.tell(), name.encode()
            out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(packed), size,
                                  len(encoded), 0) + encoded + packed)
            directory.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(packed),
                                         size, len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
        start, listing = out.tell(), b"".join(directory)
        out.write(listing + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(parts), len(parts), len(listing),
                                        start, 0))
    return path


def xlsx_file(path, sheet, *extra_parts):
    return zip_of(path, [part("[Content_Types].xml", CONTENT_TYPES), part("_rels/.rels", PACKAGE_RELS),
                         part("xl/workbook.xml", WORKBOOK), part("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                         part("xl/worksheets/sheet1.xml", sheet) if isinstance(sheet, (bytes, str)) else sheet,
                         *extra_parts])
