"""A school's first week in the browser, as README "Eerste week" says: the administrator runs
create_school and create_user; the leader chooses a password through Wachtwoord vergeten?, sees
the set-up checklist, imports the staff file, the roster and the grade export (choosing what
happens to a subject the school never had); the mentor from the staff file chooses a password
and finds her mentee's results as the school wrote them."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from tests.test_first_week import ROSTER, STAFF, grades

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.clock]

PASSWORD = "een-eigen-wachtwoord-2026"


def choose_password(page, address):
    page.goto("/account/login/")
    page.get_by_role("link", name="Wachtwoord vergeten?").click()
    page.get_by_label("E-mailadres").fill(address)
    page.get_by_role("button", name=re.compile("versturen|Verstuur", re.I)).click()
    follow_mailed_link(page, address)


def follow_mailed_link(page, address):
    message = next(m for m in reversed(mail.outbox) if m.to == [address])
    page.goto(re.search(r"(/account/reset/\S+/)", message.body).group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("wachtwoord", re.I))
    page.locator("input[name=new_password1]").fill(PASSWORD)
    page.locator("input[name=new_password2]").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("wachtwoord", re.I)).click()


def log_in(page, address):
    page.context.clear_cookies()
    page.goto("/account/login/")
    page.get_by_label("E-mailadres").fill(address)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()


def upload(page, path, name, text):
    page.goto(path)
    page.locator("main input[type=file]").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()})
    page.get_by_role("button", name="Bestand controleren").click()


def test_a_new_school_gets_going_in_the_browser(page, clock):
    call_command("create_school", "45EF", "Het Nieuwe Lyceum", "--municipality", "Utrecht")
    call_command("create_user", "directie@lyceum.example", "--role", "leader", "--school", "45EF")

    choose_password(page, "directie@lyceum.example")
    log_in(page, "directie@lyceum.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Het Nieuwe Lyceum")
    expect(page.locator("#setup-staff")).to_contain_text("volgende stap")

    upload(page, "/leerlingen/importeren/personeel/", "personeel.csv", STAFF)
    expect(page.locator("main")).to_contain_text("a.dewit@lyceum.example")
    page.get_by_role("button", name=re.compile("Bevestigen")).click()
    expect(page.locator("main")).to_contain_text(re.compile("geïmporteerd|klaar|Klaar"))

    upload(page, "/leerlingen/importeren/", "leerlingen.csv", ROSTER)
    page.get_by_role("button", name=re.compile("Bevestigen")).click()
    expect(page.locator("main")).to_contain_text(re.compile("geïmporteerd|klaar|Klaar"))

    upload(page, "/leerlingen/importeren/cijfers/", "cijfers.csv", grades(clock.today))
    expect(page.locator("main")).to_contain_text("1 vak is nieuw: Sterrenkunde")
    page.get_by_role("combobox", name=re.compile("Sterrenkunde")).select_option("add")
    page.get_by_role("button", name=re.compile("Bevestigen")).click()
    expect(page.locator("main")).to_contain_text(re.compile("geïmporteerd|klaar|Klaar"))

    page.goto("/scholen/45EF/")
    expect(page.locator("#setup-grades")).to_contain_text("klaar")

    follow_mailed_link(page, "a.dewit@lyceum.example")
    log_in(page, "a.dewit@lyceum.example")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn leerlingen")
    page.get_by_role("link", name="Visser, Sanne").click()
    main = page.locator("main")
    for text in ("havo/vwo 1", "6,75", "Sterrenkunde", "voldoende (V)"):
        expect(main).to_contain_text(text)
