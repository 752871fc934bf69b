
from django.core.management.base import BaseCommand, CommandError

from students.imports import new_subjects as new, score_columns, scores
from students.management.importing import existing_file, school_of

NEW_SUBJECTS = {"add": new.ADD, "skip": new.SKIP, "reject": None}


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
        parser.add_argument("--new-subjects", choices=list(NEW_SUBJECTS), default="reject",
                            help="subjects the school does not know: add them to the school, skip "
                                 "their rows, or reject the file (default) with the list of them")
        parser.add_argument("--dry-run", action="store_true",
                            help="check the file and report what would change; write nothing")

    def handle(self, *args, path, school, kind, new_subjects, dry_run, **options):
        school = school_of(school)
        path = existing_file(path)
        try:
            result = scores.import_scores(school=school, path_or_file=path, filename=path.name,
                                          kind=kind, dry_run=dry_run, new=NEW_SUBJECTS[new_subjects])
        except Exception as exc:  # a database failure: the transaction was rolled back
            raise CommandError(f"Import failed; nothing was written: {exc}") from exc
        if dry_run:
            self.stdout.write("Dry run: nothing was written.")
        skipped = result.details.get("skipped_rows")
        self.stdout.write(
            f"{score_columns.SCORE_KINDS[result.kind]} / rows read: {result.rows_read}"
            f" / imported: {result.imported} (new: {result.created}, updated: {result.updated})"
            f" / unchanged: {result.unchanged} / rejected: {result.rejected_rows}"
            + (f" / left out (new subjects): {skipped}" if skipped else "")
        )
        if not result.rejected and result.details.get("results"):
            self.stdout.write("results: " + "; ".join(scores.describe_results(result.details["results"])))
        self.write_new_subjects(result.details.get("new_subjects", []), dry_run=dry_run)
        for error in result.errors:
            self.stdout.write(str(error))
        if result.error_count > len(result.errors):
            self.stdout.write(f"... and {result.error_count - len(result.errors)} more errors.")
        if result.rejected:
            raise CommandError(
                f"Import rejected: {result.error_count} error(s) in {path.name}; nothing was written."
            )
        waiting = new.undecided(result.details)
        if waiting:
            listed = ", ".join(f"{e['text']}: {e['rows']} row{'' if e['rows'] == 1 else 's'}" for e in waiting)
            raise CommandError(
                f"Import rejected: {len(waiting)} subject(s) in {path.name} are new to this school "
                f"({listed}); nothing was written. Choose: --new-subjects add "
                f"(add them to the school's subjects) or --new-subjects skip (leave their rows out); "
                f"or, to file one under a subject the school has, add its name as an other name of "
                f"that subject on the subjects page (/vakken/) and import again."
            )

    def write_new_subjects(self, found, *, dry_run):
        """One line per subject the school did not know, with what happened (or would) to it."""
        for entry in found:
            rows = ", ".join(map(str, entry["first_rows"]))
            more = ", …" if entry["rows"] > len(entry["first_rows"]) else ""
            line = f"New subject '{entry['text']}': {entry['rows']} row(s) ({rows}{more})"
            if entry["choice"] == new.ADD:
                add = entry["add"]
                verb = "would be" if dry_run else "is"
                how = {"switch_on": "switched on again", "standard": "added from the standard list"}.get(
                    add["how"], "added")
                line += f"; {verb} {how} as {add['code']} ({add['name']})"
            elif entry["choice"] == new.SKIP:
                line += "; left out"
            self.stdout.write(line)
