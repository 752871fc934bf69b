from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal import services
from students.imports import score_columns, scores


class Command(BaseCommand):
    # Django's system checks import every view (about a second); `manage.py check` and the
    # deployment run them, an import need not.
    requires_system_checks = []
    help = ("Import a school's grades (cijferlijst) or standardised test results (Cito / LVS) from "
            "a CSV or XLSX export: every row or none; a re-import never duplicates a score.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .csv or .xlsx file")
        parser.add_argument("--school", required=True, metavar="BRIN")
        parser.add_argument("--kind", choices=sorted(score_columns.SCORE_KINDS),
                            help="the kind of file (default: recognised from its columns)")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and report what would change; write nothing")

    def handle(self, *args, path, school, kind, dry_run, **options):
        try:
            school = services.find_school(school)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        path = Path(path)
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            result = scores.import_scores(school=school, path_or_file=path, filename=path.name,
                                          kind=kind, dry_run=dry_run)
        except Exception as exc:  # a database failure: the transaction was rolled back
            raise CommandError(f"Import failed; nothing was written: {exc}") from exc
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        self.stdout.write(
            f"{score_columns.SCORE_KINDS[result.kind]} / rows read: {result.rows_read}"
            f" / imported: {result.imported} (new: {result.created}, updated: {result.updated})"
            f" / unchanged: {result.unchanged} / rejected: {result.rejected_rows}"
        )
        for error in result.errors:
            self.stdout.write(str(error))
        if result.error_count > len(result.errors):
            self.stdout.write(f"... and {result.error_count - len(result.errors)} more errors.")
        if result.rejected:
            raise CommandError(
                f"Import rejected: {result.error_count} error(s) in {path.name}; nothing was written."
            )
