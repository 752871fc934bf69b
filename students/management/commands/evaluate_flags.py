from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal import services
from portal.schoolyear import SchoolYear
from students.risk.evaluation import evaluate

COLUMNS = ("students", "flagged", "did not make it", "true positives", "recall", "precision")


def _day(text):
    for pattern in ("%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    raise CommandError(f"A date looks like 2026-02-01 or 01-02-2026; got {text!r}.")


def _percent(value):
    return "-" if value is None else f"{round(100 * value)}%"


class Command(BaseCommand):
    help = ("Replay the flagging rules on a school year's data as it was on a day (default "
            "1 February) and compare with the known outcome: recall, precision and the number "
            "flagged, per level and leerjaar, per sex and against the primary school's advice.")

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, metavar="BRIN")
        parser.add_argument("--year", required=True, metavar="2025-2026")
        parser.add_argument("--on", metavar="DATE", help="the day to replay (default 1 February)")

    def handle(self, *args, school, year, on=None, **options):
        try:
            school = services.find_school(school)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        try:
            year = SchoolYear.parse(year)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        on = _day(on) if on else None
        try:
            result = evaluate(school, year, on=on)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{school.brin} {year}: rules replayed on {result.on:%d-%m-%Y}; outcome from "
                          f"decisions: {result.from_decisions}, from final grades: "
                          f"{result.from_grades}, unknown (left out): {result.unknown}")
        if not result.has_outcomes:
            self.stdout.write("No outcomes recorded yet.")
            return
        self._table("level and leerjaar", result.groups + [result.total])
        if result.by_sex:
            self._table("sex", result.by_sex)
        if result.by_advice:
            self._table("against the advice", result.by_advice)

    def _table(self, title, rows):
        width = max(len(title), *(len(str(r.label)) for r in rows))
        self.stdout.write("")
        self.stdout.write(f"{title:<{width}}  " + "  ".join(f"{c:>{len(c)}}" for c in COLUMNS))
        for r in rows:
            values = (r.students, r.flagged, r.positives, r.true_positives,
                      _percent(r.recall), _percent(r.precision))
            self.stdout.write(f"{str(r.label):<{width}}  "
                              + "  ".join(f"{v!s:>{len(c)}}" for v, c in zip(values, COLUMNS)))
