import unicodedata

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordResetForm as DjangoPasswordResetForm
from django.utils.translation import gettext_lazy as _

from .models import User


class LoginForm(AuthenticationForm):
    error_messages = {
        # E-mail addresses are not case-sensitive here, so Django's default hint would mislead.
        "invalid_login": _("This e-mail address and password do not match. Check both and try again."),
        "inactive": _("This account has been switched off. Ask your school's administrator."),
    }


class MailSettingsForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["mail_frequency"]
        widgets = {"mail_frequency": forms.RadioSelect}
        help_texts = {"mail_frequency": _(
            "Notifications always appear in the portal. E-mails name students by number only.")}


class PasswordResetForm(DjangoPasswordResetForm):
    """"Forgot your password?" also for an account without a password yet.

    Django leaves such accounts out, but here they are people who never chose one: a staff import
    or `create_user` without a password makes them, and this is how they get a new link when the
    first one expired. A switched-off account still gets nothing.
    """

    def get_users(self, email):
        users = User._default_manager.filter(email__iexact=email, is_active=True)
        return (user for user in users if _same_address(email, user.email))


def _same_address(one, other):
    """Django's own comparison: the addresses are equal after Unicode case folding."""
    return (unicodedata.normalize("NFKC", one).casefold()
            == unicodedata.normalize("NFKC", other).casefold())
