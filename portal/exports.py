"""What every CSV/XLSX export shares: cells that a spreadsheet cannot run as a formula."""

# A cell starting with one of these is a formula in Excel/LibreOffice (CSV injection);
# tab and carriage return can hide such a start.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as text, with an apostrophe in front when a spreadsheet would run it.

    Line breaks become "\\n": a spreadsheet ends a row at a bare carriage return, and a CSV writer
    quotes a cell only for the characters of its own line terminator (the risk export's is "\\n"),
    so "'\\r=1+1" would otherwise start a new row with the formula =1+1.
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text.replace("\r\n", "\n").replace("\r", "\n")
