"""The scan and the accounting report against figures computed by hand on a small fixture."""

import io
from datetime import date, datetime, timezone as tz
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from interventions.models import GroupIntervention, InterventionPlan, PlanEvaluation
from schoolplans import selectors
from schoolplans.models import Spending
from students.models import Flag, RiskLevel, Score, Signal, Subject
from tests.conftest import make_student

ON = date(2026, 11, 23)
WHEN = datetime(2026, 11, 1, tzinfo=tz.utc)


def _flag(student, level, resolved=False):
    return Flag.objects.create(student=student, level=level, raised_on=WHEN, changed_on=WHEN,
                               resolved_on=WHEN if resolved else None)


@pytest.fixture
def scan_school(school_a, mentor_a):
    """havo 3: three students — one aandacht flag, one hoog flag; a cognitive concern and a wellbeing
    urgent signal within eight weeks; a study-skills *attention* signal and an old cognitive concern
    that do not count. vwo 1: two students, one resolved flag.
    Weighted averages: wiskunde 5,0 (below) and 7,0; Engels 5,67 and 5,0 (below)."""
    maths = Subject.objects.get(school=school_a, code="wi")
    english = Subject.objects.get(school=school_a, code="en")
    s1, s2, s3 = (make_student(school_a, mentor_a) for _ in range(3))
    s4, s5 = (make_student(school_a, mentor_a, level="vwo", leerjaar=1, class_code="1V") for _ in range(2))
    _flag(s1, RiskLevel.ATTENTION)
    _flag(s2, RiskLevel.HIGH)
    _flag(s4, RiskLevel.HIGH, resolved=True)
    Signal.objects.create(student=s1, week=date(2026, 11, 16), category="cognitive", severity=2)
    Signal.objects.create(student=s1, week=date(2026, 11, 9), category="cognitive", severity=3)
    Signal.objects.create(student=s2, week=date(2026, 11, 16), category="wellbeing", severity=3)
    Signal.objects.create(student=s3, week=date(2026, 11, 16), category="study_skills", severity=1)
    Signal.objects.create(student=s3, week=date(2026, 9, 14), category="cognitive", severity=2)
    for student, subject, grades in [(s1, maths, [("4.0", 1), ("6.0", 1)]), (s2, maths, [("7.0", 1)]),
                                     (s4, english, [("5.0", 2), ("7.0", 1)]), (s5, english, [("5.0", 1)])]:
        for i, (grade, weight) in enumerate(grades):
            Score.objects.create(student=student, subject=subject, test=f"toets {i}", date=date(2026, 10, 1 + i),
                                 grade=Decimal(grade), weight=weight)
    return school_a


def test_schoolscan_counts_delays_per_level_and_leerjaar(scan_school):
    scan = selectors.schoolscan(scan_school, ON)
    havo, vwo = scan["rows"]
    assert (havo["level"], havo["leerjaar"], havo["students"], havo["attention"], havo["high"]) == ("havo", 3, 3, 1, 1)
    assert havo["flagged_share"] == Decimal("66.7")
    assert havo["areas"] == {"cognitive": 1, "study_skills": 0, "wellbeing": 1}
    assert havo["area_shares"]["cognitive"] == Decimal("33.3")
    assert (vwo["students"], vwo["attention"], vwo["high"], vwo["flagged_share"]) == (2, 0, 0, Decimal("0.0"))
    assert havo["worst_subject"] == {"subject": "wiskunde", "below": 1, "students": 2, "share": Decimal("50.0")}
    assert vwo["worst_subject"] == {"subject": "Engels", "below": 1, "students": 2, "share": Decimal("50.0")}
    assert scan["totals"]["students"] == 5
    assert scan["totals"]["flagged_share"] == Decimal("40.0")
    assert [(s["subject"], s["below"], s["students"], s["share"]) for s in scan["worst_subjects"]] == [
        ("Engels", 1, 2, Decimal("50.0")), ("wiskunde", 1, 2, Decimal("50.0"))]


def test_scan_page_shows_an_inspector_only_cells_of_ten_students_or_more(client, clock, inspector, scan_school,
                                                                          programme_a):
    clock.move_to(ON)  # the page scans today
    client.force_login(inspector)
    page = client.get(reverse("schoolplans:scan", args=[programme_a.pk])).content.decode()
    assert "&lt;10" in page and "66,7" not in page and "66.7" not in page  # a school of three students
    assert "Engels" in page
    assert "conclusions-form" not in page


def test_leader_adds_conclusions_per_area(client, leader_a, programme_a):
    client.force_login(leader_a)
    client.post(reverse("schoolplans:scan", args=[programme_a.pk]),
                {"cognitive": "Wiskunde in havo 3 blijft achter", "study_skills": "", "wellbeing": "Rust"})
    assert dict(programme_a.conclusions.values_list("area", "text")) == {
        "cognitive": "Wiskunde in havo 3 blijft achter", "wellbeing": "Rust"}


