"""A mentor goes through a school week in the browser: open the grid, record signals,
open a student, see the timeline."""

import re

import pytest
from playwright.sync_api import expect

from students.models import Category, Signal
from tests.browser.test_login_journey import log_in
from tests.conftest import make_student

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_mentor_records_the_week_and_sees_it_on_the_timeline(page, mentor_a, school_a):
    for name in ("Anna", "Bram", "Cas"):
        make_student(school_a, mentor_a, given_name=name, family_name="Jansen")
    log_in(page, mentor_a.email)
    page.get_by_role("link", name=re.compile("Week .* invullen")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Signalen van week")

    # Keyboard only: focus Bram's motivation cell, type 2 (zorg), note, save with Enter.
    page.get_by_label("Motivatie en betrokkenheid – Bram Jansen").focus()
    page.keyboard.press("2")
    page.get_by_label("Notitie – Bram Jansen").fill("Zit er niet lekker in sinds de herfstvakantie.")
    page.get_by_label("Notitie – Bram Jansen").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("opgeslagen")
    assert list(Signal.objects.values_list("student__given_name", "category", "severity")) == [
        ("Bram", "motivation", 2)]

    page.get_by_role("link", name="Jansen, Bram").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bram Jansen")
    timeline = page.get_by_role("region", name="Tijdlijn")
    expect(timeline).to_contain_text(re.compile("motivatie en betrokkenheid", re.IGNORECASE))
    expect(timeline).to_contain_text("Zit er niet lekker in sinds de herfstvakantie.")


def test_the_week_grid_fits_a_laptop_screen_and_scrolls_inside_its_frame_on_a_phone(page, mentor_a, school_a, clock):
    from datetime import timedelta

    from portal.schoolyear import week_start
    from students import services

    last_week = week_start(clock.today) - timedelta(weeks=1)
    students = [make_student(school_a, mentor_a, given_name=given, tussenvoegsel="van den", family_name=family)
                for given, family in (("Zoë", "Heuvel-Achterberg"), ("Mohammed", "Boukhari"))]
    # Last week's concerns come back in this week's grid, marked ↻, in every column.
    services.record_week(author=mentor_a, week=last_week, entries=[
        services.WeekEntry(student=s, severities={c: 1 for c in Category.values}) for s in students])
    log_in(page, mentor_a.email)
    frame = page.locator(".week-grid")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/leerlingen/week/")
    expect(page.locator(".carried-mark").first).to_be_visible()
    assert frame.evaluate("el => el.scrollWidth <= el.clientWidth"), "the grid needs sideways scrolling at 1280 px"
    assert page.locator("input.note").first.bounding_box()["width"] >= 144  # room for a few words

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/leerlingen/week/")
    assert page.evaluate("document.documentElement.scrollWidth") == 360  # the page itself does not scroll
    frame.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    name = page.get_by_role("link", name="Heuvel-Achterberg, Zoë van den")
    assert 0 <= name.bounding_box()["x"] < 30  # the names stay in view while the cells scroll
