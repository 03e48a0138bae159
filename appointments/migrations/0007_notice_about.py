"""Notices are keyed by what they report (the decision, call-off or new date), so a
second decision owes a second notice. Existing notices report what they were made for."""

from django.db import migrations, models
from django.db.models import F


def about_when_made(apps, schema_editor):
    apps.get_model("appointments", "Notice").objects.update(about=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("appointments", "0006_impact_booking_strike_outcome_index")]

    operations = [
        migrations.AddField(
            model_name="notice",
            name="about",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(about_when_made, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="notice",
            name="about",
            field=models.DateTimeField(
                help_text="The decision, call-off or new date this notice reports (one "
                "notice each)."
            ),
        ),
        migrations.RemoveConstraint(model_name="notice", name="notice_one_per_kind"),
        migrations.AddConstraint(
            model_name="notice",
            constraint=models.UniqueConstraint(
                fields=("appointment", "strike", "kind", "about"), name="notice_one_per_decision"
            ),
        ),
    ]
