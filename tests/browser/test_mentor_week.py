"""A mentor goes through a school week in the browser: open the grid, record signals,
open a student, see the timeline."""

import re

import pytest
from playwright.sync_api import expect

from students.models import Signal
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
