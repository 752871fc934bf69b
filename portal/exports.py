"""What every CSV/XLSX export shares: cells that a spreadsheet cannot run as a formula."""

# A cell starting with one of these is a formula in Excel/LibreOffice (CSV injection);
# tab and carriage return can hide such a start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as text, with an apostrophe in front when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
