"""A student keeps the day they left school, from which the retention period runs.

Students who were already inactive get today: when they left is not known, so their
retention period starts now rather than too early."""

from django.db import migrations, models
from django.utils import timezone


def inactive_students_left_today(apps, schema_editor):
    Student = apps.get_model("students", "Student")
    Student.objects.filter(is_active=False, left_on__isnull=True).update(left_on=timezone.localdate())


class Migration(migrations.Migration):
    dependencies = [("students", "0005_promotiondecision_level_leerjaar")]

    operations = [
        migrations.AddField(
            model_name="student",
            name="left_on",
            field=models.DateField(
                blank=True, null=True, verbose_name="left school on",
                help_text="Set when the student is made inactive; cleared when they are active again.",
            ),
        ),
        migrations.RunPython(inactive_students_left_today, migrations.RunPython.noop),
    ]
