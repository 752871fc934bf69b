"""Telling mentors about new and raised flags: a notification in the portal per flag, and one
e-mail per mentor that names students by number only (mail leaves the portal)."""

from collections import defaultdict

from django.urls import reverse

from portal import mail
from portal.models import MailFrequency
from students.models import RiskLevel
from students.wording import LEVEL_WORDS

NOTIFICATION_FIELDS = ["user", "created_at", "text", "mail_text", "url", "read_at", "flag"]


def notification_rows(notify, now):
    """Rows (NOTIFICATION_FIELDS) for the mentors of (flag, kind, StudentRow) in `notify`: the
    text in the portal names the student and the first reason; the text for the daily
    overview by e-mail (students.digest) only the student's number."""
    url = reverse("flags:detail", args=[0]).replace("/0/", "/{}/")
    return [(student.mentor_id, now, _notification_text(flag, kind, student),
             _mail_text(flag, kind, student), url.format(flag.pk), None, flag.pk)
            for flag, kind, student in notify if student.mentor_id]


def _what(flag, kind):
    what = "nieuwe signalering" if kind == "raised" else "signalering verhoogd"
    return f"{what} {LEVEL_WORDS[flag.level]}"


def _notification_text(flag, kind, student):
    first = flag.reasons[0]["text"] if flag.reasons else ""
    return f"{_what(flag, kind)}: {student.name} ({student.number}) — {first}"[:255]


def _mail_text(flag, kind, student):
    return f"{_what(flag, kind)}: leerling {student.number}"[:255]


def mentor_mails(notify):
    """One `portal.mail.Mail` per active mentor with new or raised flags who wants mail at once
    (the others read them in the portal or the daily overview); templates
    mail/flags_raised*.txt, linking to the flag list."""
    per_mentor = defaultdict(list)
    for flag, kind, student in notify:
        if student.mentor_id:
            per_mentor[student.mentor_id].append((flag, kind, student))
    if not per_mentor:
        return []
    addresses = mail.addresses(per_mentor, MailFrequency.IMMEDIATELY)
    url = mail.link(reverse("flags:list"))
    return [
        mail.Mail(to=addresses[mentor_id], template="flags_raised", context={
            "count": len(items), "url": url,
            "items": [{"number": student.number, "level": RiskLevel(flag.level).label,
                       "new": kind == "raised"} for flag, kind, student in items],
        })
        for mentor_id, items in per_mentor.items() if mentor_id in addresses
    ]
