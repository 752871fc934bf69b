"""The daily overview: one e-mail a day to every user who chose it (portal.models.MailFrequency),
listing the notifications of the last days that are not read and not yet sent. Mail leaves the
portal, so it uses each notification's `mail_text` (students by number only), never its text."""

from collections import defaultdict
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from portal import mail
from portal.models import MailFrequency

from .models import Notification

# An overview covers at most this far back: a user who switches to it is not sent months of news.
LOOK_BACK = timedelta(days=7)


def pending(now):
    """The unread notifications not yet sent to the users who want a daily overview."""
    return (Notification.objects
            .filter(mailed_at__isnull=True, read_at__isnull=True, created_at__gte=now - LOOK_BACK,
                    created_at__lte=now, user__is_active=True,
                    user__mail_frequency=MailFrequency.DAILY)
            .exclude(user__email="")
            .select_related("user").order_by("user_id", "created_at", "pk"))


def send_daily_digests(now=None):
    """Send each user's overview; returns the number of e-mails sent. Safe to run twice: a
    notification sent is marked, and one whose e-mail failed is sent the next day."""
    now = now or timezone.now()
    per_user = defaultdict(list)
    for notification in pending(now):
        per_user[notification.user].append(notification)
    overview = mail.link(reverse("flags:notifications"))
    sent = 0
    for user, notifications in per_user.items():
        items = [{"at": timezone.localtime(n.created_at),
                  "text": n.mail_text or None,
                  "url": mail.link(n.url) if n.url else overview} for n in notifications]
        if mail.send([mail.Mail(to=user.email, template="daily_digest",
                                context={"items": items, "count": len(items), "overview": overview})]):
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(mailed_at=now)
            sent += 1
    return sent
