"""Inspectors' pages: small cells suppressed, never a name or a note, the overview of the
schools they supervise and how fresh its figures are."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboards import services, tables
from tests.conftest import make_student

from .factories import flag

pytestmark = pytest.mark.django_db


def test_inspectors_see_small_cells_suppressed(client, small_school, inspector):
    client.force_login(inspector)
    response = client.get(reverse("dashboards:inspector_school", args=["12AB"]))
    groups = response.context["dashboard"]["tables"]["groups"]
    whole = groups.rows[0]
    assert str(whole.cells[0]) == "<10"  # 5 students
    assert all(str(cell) == "<10" for row in groups.rows for cell in row.cells)
    assert "&lt;10" in response.content.decode()
    works = response.context["dashboard"]["tables"]["what_works"]
    assert str(works.rows[0].cells[1]) == "<10"


def test_a_share_is_shown_to_inspectors_once_ten_students_carry_it(school_a, mentor_a, fixed_today):
    for n in range(12):
        student = make_student(school_a, mentor_a)
        if n < 3:
            flag(student, date(2026, 10, 1))
    detail = services.refresh_school(school_a).detail
    cells = tables.groups_table(detail, suppress=True).rows[0].cells
    assert [str(c) for c in cells[:3]] == ["12", "25,0 %", "0,0 %"]
    assert str(cells[3]) == "<10"  # reach: 3 flagged students


def test_inspectors_never_receive_names_or_notes(client, small_school, inspector, school_a):
    small_school[1].signals.create(week=date(2026, 10, 5), category="home", severity=2,
                                   note="Geheime thuissituatie")
    services.refresh_school(school_a)
    client.force_login(inspector)
    pages = [client.get(reverse("dashboards:inspector")),
             client.get(reverse("dashboards:inspector_school", args=["12AB"])),
             client.get(reverse("dashboards:inspector_export", args=["csv"]))]
    for key in ("groepen", "per-maand", "doubleren", "wat-werkt", "programma"):
        pages.append(client.get(reverse("dashboards:inspector_school_export", args=["12AB", key, "csv"])))
        xlsx = client.get(reverse("dashboards:inspector_school_export", args=["12AB", key, "xlsx"]))
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        pages.append(type("R", (), {"content": " ".join(str(c.value) for row in sheet.iter_rows()
                                                           for c in row).encode()})())
    for response in pages:
        text = response.content.decode()
        for secret in ("Familie", "Naam", "Geheime", "wiskunde onder", "Plan Naam"):
            assert secret not in text
        for student in small_school.values():
            assert student.student_number not in text


def test_the_inspector_overview_has_a_row_per_school_sorted_on_request(client, small_school, inspector,
                                                                          school_b, fixed_today):
    services.refresh_school(school_b)
    client.force_login(inspector)
    response = client.get(reverse("dashboards:inspector"))
    table = response.context["overview"]["table"]
    assert [row.header for row in table.rows] == ["De Linde", "Het Baken College"]
    baken = table.rows[1].cells
    assert baken[0] == "12AB" and str(baken[1]) == "<10"
    assert str(baken[8]) == "<10"  # retention: 4 decisions
    response = client.get(reverse("dashboards:inspector") + "?sort=school&order=desc")
    assert [r.header for r in response.context["overview"]["table"].rows] == ["Het Baken College", "De Linde"]


def test_the_overview_says_how_fresh_the_figures_are(client, small_school, inspector, school_b):
    client.force_login(inspector)
    overview = client.get(reverse("dashboards:inspector")).context["overview"]
    assert overview["missing"] == 1 and overview["oldest"] is not None
    page = client.get(reverse("dashboards:inspector")).content.decode()
    assert "1 school heeft nog geen cijfers" in page


def test_inspector_counts_are_not_multiplied_by_joins(client, inspector, school_a, mentor_a, other_mentor_a,
                                                      fixed_today):
    for _ in range(12):
        make_student(school_a, mentor_a)
    make_student(school_a, mentor_a, is_active=False)
    services.refresh_school(school_a)
    client.force_login(inspector)
    rows = client.get(reverse("dashboards:inspector")).context["overview"]["table"].rows
    assert [(r.header, str(r.cells[1])) for r in rows] == [("De Linde", "–"), ("Het Baken College", "12")]
