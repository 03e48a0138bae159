from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce


def slot_from_booking(apps, schema_editor):
    # Existing impacts predate the slot: the booking's first date is the best record of
    # when it was due inside the strike (a later reschedule moved starts_at away).
    StrikeImpact = apps.get_model("appointments", "StrikeImpact")
    Appointment = apps.get_model("appointments", "Appointment")
    first_due = Appointment.objects.filter(pk=OuterRef("appointment_id")).values(
        due=Coalesce("original_starts_at", "starts_at")
    )[:1]
    StrikeImpact.objects.update(slot_starts_at=Subquery(first_due))


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0002_database_guards"),
        ("strikes", "0003_strike_status_changes"),
    ]

    operations = [
        migrations.AddField(
            model_name="strikeimpact",
            name="slot_starts_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.RunPython(slot_from_booking, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="strikeimpact",
            name="slot_starts_at",
            field=models.DateTimeField(
                help_text="When the booking was due inside the strike (kept if it is moved later)."
            ),
        ),
        migrations.AddField(
            model_name="strikeimpact",
            name="reinstated_at",
            field=models.DateTimeField(
                blank=True,
                null=True,
                help_text="Set when a call-off put a postponed booking back; its patient must be told.",
            ),
        ),
        migrations.AddIndex(
            model_name="strikeimpact",
            index=models.Index(fields=["strike", "slot_starts_at"], name="impact_strike_slot"),
        ),
    ]
