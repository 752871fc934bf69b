from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal import services
from portal.models import School
from students.risk.flagging import flag_students


class Command(BaseCommand):
    help = ("Recompute the risk flags of one school (--school BRIN) or of every school: raise, "
            "change and resolve flags and notify mentors. Idempotent; safe to run twice at once.")

    def add_arguments(self, parser):
        parser.add_argument("--school", metavar="BRIN", help="one school; all schools without it")

    def handle(self, *args, school=None, **options):
        if school:
            try:
                schools = [services.find_school(school)]
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        else:
            schools = list(School.objects.order_by("brin"))
        for one in schools:
            run = flag_students(one)
            self.stdout.write(f"{one.brin}: {run}")
