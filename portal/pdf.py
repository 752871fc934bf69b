"""PDF documents of the portal: A4 in DejaVu Sans, shipped in portal/fonts (with its licence), so
that €, ë, é, ł, Ş and every other letter of a name print as written; tables laid out by fpdf2,
so that a long cell wraps onto more lines instead of being cut, and the headings repeat when a
table runs onto the next page.

    document = Document(_("NPO accounting"))
    document.heading(_("NPO accounting"))
    document.grid([_("Line"), _("Spent EUR")], rows, widths=(3, 1), numeric=(1,))
    return document.to_bytes()
"""

import logging
from pathlib import Path

from fpdf import FPDF, FontFace

# fpdf2 embeds only the glyphs a document uses; the subsetter (fontTools) reports every table it
# prunes at INFO level, a screenful per PDF in the server log.
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVuSans"
BOLD = FontFace(emphasis="BOLD")


class Document(FPDF):
    """An A4 page in the portal's font, ready for headings, lines of text and tables."""

    def __init__(self, title="", *, orientation="P"):
        super().__init__(orientation=orientation, unit="mm", format="A4")
        self.add_font(FONT, "", FONT_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(10, 10, 10)
        if title:
            self.set_title(str(title))
        self.add_page()
        self.set_font(FONT, "", 10)

    def heading(self, text, *, size=14):
        self.text_line(text, size=size, bold=True)

    def text_line(self, text, *, size=10, bold=False):
        """A paragraph across the page; long text wraps."""
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, str(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 10)

    def grid(self, headings, rows, *, widths, numeric=(), bold_rows=(), size=9):
        """A table with a bold heading row. `widths` are the columns' shares of the page width,
        `numeric` the indexes of right-aligned columns, `bold_rows` the indexes of bold rows
        (a total). Every value is written as str(); None as an empty cell."""
        self.set_font(FONT, "", size)
        align = tuple("RIGHT" if i in numeric else "LEFT" for i in range(len(headings)))
        with self.table(col_widths=widths, text_align=align, headings_style=BOLD,
                        line_height=size * 0.5, padding=(0.8, 1.2), width=self.epw) as table:
            table.row([str(h) for h in headings])
            for i, row in enumerate(rows):
                table.row(["" if v is None else str(v) for v in row], style=BOLD if i in bold_rows else None)
        self.ln(3)
        self.set_font(FONT, "", 10)

    def to_bytes(self):
        return bytes(self.output())
