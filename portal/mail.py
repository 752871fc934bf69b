"""E-mail from the portal: one template pair per kind of message, in the translation catalogue,
with absolute links built from one setting (`PORTAL_URL`), sent through one function.

A message is described by a `Mail`: the address, the template name and the context. The
templates are `templates/mail/<name>_subject.txt` (one line) and `templates/mail/<name>.txt`
(plain text, `{% translate %}`/`{% blocktranslate %}` like every page). Links in a context are
made absolute with `link()`, so that they open from a mail client. Mail leaves the portal:
name students by number only.
"""

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.utils import translation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    to: str
    template: str  # e.g. "flags_raised": mail/flags_raised_subject.txt + mail/flags_raised.txt
    context: dict = field(default_factory=dict)
    language: str = ""  # empty: the portal's default language (Dutch)


def link(path):
    """An absolute address for a site-relative path ("/signalering/" -> "https://…/signalering/")."""
    return settings.PORTAL_URL.rstrip("/") + "/" + str(path).lstrip("/")


def addresses(user_ids, frequency):
    """{user id: e-mail address} of the active users among `user_ids` who want their mail at
    `frequency` (portal.models.MailFrequency): senders of immediate mail ask for IMMEDIATELY,
    the daily digest for DAILY."""
    return dict(get_user_model().objects
                .filter(pk__in=list(user_ids), is_active=True, mail_frequency=frequency)
                .exclude(email="").values_list("pk", "email"))


def render(mail):
    """The `EmailMessage` for a `Mail`, rendered in its language."""
    context = {"portal_url": settings.PORTAL_URL.rstrip("/"), **mail.context}
    with translation.override(mail.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"mail/{mail.template}_subject.txt", context)
        body = render_to_string(f"mail/{mail.template}.txt", context)
    subject = " ".join(subject.split())  # one line, as mail headers require
    return EmailMessage(subject, body.strip() + "\n", settings.DEFAULT_FROM_EMAIL, [mail.to])


def send(mails):
    """Send every `Mail` over one connection; returns how many were sent.

    Callers send after their data is committed: a mail server that fails is logged and must not
    undo or hide what was saved, so this never raises for a sending error."""
    messages = [render(m) for m in mails if m.to]
    if not messages:
        return 0
    try:
        with get_connection() as connection:
            return connection.send_messages(messages) or 0
    except Exception:
        log.exception("Could not send %s e-mail(s)", len(messages))
        return 0
