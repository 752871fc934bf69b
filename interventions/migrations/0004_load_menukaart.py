"""Load the national menukaart from interventions/data, so that it is there after `migrate` on
any database. Later changes to the data files are loaded with `manage.py load_menukaart`."""

from django.db import migrations

from interventions.menukaart import load_menukaart


def load(apps, schema_editor):
    load_menukaart(model=apps.get_model("interventions", "Intervention"))


class Migration(migrations.Migration):

    dependencies = [
        ("interventions", "0003_menukaart"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
