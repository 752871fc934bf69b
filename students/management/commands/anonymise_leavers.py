from django.conf import settings
from django.core.management.base import BaseCommand

from students import privacy


class Command(BaseCommand):
    help = ("Anonymise every student who left school more than STUDENT_RETENTION_YEARS ago: names, "
            "date of birth, student number and typed notes go; the figures (grades, signals, flags, "
            "plans, decisions) stay, so statistics do not change. Idempotent. Celery beat runs the "
            "same nightly.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true",
                            help="only count the students who would be anonymised")

    def handle(self, *args, dry_run=False, **options):
        result = privacy.anonymise_leavers(dry_run=dry_run)
        verb = "would be anonymised" if dry_run else "anonymised"
        self.stdout.write(f"Left before {privacy.retention_cutoff():%d-%m-%Y} "
                          f"(retention {settings.STUDENT_RETENTION_YEARS} years): "
                          f"{result.students} {'student' if result.students == 1 else 'students'} {verb}.")
        for brin, count in sorted(result.per_school.items()):
            self.stdout.write(f"  {brin}: {count}")
