"""A dashboard table as a download: CSV for Dutch spreadsheets (semicolons, comma decimals,
UTF-8 with BOM) or XLSX (numbers as numbers). Text cells go through `safe_cell`, so no cell
can run as a formula."""

import csv
import io
from decimal import Decimal

from django.http import HttpResponse
from openpyxl import Workbook

from portal.exports import safe_cell
from portal.numbers import number

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        # as many decimals as the cell carries (Figure.export rounds them as shown)
        return number(value, max(0, -Decimal(str(value)).as_tuple().exponent), grouping=False, language="nl")
    return safe_cell(value)


def _xlsx_cell(value):
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    return safe_cell(value)


def download(table, filename, fmt):
    """An attachment response of `table` (tables.Table) as `fmt` ("csv" or "xlsx")."""
    rows = list(table.export_rows())
    if fmt == "xlsx":
        book = Workbook(write_only=True)
        title = "".join(" " if c in '[]:*?/\\' else c for c in str(table.title))
        sheet = book.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([_xlsx_cell(v) for v in row])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
        response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
