"""Inspectors read a school's programme in figures of ten students or more: the scan, the
reach per line and the accounting (page, PDF, CSV) show "<10" for smaller cells; the school's
leader sees every figure."""

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from interventions.models import InterventionPlan
from students.models import Level
from tests.conftest import make_student

pytestmark = pytest.mark.django_db


@pytest.fixture
def reached(school_a, mentor_a, planned_programme_a, tutoring_a):
    """Twelve havo 3 students, three vwo 1 students; three of them in tutoring."""
    students = [make_student(school_a, mentor_a, level=Level.HAVO, leerjaar=3) for _ in range(12)]
    students += [make_student(school_a, mentor_a, level=Level.VWO, leerjaar=1) for _ in range(3)]
    for student in students[:3]:
        InterventionPlan.objects.create(student=student, title="Bijles", need="wiskunde", goal="voldoende",
                                        started_on=date(2026, 10, 1), intervention=tutoring_a)
    return students


def test_the_scan_hides_groups_of_fewer_than_ten_from_inspectors(client, reached, inspector, leader_a,
                                                                 programme_a):
    url = reverse("schoolplans:scan", args=[programme_a.pk])
    client.force_login(inspector)
    rows = {(r["level"], r["leerjaar"]): r for r in client.get(url).context["scan"]["rows"]}
    assert rows[(Level.HAVO, 3)]["students"] == 12 and rows[(Level.HAVO, 3)]["attention"] == "<10"
    assert rows[(Level.VWO, 1)]["students"] == "<10" and rows[(Level.VWO, 1)]["flagged_share"] == "<10"
    client.force_login(leader_a)
    rows = {(r["level"], r["leerjaar"]): r for r in client.get(url).context["scan"]["rows"]}
    assert rows[(Level.VWO, 1)]["students"] == 3 and rows[(Level.HAVO, 3)]["attention"] == 0


def test_reach_of_fewer_than_ten_is_hidden_from_inspectors(client, reached, inspector, leader_a, programme_a):
    client.force_login(inspector)
    page = client.get(reverse("schoolplans:execution", args=[programme_a.pk]))
    tutoring = next(r for r in page.context["progress"] if r["line"].intervention.key == "bijles")
    assert (tutoring["reach"], tutoring["reach_share"], tutoring["met_share"]) == ("<10", "<10", "<10")
    report = client.get(reverse("schoolplans:accounting", args=[programme_a.pk])).context["report"]
    assert {row["reach"] for row in report["lines"]} == {"<10"}
    csv = client.get(reverse("schoolplans:accounting_csv", args=[programme_a.pk])).content.decode("utf-8-sig")
    assert "<10" in csv
    pdf = client.get(reverse("schoolplans:accounting_pdf", args=[programme_a.pk])).content
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "<10/10" in text
    client.force_login(leader_a)
    page = client.get(reverse("schoolplans:execution", args=[programme_a.pk]))
    tutoring = next(r for r in page.context["progress"] if r["line"].intervention.key == "bijles")
    assert tutoring["reach"] == 3
