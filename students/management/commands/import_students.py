from datetime import date

from django.core.management.base import BaseCommand, CommandError

from students.imports import roster
from students.imports.leavers import left_on_problem
from students.management.importing import existing_file, school_of


def leaving_date(text):
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"--left-on: not a date: {text!r}; write it as YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = ("Import a school's student roster (CSV or XLSX export of its student information "
            "system): every row or none; a re-import updates, never duplicates. With --full the "
            "file is the whole school, and active students not in it are marked as left.")

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .csv or .xlsx file")
        parser.add_argument("--school", required=True, metavar="BRIN")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and report what would change; write nothing")
        parser.add_argument("--full", action="store_true",
                            help="the file lists all the school's current students: mark the active "
                                 "students who are not in it as left (never deletes them)")
        parser.add_argument("--left-on", metavar="YYYY-MM-DD",
                            help="with --full: the leaving date (default today)")
        parser.add_argument("--yes-many-leavers", action="store_true",
                            help="with --full: allow marking more than half of the active students "
                                 "as left (refused without it)")

    def handle(self, *args, path, school, dry_run, full, left_on, yes_many_leavers, **options):
        school = school_of(school)
        if (left_on or yes_many_leavers) and not full:
            raise CommandError("--left-on and --yes-many-leavers go with --full (a full roster); "
                               "a partial roster never marks anyone as left.")
        if left_on:
            left_on = leaving_date(left_on)
            if problem := left_on_problem(left_on):
                raise CommandError(f"--left-on {left_on.isoformat()}: {problem}")
        path = existing_file(path)
        result = roster.import_roster(school=school, path_or_file=path, filename=path.name,
                                      dry_run=dry_run, full=full, left_on=left_on,
                                      many_leavers=yes_many_leavers)
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        self.stdout.write(
            f"rows read: {result.rows_read} / created: {result.created} / updated: {result.updated}"
            f" / unchanged: {result.unchanged} / rejected: {result.rejected_rows}"
        )
        if full and not result.rejected:
            self._report_leavers(result.details, dry_run=dry_run)
        for error in result.errors:
            self.stdout.write(str(error))
        if result.rejected:
            raise CommandError(
                f"Import rejected: {len(result.errors)} error(s) in {path.name}; nothing was written."
            )

    def _report_leavers(self, details, *, dry_run):
        numbers = details.get("leavers", [])
        if dry_run:
            self.stdout.write(f"would be marked as left: {len(numbers)} of {details['active']} "
                              "active students (not in this full roster)")
            if details.get("many_leavers"):
                self.stdout.write("That is more than half: the import needs --yes-many-leavers.")
        else:
            when = f" on {details['left_on']}" if details["left"] else ""
            self.stdout.write(f"marked as left: {details['left']}{when} (not in this full roster)")
        if numbers:
            self.stdout.write("student numbers: " + ", ".join(numbers))
