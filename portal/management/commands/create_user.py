import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal import services
from portal.models import Role


class Command(BaseCommand):
    help = "Create a user with a role at one school (an inspector: several), idempotently."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--role", choices=Role.values, required=True)
        parser.add_argument("--school", action="append", required=True, metavar="BRIN",
                            help="repeat for an inspector with several schools")
        parser.add_argument("--password-from-env", metavar="VAR",
                            help="read the password from this environment variable")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument("--teacher-code", default="")

    def handle(self, *args, **opts):
        password = None
        if opts["password_from_env"]:
            password = os.environ.get(opts["password_from_env"])
            if not password:
                raise CommandError(f"Environment variable {opts['password_from_env']} is not set or empty.")
        try:
            schools = [services.find_school(code) for code in opts["school"]]
            user, created = services.create_user(
                email=opts["email"], role=opts["role"], schools=schools, password=password,
                first_name=opts["first_name"], last_name=opts["last_name"],
                teacher_code=opts["teacher_code"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        verb = "Created" if created else "Updated"
        names = ", ".join(s.brin for s in schools)
        self.stdout.write(f"{verb} user {user.email} as {opts['role']} at {names}")
        if created and not password:
            self.stdout.write("No password set: the user sets one through 'Wachtwoord vergeten'.")
