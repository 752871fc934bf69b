"""The daily overview of notifications by e-mail, for users who chose it."""

from datetime import timedelta

import pytest
from django.core import mail as outbox
from django.utils import timezone

from portal.models import MailFrequency
from students import tasks
from students.models import Notification


@pytest.fixture
def daily_mentor(mentor_a, settings):
    settings.PORTAL_URL = "https://leerroute.school.nl"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mentor_a.mail_frequency = MailFrequency.DAILY
    mentor_a.save()
    return mentor_a


def notify(user, mail_text="leerling 123456: signalering hoog", url="/signalering/1/", **extra):
    return Notification.objects.create(user=user, text="Sanne de Vries (123456): hoog",
                                       mail_text=mail_text, url=url, **extra)


def test_one_overview_a_day_lists_the_news_by_number_with_absolute_links(daily_mentor):
    notify(daily_mentor)
    notify(daily_mentor, mail_text="", url="")
    assert tasks.send_daily_digests() == 1
    [message] = outbox.outbox
    assert message.to == [daily_mentor.email]
    assert message.subject == "Leerroute: 2 nieuwe meldingen"
    assert "leerling 123456: signalering hoog" in message.body
    assert "https://leerroute.school.nl/signalering/1/" in message.body
    assert "nieuwe melding\n" in message.body  # a notification without mail text
    assert "Sanne" not in message.body  # names stay in the portal


def test_a_notification_is_sent_once_and_not_when_read_or_old(daily_mentor, clock):
    notify(daily_mentor)
    read = notify(daily_mentor)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    old = notify(daily_mentor)
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert tasks.send_daily_digests() == 1
    assert outbox.outbox[0].subject == "Leerroute: 1 nieuwe melding"
    assert tasks.send_daily_digests() == 0
    assert len(outbox.outbox) == 1


@pytest.mark.parametrize("frequency", [MailFrequency.IMMEDIATELY, MailFrequency.NEVER])
def test_users_who_did_not_choose_the_overview_get_none(mentor_a, settings, frequency):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mentor_a.mail_frequency = frequency
    mentor_a.save()
    notify(mentor_a)
    assert tasks.send_daily_digests() == 0
    assert outbox.outbox == []


def test_a_failed_send_is_tried_again_the_next_day(daily_mentor, monkeypatch):
    notify(daily_mentor)

    def down(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", down)
    assert tasks.send_daily_digests() == 0
    assert Notification.objects.filter(mailed_at__isnull=True).count() == 1
    monkeypatch.undo()
    assert tasks.send_daily_digests() == 1
