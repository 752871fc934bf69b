from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from students import hooks


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = _("Interventions")

    def ready(self):
        # What this app adds to the students app (students.hooks). Modules that define or use
        # models can only be imported once the app registry is ready, that is here.
        from . import student_data
        from .models import InterventionPlan

        hooks.register_plans(all=InterventionPlan.objects.all, active=InterventionPlan.objects.active)
        hooks.register_export_section(student_data.plan_sections)
        hooks.register_anonymiser(student_data.anonymise_plans)
