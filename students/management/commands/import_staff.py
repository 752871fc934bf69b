
from django.core.management.base import BaseCommand, CommandError

from students.imports import staff
from students.management.importing import existing_file, school_of


class Command(BaseCommand):
    help = ("Import a school's staff file (CSV or XLSX: name, e-mail, teacher code, role, mentor "
            "classes): every row or none; a re-import updates, never duplicates. New people get "
            "an e-mail with a link to choose their password.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .csv or .xlsx file")
        parser.add_argument("--school", required=True, metavar="BRIN")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and report what would change; write nothing, send nothing")

    def handle(self, *args, path, school, dry_run, **options):
        school = school_of(school)
        path = existing_file(path)
        result = staff.import_staff(school=school, path_or_file=path, filename=path.name, dry_run=dry_run)
        if dry_run:
            self.stdout.write("Dry run: nothing was written and no e-mail was sent.")
        self.stdout.write(
            f"rows read: {result.rows_read} / created: {result.created} / updated: {result.updated}"
            f" / unchanged: {result.unchanged} / rejected: {result.rejected_rows}"
        )
        details = result.details
        if not result.rejected:
            verb = "to send" if dry_run else "sent"
            self.stdout.write(f"e-mails {verb}: {details.get('invites', 0)} with a link to choose a "
                              f"password, {details.get('notices', 0)} about changed roles")
            if details.get("students_to_assign"):
                self.stdout.write(f"students who get their mentor from the classes: {details['students_to_assign']}")
        for line in staff.notes(result):
            self.stdout.write(f"note: {line}")
        for error in result.errors:
            self.stdout.write(str(error))
        if result.rejected:
            raise CommandError(
                f"Import rejected: {result.error_count} error(s) in {path.name}; nothing was written."
            )
