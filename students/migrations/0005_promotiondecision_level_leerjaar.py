"""A promotion decision keeps the level and leerjaar it was about, so retention rates of
earlier school years still count in the right group after students have moved on."""

from django.db import migrations, models


def copy_from_student(apps, schema_editor):
    Decision = apps.get_model("students", "PromotionDecision")
    for decision in Decision.objects.select_related("student").iterator():
        decision.level = decision.student.level
        decision.leerjaar = decision.student.leerjaar
        decision.save(update_fields=["level", "leerjaar"])


class Migration(migrations.Migration):
    dependencies = [("students", "0004_advicemoment")]

    operations = [
        migrations.AddField(
            model_name="promotiondecision", name="level",
            field=models.CharField(choices=[('pro', 'praktijkonderwijs'), ('vmbo_bb', 'vmbo-bb'), ('vmbo_kb', 'vmbo-kb'), ('vmbo_gt', 'vmbo-gl/tl'), ('havo', 'havo'), ('vwo', 'vwo')], default="", max_length=10,
                                   verbose_name="level"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="promotiondecision", name="leerjaar",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="leerjaar"),
            preserve_default=False,
        ),
        migrations.RunPython(copy_from_student, migrations.RunPython.noop),
    ]
