from django import forms
from django.contrib.auth.forms import AuthenticationForm
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
