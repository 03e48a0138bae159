"""The unions that call NHS strikes. Codes are part of the API contract."""

from django.db import migrations

UNIONS = [
    ("RCN", "Royal College of Nursing"),
    ("BMA", "British Medical Association"),
    ("CSP", "Chartered Society of Physiotherapy"),
    ("UNISON", "UNISON"),
    ("GMB", "GMB"),
    ("Unite", "Unite the Union"),
    ("RCM", "Royal College of Midwives"),
    ("HCSA", "Hospital Consultants and Specialists Association"),
]


def add_unions(apps, schema_editor):
    Union = apps.get_model("strikes", "Union")
    for code, name in UNIONS:
        Union.objects.update_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("strikes", "0001_initial")]
    operations = [migrations.RunPython(add_unions, migrations.RunPython.noop)]
