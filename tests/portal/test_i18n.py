from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


def test_the_interface_speaks_dutch_by_default(client):
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="nl">' in page
    assert "Inloggen" in page and "Wachtwoord vergeten?" in page


def test_english_can_be_chosen(client, mentor_a):
    client.force_login(mentor_a)
    response = client.post(reverse("set_language"), {"language": "en", "next": "/leerlingen/mijn/"})
    assert response.status_code == 302
    page = client.get(reverse("students:mine")).content.decode()
    assert '<html lang="en">' in page and "My students" in page


def test_dates_and_decimals_follow_dutch_conventions():
    template = Template('{{ day|date:"SHORT_DATE_FORMAT" }} {{ grade }}')
    with translation.override("nl"):
        assert template.render(Context({"day": date(2026, 11, 23), "grade": Decimal("5.5")})) == "23-11-2026 5,5"


def test_every_dutch_message_is_translated():
    path = Path(settings.BASE_DIR, "portal/locale/nl/LC_MESSAGES/django.po")
    catalog = read_po(path.open("rb"), locale="nl")
    untranslated = [
        m.id for m in catalog
        if m.id and (m.fuzzy or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert not untranslated, f"untranslated or fuzzy in {path.name}: {untranslated}"


def test_compiled_translations_are_current():
    """`make` compiles .mo from .po; a stale .mo would show old texts."""
    po = Path(settings.BASE_DIR, "portal/locale/nl/LC_MESSAGES/django.po")
    mo = po.with_suffix(".mo")
    assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, "run `make messages`"


def test_an_english_browser_still_gets_dutch_until_english_is_chosen(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="nl">' in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert '<html lang="en">' in page
