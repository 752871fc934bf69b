"""One way to write numbers, one way to send mail."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail as outbox
from django.utils import translation

from portal import mail, numbers


def test_numbers_are_written_the_dutch_way_by_default():
    with translation.override("nl"):
        assert numbers.number(5.5) == "5,5"
        assert numbers.number(Decimal("5.45"), 1) == "5,5"  # half up, as people round
        assert numbers.number(1234, 0) == "1.234"
        assert numbers.number(1234, 0, grouping=False) == "1234"
        assert numbers.number(2.0, 1, trim=True) == "2"
        assert numbers.percent(33.333) == "33,3 %"
        assert numbers.money(12345.5) == "12.345,50"
        assert numbers.signed(-1.25, 2) == "−1,25"
        assert numbers.signed(0.4) == "+0,4"
        assert numbers.number(None) == "–"


def test_stored_dutch_texts_can_ask_for_dutch_while_a_page_speaks_english():
    with translation.override("en"):
        assert numbers.number(1234.5, 1) == "1,234.5"
        assert numbers.number(1234.5, 1, language="nl") == "1.234,5"


def test_a_float_is_rounded_as_written_not_as_stored():
    # 2.675 is 2.67499999… as a binary float; people expect 2,68.
    assert numbers.number(2.675, 2, language="nl") == "2,68"


@pytest.fixture
def mail_templates(settings):
    """A test message template beside this file, so the test does not depend on real mails."""
    engine = {**settings.TEMPLATES[0]}
    engine["DIRS"] = [Path(__file__).parent / "templates", *engine["DIRS"]]
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]


def test_mail_links_are_absolute_from_one_setting(settings):
    settings.PORTAL_URL = "https://leerroute.example.nl/"
    assert mail.link("/signalering/") == "https://leerroute.example.nl/signalering/"
    assert mail.link("signalering/") == "https://leerroute.example.nl/signalering/"


def test_send_renders_templates_in_the_mails_language_and_never_raises(settings, monkeypatch,
                                                                        mail_templates):
    settings.PORTAL_URL = "https://leerroute.example.nl"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = mail.send([mail.Mail(to="mentor@example.nl", template="test_message",
                                context={"url": mail.link("/x/"), "count": 2})])
    assert sent == 1
    message = outbox.outbox[0]
    assert message.to == ["mentor@example.nl"]
    assert "\n" not in message.subject
    assert "https://leerroute.example.nl/x/" in message.body

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", broken)
    assert mail.send([mail.Mail(to="a@example.nl", template="test_message",
                                context={"url": "", "count": 1})]) == 0