@pytest.fixture
def executed_programme_a(adopted_programme_a, tutoring_a, summer_school_a, school_a, leader_a, mentor_a):
    """Tutoring: three plans of two students in 2026-2027 (one met its goal, one answered a flag
    that is resolved) and one from 2025 that does not count; summer school: one group enrolment.
    Spending 2026-2027: tutoring 3.000 + 1.500,50, summer school 2.500; tutoring 1.000 in 2027-2028."""
    s1, s2, s3 = (make_student(school_a, mentor_a) for _ in range(3))
    flag = _flag(s2, RiskLevel.ATTENTION, resolved=True)

    def plan(student, started_on, **extra):
        return InterventionPlan.objects.create(student=student, title="Bijles", need="wiskunde", goal="5,5",
                                               started_on=started_on, **extra)

    met = plan(s1, date(2026, 10, 1), intervention=tutoring_a)
    plan(s1, date(2027, 1, 10), intervention=tutoring_a)
    plan(s2, date(2026, 10, 1), intervention=tutoring_a, flag=flag)
    plan(s3, date(2025, 10, 1), intervention=tutoring_a)
    PlanEvaluation.objects.create(plan=met, cycle=1, due_on=date(2026, 11, 12), evaluated_on=date(2026, 11, 12),
                                  goal_result="met", decision="stop")
    group = GroupIntervention.objects.create(school=school_a, intervention=summer_school_a, name="Zomerschool",
                                             goal="voldoende", starts_on=date(2027, 7, 5))
    plan(s3, date(2027, 7, 5), group=group)
    tutoring = adopted_programme_a.lines.get(intervention=tutoring_a)
    summer = adopted_programme_a.lines.get(intervention=summer_school_a)
    for line, year, period, amount in [(tutoring, 2026, "periode 1", "3000"), (tutoring, 2026, "periode 2", "1500.50"),
                                       (summer, 2026, "zomer", "2500"), (tutoring, 2027, "periode 1", "1000")]:
        Spending.objects.create(line=line, school_year=year, period=period, amount=Decimal(amount))
    return adopted_programme_a


def test_progress_per_line(executed_programme_a, tutoring_a, summer_school_a):
    progress = {row["line"].intervention_id: row
                for row in selectors.programme_progress(executed_programme_a).values()}
    tutoring, summer = progress[tutoring_a.pk], progress[summer_school_a.pk]
    assert (tutoring["plans"], tutoring["reach"], tutoring["reach_share"]) == (3, 2, Decimal("20.0"))
    assert tutoring["spent"] == Decimal("5500.50")
    assert (tutoring["met_share"], tutoring["flags_resolved"]) == (Decimal("33.3"), 1)
    assert (summer["reach"], summer["reach_share"], summer["spent"]) == (1, Decimal("5.0"), Decimal("2500"))


def test_accounting_per_line_and_menukaart_category(executed_programme_a):
    report = selectors.accounting(executed_programme_a, 2026)
    assert report["budget"] == Decimal("20000")
    assert (report["planned"], report["spent"]) == (Decimal("22000"), Decimal("7000.50"))
    assert [(c["code"], c["planned"], c["spent"]) for c in report["categories"]] == [
        ("A", Decimal("10000"), Decimal("2500")), ("B", Decimal("12000"), Decimal("4500.50"))]
    second = selectors.accounting(executed_programme_a, 2027)
    assert (second["planned"], second["spent"]) == (Decimal("12000"), Decimal("1000"))
    assert [c["code"] for c in second["categories"]] == ["B"]


def test_accounting_pdf_has_one_page_with_the_totals(client, inspector, executed_programme_a):
    client.force_login(inspector)
    response = client.get(reverse("schoolplans:accounting_pdf", args=[executed_programme_a.pk]) + "?jaar=2026-2027")
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "22.000,00" in text and "7.000,50" in text and "20.000,00" in text
    assert "4.500,50" in text and "2.500,00" in text
    assert "12AB" in text


def _pdf_text(response):
    """The PDF's text with line breaks and runs of spaces as single spaces: a wrapped cell reads
    as one sentence."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split())


def test_accounting_pdf_wraps_long_names_and_prints_every_letter(client, leader_a, executed_programme_a,
                                                                  tutoring_a, summer_school_a):
    tutoring_a.name_nl = ("Bijles in kleine groepen door Ëmile Dvořák en Şule Öztürk, met een vaste "
                          "tutor per leerling, twee keer per week na het achtste uur")
    tutoring_a.save()
    summer_school_a.name_nl = "Zomerschool Łódź-Noord (€ 250 per leerling, één week)"
    summer_school_a.save()
    assert len(tutoring_a.name_nl) > 100
    client.force_login(leader_a)
    text = _pdf_text(client.get(reverse("schoolplans:accounting_pdf", args=[executed_programme_a.pk])
                                + "?jaar=2026-2027"))
    assert tutoring_a.name_nl in text
    assert summer_school_a.name_nl in text
    assert "?" not in text
    assert "12.000,00" in text and "4.500,50" in text and "33,3" in text


def test_accounting_csv_writes_shares_in_dutch_notation(client, leader_a, executed_programme_a):
    client.force_login(leader_a)
    text = client.get(reverse("schoolplans:accounting_csv", args=[executed_programme_a.pk])
                      + "?jaar=2026-2027").content.decode("utf-8-sig")
    assert ";12.000,00;4.500,50;10;2;33,3;1" in text

def test_accounting_csv_neutralises_formulas(client, leader_a, executed_programme_a, summer_school_a):
    summer_school_a.name_nl = "=HYPERLINK(\"x\")"
    summer_school_a.save()
    client.force_login(leader_a)
    response = client.get(reverse("schoolplans:accounting_csv", args=[executed_programme_a.pk]))
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert "\n=" not in text
    assert "Total;;22.000,00;7.000,50" in text or "Totaal;;22.000,00;7.000,50" in text


def test_accounting_page_shows_totals(client, leader_a, executed_programme_a):
    client.force_login(leader_a)
    page = client.get(reverse("schoolplans:accounting", args=[executed_programme_a.pk])).content.decode()
    assert "22.000,00" in page and "7.000,50" in page
