"""The staff groups strikes call out. Codes are part of the API contract."""

from django.db import migrations

STAFF_GROUPS = [
    ("nurses", "Nurses"),
    ("resident_doctors", "Resident (junior) doctors"),
    ("consultants", "Consultants"),
    ("physiotherapists", "Physiotherapists"),
    ("midwives", "Midwives"),
    ("ambulance_staff", "Ambulance staff"),
    ("other", "Other staff"),
]


def add_staff_groups(apps, schema_editor):
    StaffGroup = apps.get_model("trusts", "StaffGroup")
    for code, name in STAFF_GROUPS:
        StaffGroup.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("trusts", "0001_initial")]
    operations = [migrations.RunPython(add_staff_groups, migrations.RunPython.noop)]
