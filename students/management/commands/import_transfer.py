
from django.core.management.base import BaseCommand, CommandError

from students.imports import transfer
from students.management.importing import existing_file, school_of


class Command(BaseCommand):
    help = ("Import the primary schools' transfer data (warme overdracht: schooladvies, "
            "doorstroomtoets, support needs, notes) per student number, CSV or XLSX: every row or "
            "none; a re-import updates, never duplicates.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .csv or .xlsx file")
        parser.add_argument("--school", required=True, metavar="BRIN")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and report what would change; write nothing")

    def handle(self, *args, path, school, dry_run, **options):
        school = school_of(school)
        path = existing_file(path)
        result = transfer.import_transfer(school=school, path_or_file=path, filename=path.name,
                                          dry_run=dry_run)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        self.stdout.write(
            f"rows read: {result.rows_read} / created: {result.created} / updated: {result.updated}"
            f" / unchanged: {result.unchanged} / rejected: {result.rejected_rows}"
        )
        for error in result.errors:
            self.stdout.write(str(error))
        if result.rejected:
            raise CommandError(
                f"Import rejected: {len(result.errors)} error(s) in {path.name}; nothing was written."
            )
