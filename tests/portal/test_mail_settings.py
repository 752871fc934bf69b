"""Every user chooses how notifications reach them by e-mail."""

from django.urls import reverse

from portal import mail
from portal.models import MailFrequency


def test_a_mentor_chooses_a_daily_overview(client, mentor_a):
    client.force_login(mentor_a)
    page = client.get(reverse("mail_settings"))
    assert "E-mailinstellingen" in page.text
    assert mentor_a.email in page.text
    response = client.post(reverse("mail_settings"), {"mail_frequency": MailFrequency.DAILY}, follow=True)
    assert "Uw e-mailinstelling is opgeslagen." in response.text
    mentor_a.refresh_from_db()
    assert mentor_a.mail_frequency == MailFrequency.DAILY


def test_a_choice_that_does_not_exist_is_refused(client, mentor_a):
    client.force_login(mentor_a)
    response = client.post(reverse("mail_settings"), {"mail_frequency": "elk-uur"})
    assert response.status_code == 200
    mentor_a.refresh_from_db()
    assert mentor_a.mail_frequency == MailFrequency.IMMEDIATELY


def test_senders_reach_only_active_users_who_want_mail_at_that_frequency(mentor_a, leader_a, teacher_a):
    leader_a.mail_frequency = MailFrequency.DAILY
    leader_a.save()
    teacher_a.is_active = False
    teacher_a.save()
    ids = [mentor_a.pk, leader_a.pk, teacher_a.pk]
    assert mail.addresses(ids, MailFrequency.IMMEDIATELY) == {mentor_a.pk: mentor_a.email}
    assert mail.addresses(ids, MailFrequency.DAILY) == {leader_a.pk: leader_a.email}
    assert mail.addresses(ids, MailFrequency.NEVER) == {}
