from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "students"
    verbose_name = _("Students")

    def ready(self):
        # A new school starts with the standard subject list (portal.services.school_created).
        # Both modules use models, so they can only be imported once the registry is ready.
        from portal.services import school_created

        from .subjects.standard import give_new_school_subjects

        school_created.connect(give_new_school_subjects, dispatch_uid="students.standard_subjects")
