"""Every export a spreadsheet opens neutralises formulas: a cell that Excel or LibreOffice would
run (starting with =, +, -, @, a tab or a carriage return) comes out with an apostrophe in front
(portal/exports.py), whatever text a user or an import put in, and an XLSX holds it as text.

The exports are found in the URL configuration (a route ending in a file extension, or a view
that answers with a spreadsheet content type or through portal's exports) and among the
management commands (export_*), so a new export fails `test_every_export_is_tested_here` until
it has its case below.
"""

import csv
import inspect
import io
import re
import zipfile

import pytest
from django.core.management import call_command, get_commands
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from openpyxl import load_workbook

from interventions.models import Intervention, InterventionPlan
from dashboards import services as dashboards
from portal.exports import FORMULA_STARTS
from students.models import Flag, Level, RiskLevel
from tests.conftest import make_student

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://x","klik")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1",
            "\r=1+1"]
FILE_ROUTE = re.compile(r"\.(csv|tsv|xlsx|xls|ods|zip|<[^>]+>)$")  # also "export.<str:fmt>"
SPREADSHEET_SOURCE = ("text/csv", "spreadsheetml", "ms-excel", "opendocument.spreadsheet", "exports.")
OUR_APPS = ("portal", "students", "interventions", "schoolplans")


def url_exports(patterns=None, namespace=""):
    """Names of the routes that answer with a file a spreadsheet may open."""
    found = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found |= url_exports(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            route = str(pattern.pattern).rstrip("$")
            if (FILE_ROUTE.search(route) and not route.endswith(".pdf")) or _answers_a_spreadsheet(pattern):
                found.add(namespace + pattern.name)
    return found


def _answers_a_spreadsheet(pattern):
    view = getattr(pattern.callback, "view_class", None) or inspect.unwrap(pattern.callback)
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return False
    return any(kind in source for kind in SPREADSHEET_SOURCE)


def command_exports():
    return {name for name, app in get_commands().items()
            if name.startswith("export") and app.split(".")[0] in OUR_APPS}


# Reading what an export holds: every cell as text, and how many XLSX cells are formulas ----------

def csv_cells(text):
    text = text.removeprefix("\ufeff")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    return [cell for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for cell in row]


def xlsx_cells(content):
    book = load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]  # text, never a formula
    return [str(cell.value) for cell in cells if cell.value is not None]


def zip_cells(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [cell for name in archive.namelist() if name.endswith(".csv")
                for cell in csv_cells(archive.read(name).decode("utf-8-sig"))]


# One case per export: put the formula where a user or an import can, and download ----------------

def flagged_student(school, mentor, formula):
    """A student whose number and flag reasons are the formula (the number cut to its 20 characters)."""
    student = make_student(school, mentor, student_number=formula[:20])
    now = timezone.now()
    Flag.objects.create(student=student, level=RiskLevel.HIGH, raised_on=now, changed_on=now,
                        reasons=[{"rule": "insufficient", "text": formula, "points": 2}])
    return student


def risk_export_downloaded(formula, client, school_a, mentor_a, leader_a):
    flagged_student(school_a, mentor_a, formula)
    client.force_login(leader_a)
    return csv_cells(client.get(reverse("flags:export")).content.decode())


def risk_export_command(formula, school_a, mentor_a):
    flagged_student(school_a, mentor_a, formula)
    out = io.StringIO()
    call_command("export_risk", "--school", "12AB", stdout=out)
    return csv_cells(out.getvalue())


def accounting_csv_downloaded(formula, client, leader_a, programme_line_a):
    Intervention.objects.filter(pk=programme_line_a.intervention_id).update(name_nl=formula)
    client.force_login(leader_a)
    url = reverse("schoolplans:accounting_csv", args=[programme_line_a.programme.pk])
    return csv_cells(client.get(url).content.decode("utf-8-sig"))


def student_record_downloaded(formula, client, leader_a, student_a):
    student_a.given_name = student_a.primary_school_notes = formula
    student_a.save()
    client.force_login(leader_a)
    return zip_cells(client.get(reverse("students:export", args=[student_a.pk])).content)


@pytest.fixture
def dashboard(school_a, mentor_a, clock):
    """Puts the formula into the school's name, a mentor's name, a student's names and an
    intervention's name, and refreshes the school's dashboard figures."""
    def put(formula):
        School = type(school_a)
        School.objects.filter(pk=school_a.pk).update(name=formula)
        mentor_a.first_name = formula
        mentor_a.save()
        student = make_student(school_a, mentor_a, given_name=formula, family_name=formula,
                               level=Level.HAVO, leerjaar=3)
        intervention = Intervention.objects.create(key="formule", name_nl=formula, category="B", sector="vo")
        InterventionPlan.objects.create(student=student, title="Bijles", need="wiskunde", goal="5,5",
                                        started_on=clock.today, intervention=intervention)
        dashboards.refresh_school(type(school_a).objects.get(pk=school_a.pk))
    return put


def both_formats(client, name, *args):
    return (csv_cells(client.get(reverse(name, args=[*args, "csv"])).content.decode("utf-8-sig"))
            + xlsx_cells(client.get(reverse(name, args=[*args, "xlsx"])).content))


def school_dashboard_downloaded(formula, client, leader_a, dashboard):
    dashboard(formula)
    client.force_login(leader_a)
    return (both_formats(client, "dashboards:school_export", "12AB", "mentoren")
            + both_formats(client, "dashboards:school_export", "12AB", "wat-werkt"))


def group_dashboard_downloaded(formula, client, leader_a, dashboard):
    dashboard(formula)
    client.force_login(leader_a)
    return both_formats(client, "dashboards:group_export", "12AB", "havo", 3, "leerlingen")


def inspector_overview_downloaded(formula, client, inspector, dashboard):
    dashboard(formula)
    client.force_login(inspector)
    return both_formats(client, "dashboards:inspector_export")


def inspector_school_downloaded(formula, client, inspector, dashboard):
    dashboard(formula)
    client.force_login(inspector)
    return both_formats(client, "dashboards:inspector_school_export", "12AB", "wat-werkt")


EXPORTS = {
    "flags:export": risk_export_downloaded,
    "export_risk": risk_export_command,
    "schoolplans:accounting_csv": accounting_csv_downloaded,
    "students:export": student_record_downloaded,
    "dashboards:school_export": school_dashboard_downloaded,
    "dashboards:group_export": group_dashboard_downloaded,
    "dashboards:inspector_export": inspector_overview_downloaded,
    "dashboards:inspector_school_export": inspector_school_downloaded,
}


def test_every_export_is_tested_here():
    assert url_exports() | command_exports() == set(EXPORTS)


@pytest.mark.parametrize("formula", FORMULAS, ids=["equals", "plus", "minus", "at", "tab", "return"])
@pytest.mark.parametrize("export", list(EXPORTS))
def test_no_cell_of_an_export_starts_a_formula(request, export, formula):
    produce = EXPORTS[export]
    fixtures = {name: request.getfixturevalue(name) for name in inspect.signature(produce).parameters
                if name != "formula"}
    cells = produce(formula, **fixtures)
    assert not [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
    # The text is kept behind the apostrophe (a line break as "\n"); a number is cut to 20 characters.
    neutralised = "'" + formula.replace("\r", "\n")
    assert [cell for cell in cells if cell.startswith(neutralised[:21])]
