from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from dashboards import demo


class Command(BaseCommand):
    help = "Load the demo schools, people and students (idempotent) and print the logins."

    def handle(self, *args, **options):
        # The demo's people have made-up addresses: the invitations of its staff import and the
        # notifications of its flagging go nowhere, instead of filling the console.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            logins = demo.seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/ with:"))
        for role, email, schools in logins:
            self.stdout.write(f"  {role:<14} {email:<32} ({schools})")
        self.stdout.write(f"  password for all: {demo.DEMO_PASSWORD}")
        self.stdout.write("  (every mentor of the demo schools can log in with the same password)")
