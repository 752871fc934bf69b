"""Printing (or "Save as PDF"): a student's page and the School Programme's accounting come
out on A4 with their content and without the menu, buttons, forms or footer; the grades
behind the charts are printed as tables."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from portal.schoolyear import week_start
from students import services
from students.models import Category, Score, Subject
from tests.browser.test_login_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A4 = (210, 297)  # mm
MENU_AND_FOOTER = ["Weeksignalen", "Mijn leerlingen", "Leerlingbesprekingen", "Menukaart", "Meldingen",
                   "Uitloggen", "Taal", "Wissel", "onnodig zittenblijven voorkomen"]


def printed(page, path):
    """The page as Chromium prints it on A4: (number of pages, page sizes in mm, text)."""
    page.goto(path)
    page.emulate_media(media="print")
    reader = PdfReader(io.BytesIO(page.pdf(format="A4")))
    sizes = {(round(float(p.mediabox.width) * 25.4 / 72), round(float(p.mediabox.height) * 25.4 / 72))
             for p in reader.pages}
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())  # lines wrap on paper
    return len(reader.pages), sizes, text


def test_a_students_page_prints_on_a4_with_timeline_and_grade_tables(
        page, mentor_a, student_a, conversation_a, plan_a, school_a, clock):
    maths = Subject.objects.get(school=school_a, name="wiskunde")
    today = clock.today
    for n, grade in enumerate(("6.4", "4.8")):
        Score.objects.create(student=student_a, subject=maths, test=f"Proefwerk {n + 1}",
                             date=today - timedelta(days=14 - 7 * n), grade=Decimal(grade))
    services.record_week(author=mentor_a, week=week_start(today), entries=[services.WeekEntry(
        student=student_a, severities={Category.MOTIVATION: 2}, note="Weinig zin in school deze week.")])
    log_in(page, mentor_a.email)

    pages, sizes, text = printed(page, student_a.get_absolute_url())

    assert sizes == {A4}
    assert "Sanne Visser" in text
    for entry in ("Tijdlijn", "motivatie en betrokkenheid", "Weinig zin in school deze week.",
                  "Sanne maakt elke dinsdag een planning", "Plan gestart"):
        assert entry in text, entry
    assert "Proefwerk 1" in text and "6,4" in text and "4,8" in text  # the table behind the chart
    for screen_only in MENU_AND_FOOTER + ["Plan starten", "Notities bewerken", "Cijfers als tabel"]:
        assert screen_only not in text, screen_only


def test_the_accounting_of_the_school_programme_prints_on_one_a4(
        page, leader_a, programme_a, programme_line_a):
    log_in(page, leader_a.email)

    pages, sizes, text = printed(page, f"/schoolprogramma/{programme_a.pk}/verantwoording/?jaar=2026")

    assert (pages, sizes) == (1, {A4})
    for content in ("NPO-programma 2026-2028", "NPO-verantwoording 2026-2027", "Huiswerkklas 3 havo",
                    "5.000,00", "Per menukaartcategorie"):
        assert content in text, content
    for screen_only in MENU_AND_FOOTER + ["Bevordering", "Afdrukken", "CSV", "1. Schoolscan"]:
        assert screen_only not in text, screen_only

    # On screen, the Print button opens the browser's print dialog, once.
    page.emulate_media(media="screen")
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Afdrukken").press("Enter")
    assert page.evaluate("window.printed") == 1


def test_print_keeps_table_rows_whole_and_hides_what_cannot_be_used_on_paper(page, mentor_a, student_a):
    log_in(page, mentor_a.email)
    page.goto("/leerlingen/mijn/")
    page.emulate_media(media="print")
    styles = page.evaluate("""() => ({
      row: getComputedStyle(document.querySelector("main tbody tr")).breakInside,
      header: getComputedStyle(document.querySelector("main thead")).display,
      filters: getComputedStyle(document.querySelector("main form")).display,
      navbar: getComputedStyle(document.querySelector("header")).display,
      link: getComputedStyle(document.querySelector("main tbody a")).textDecorationLine,
    })""")
    assert styles == {"row": "avoid", "header": "table-header-group", "filters": "none",
                      "navbar": "none", "link": "none"}
