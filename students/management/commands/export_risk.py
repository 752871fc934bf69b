from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal import audit, services
from students.risk.export import write_risk_csv


class Command(BaseCommand):
    help = ("Write the risk of every active student of a school as CSV to stdout: "
            "leerlingnummer,risico,redenen (risico: geen, aandacht or hoog).")

    def add_arguments(self, parser):
        parser.add_argument("--school", required=True, metavar="BRIN")

    def handle(self, *args, school, **options):
        try:
            school = services.find_school(school)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        count = write_risk_csv(school, self.stdout)
        audit.record(user=None, school=school, action=audit.Action.EXPORT, object_type="flag",
                     summary=f"risico-export (opdrachtregel): {count} "
                             f"{'leerling' if count == 1 else 'leerlingen'}")
