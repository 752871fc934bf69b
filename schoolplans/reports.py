"""The accounting report of a school programme as CSV and PDF.

Amounts and shares are written in Dutch notation (22.000,00; 33,3) whatever the interface
language: the accounting goes to Dutch spreadsheets and to the school's board. A figure that is
hidden for small groups ("<10") is written as it is."""

import csv
import io

from django.utils.translation import gettext as _

from portal import numbers, pdf
from portal.exports import safe_cell

LANGUAGE = "nl"


def money(value):
    """12345.5 -> '12.345,50'."""
    return numbers.money(value, language=LANGUAGE)


def share(value):
    """A share in percent, or the text that stands in for a hidden one: 33.3 -> '33,3'."""
    return value if isinstance(value, str) else numbers.number(value, 1, language=LANGUAGE)


def accounting_csv(report):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("Programme line"), _("Category"), _("Planned (EUR)"), _("Spent (EUR)"),
                     _("Expected students"), _("Students reached"), _("Goal met (%)"), _("Flags resolved")])
    for row in report["lines"]:
        writer.writerow([safe_cell(c) for c in (row["line"], row["category"], money(row["planned"]),
                                                money(row["spent"]), row["expected"], row["reach"],
                                                share(row["met_share"]), row["flags_resolved"])])
    writer.writerow([])
    writer.writerow([_("Category"), "", _("Planned (EUR)"), _("Spent (EUR)")])
    for cat in report["categories"]:
        writer.writerow([safe_cell(cat["label"]), cat["code"], money(cat["planned"]), money(cat["spent"])])
    writer.writerow([])
    writer.writerow([_("Budget"), "", money(report["budget"]), ""])
    writer.writerow([_("Total"), "", money(report["planned"]), money(report["spent"])])
    return "\ufeff" + out.getvalue()


def accounting_pdf(report):
    programme = report["programme"]
    title = _("NPO accounting %(year)s") % {"year": report["school_year"]}
    document = pdf.Document(title)
    document.heading(title)
    document.text_line(f"{programme.school.name} ({programme.school.brin}) – {programme.title}, "
                       + _("version %(n)s") % {"n": programme.version})
    document.ln(3)
    lines = [[row["line"], row["category"], money(row["planned"]), money(row["spent"]),
              f"{row['reach']}/{row['expected']}", share(row["met_share"])] for row in report["lines"]]
    document.grid([_("Programme line"), _("Cat."), _("Planned EUR"), _("Spent EUR"), _("Reach"), _("Goal met %")],
                  [*lines, [_("Total"), "", money(report["planned"]), money(report["spent"]), "", ""]],
                  widths=(70, 12, 28, 28, 25, 27), numeric=(2, 3, 4, 5), bold_rows=(len(lines),))
    document.grid([_("Menukaart category"), _("Planned EUR"), _("Spent EUR")],
                  [[c["label"], money(c["planned"]), money(c["spent"])] for c in report["categories"]],
                  widths=(110, 40, 40), numeric=(1, 2))
    document.text_line(_("Budget: EUR %(b)s; spent: EUR %(s)s") % {"b": money(report["budget"]),
                                                                   "s": money(report["spent"])}, bold=True)
    return document.to_bytes()
