from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interventions import menukaart


class Command(BaseCommand):
    help = ("Load the national menukaart (NPO menukaart, EEF toolkit strands, practices of schools) "
            "from interventions/data; running it again changes only what changed in the files.")

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, default=menukaart.DATA_DIR,
                            help="folder with menukaart.csv, menukaart_texts.csv and practices.csv "
                                 "(default: interventions/data)")

    def handle(self, *args, data_dir, **options):
        try:
            counts = menukaart.load_menukaart(data_dir=data_dir)
        except (menukaart.MenukaartDataError, OSError) as exc:
            raise CommandError(f"Menukaart not loaded: {exc}") from exc
        self.stdout.write(
            f"menukaart: {counts['total']} entries / created: {counts['created']} / "
            f"updated: {counts['updated']} / unchanged: {counts['unchanged']}"
        )
        if counts["stale"]:
            self.stdout.write("kept, but no longer in the data files: " + ", ".join(counts["stale"]))
