from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolplansConfig(AppConfig):
    name = "schoolplans"
    verbose_name = _("School Programme")
