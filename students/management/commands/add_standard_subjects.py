from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal import services
from students.subjects.standard import ensure_standard_subjects


class Command(BaseCommand):
    help = ("Give a school the standard subjects it does not have yet (idempotent: never a "
            "duplicate, a renamed, merged or switched-off subject is left as it is).")

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, metavar="BRIN")

    def handle(self, *args, school, **options):
        try:
            school = services.find_school(school)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        added = ensure_standard_subjects(school)
        noun = "subject" if added == 1 else "subjects"
        self.stdout.write(f"{school}: {added} standard {noun} added")
