"""The scheduler's entry for patient notices, kept in the database (django-celery-beat)
so operations staff can see, pause or change it in the admin."""

from django.db import migrations
from django.utils import timezone

TICK_NAME = "Patient notices: generate, sweep and dispatch"


def add_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=60, period="seconds")
    PeriodicTask.objects.update_or_create(
        name=TICK_NAME,
        defaults={
            "task": "notices.tick",
            "interval": every_minute,
            # A tick still queued when the next is due is dropped, not run late.
            "expire_seconds": 50,
            "enabled": True,
            "description": "Every minute: return notices a dead worker left sending, create "
            "the notices now owed, log overdue ones, and start sending.",
        },
    )
    # Tells a running beat that its schedule changed.
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TICK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0004_notices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(add_schedule, remove_schedule)]
