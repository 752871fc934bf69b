"""The accounting report as CSV and PDF (fpdf2, core font Helvetica, so latin-1 text only)."""

import csv
import io

from django.utils.translation import gettext as _
from fpdf import FPDF

from portal.exports import safe_cell


def money(value):
    """12345.5 -> '12.345,50' (Dutch notation)."""
    return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def _cell(value):
    return safe_cell(value)


def accounting_csv(report):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Programme line"), _("Category"), _("Planned (EUR)"), _("Spent (EUR)"),
                     _("Expected students"), _("Students reached"), _("Goal met (%)"), _("Flags resolved")])
    for row in report["lines"]:
        writer.writerow([_cell(c) for c in (row["line"], row["category"], money(row["planned"]),
                                            money(row["spent"]), row["expected"], row["reach"],
                                            row["met_share"], row["flags_resolved"])])
    writer.writerow([])
    writer.writerow([_("Category"), "", _("Planned (EUR)"), _("Spent (EUR)")])
    for cat in report["categories"]:
        writer.writerow([_cell(cat["label"]), cat["code"], money(cat["planned"]), money(cat["spent"])])
    writer.writerow([])
    writer.writerow([_("Budget"), "", money(report["budget"]), ""])
    writer.writerow([_("Total"), "", money(report["planned"]), money(report["spent"])])
    return "\ufeff" + out.getvalue()


def _latin1(text):
    return str(text).replace("\u2013", "-").replace("\u2014", "-").replace("\u20ac", "EUR").encode(
        "latin-1", "replace").decode("latin-1")


def accounting_pdf(report):
    programme = report["programme"]
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin1(_("NPO accounting %(year)s") % {"year": report["school_year"]}),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin1(f"{programme.school.name} ({programme.school.brin}) - {programme.title}, "
                           + _("version %(n)s") % {"n": programme.version}), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    def table(headers, widths, rows, bold_last=False):
        pdf.set_font("Helvetica", "B", 9)
        for header, width in zip(headers, widths):
            pdf.cell(width, 6, _latin1(header), border=1)
        pdf.ln()
        pdf.set_font("Helvetica", "", 9)
        for i, row in enumerate(rows):
            if bold_last and i == len(rows) - 1:
                pdf.set_font("Helvetica", "B", 9)
            for value, width in zip(row, widths):
                pdf.cell(width, 6, _latin1(value)[:48], border=1)
            pdf.ln()
        pdf.ln(3)

    table([_("Programme line"), _("Cat."), _("Planned EUR"), _("Spent EUR"), _("Reach"), _("Goal met %")],
          [70, 12, 28, 28, 25, 27],
          [[str(r["line"]), r["category"], money(r["planned"]), money(r["spent"]),
            f"{r['reach']}/{r['expected']}", str(r["met_share"])] for r in report["lines"]]
          + [[_("Total"), "", money(report["planned"]), money(report["spent"]), "", ""]], bold_last=True)
    table([_("Menukaart category"), _("Planned EUR"), _("Spent EUR")], [110, 40, 40],
          [[c["label"], money(c["planned"]), money(c["spent"])] for c in report["categories"]])
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, _latin1(_("Budget: EUR %(b)s; spent: EUR %(s)s") % {
        "b": money(report["budget"]), "s": money(report["spent"])}), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
