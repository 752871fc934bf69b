from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal import services
from portal.models import School


class Command(BaseCommand):
    help = "Create a school, or update it when its BRIN code exists (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("brin", help="BRIN code, 4 letters/digits, optionally + 2-digit vestiging")
        parser.add_argument("name")
        parser.add_argument("--sector", choices=School.Sector.values, default=School.Sector.VO)
        parser.add_argument("--municipality", default="")
        parser.add_argument("--board", default="", help="bevoegd gezag")

    def handle(self, *args, **opts):
        try:
            school, created = services.create_school(
                brin=opts["brin"], name=opts["name"], sector=opts["sector"],
                municipality=opts["municipality"], board=opts["board"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} school {school}")
