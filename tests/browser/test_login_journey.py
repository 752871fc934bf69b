import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, email, password=PASSWORD):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/account/login/"))
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(password)
    page.get_by_role("button", name="Inloggen").click()


@pytest.mark.parametrize("persona, heading, path", [
    ("mentor_a", "Mijn leerlingen", "/leerlingen/mijn/"),
    ("leader_a", "Het Baken College", "/scholen/12AB/"),
    ("inspector", "Scholen onder uw toezicht", "/inspectie/"),
])
def test_each_role_logs_in_and_sees_its_landing_page(page, request, persona, heading, path, student_a):
    user = request.getfixturevalue(persona)
    log_in(page, user.email)
    expect(page).to_have_url(re.compile(re.escape(path) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)


def test_a_mentor_opens_a_mentee_and_edits_the_handover_notes(page, mentor_a, student_a):
    log_in(page, mentor_a.email)
    page.get_by_role("link", name="Visser, Sanne").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sanne Visser")
    page.get_by_role("link", name="Notities bewerken", exact=True).click()
    page.get_by_label("Notities van de basisschool (warme overdracht)").fill("Leest graag; extra tijd bij toetsen.")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_text("Opgeslagen.")).to_be_visible()
    expect(page.get_by_text("Leest graag; extra tijd bij toetsen.")).to_be_visible()


def test_a_wrong_password_shows_a_message_and_no_page(page, mentor_a):
    log_in(page, mentor_a.email, "verkeerd-wachtwoord")
    expect(page).to_have_url(re.compile(r"/account/login/"))
    expect(page.get_by_role("alert")).to_contain_text("Dit e-mailadres en wachtwoord horen niet bij elkaar")


def test_pages_load_without_content_security_policy_errors(page, leader_a, student_a):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    log_in(page, leader_a.email)
    page.goto(student_a.get_absolute_url())
    page.goto("/leerlingen/")
    assert not errors, errors
