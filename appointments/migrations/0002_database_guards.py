"""Rules Django cannot declare, enforced by the database itself.

1. A booking's site belongs to the booking's trust. PostgreSQL checks it with a
   composite foreign key onto trusts_site (id, trust_id); SQLite cannot add one to an
   existing table, so it uses triggers. Both raise an integrity error.
2. Appointment history is append-only: the database refuses UPDATE on events. DELETE is
   left to the booking's own deletion (cascade), and test-database flushes.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    """
    ALTER TABLE appointments_appointment
    ADD CONSTRAINT appointment_site_in_trust
    FOREIGN KEY (site_id, trust_id) REFERENCES trusts_site (id, trust_id)
    """,
    """
    CREATE FUNCTION appointments_event_refuse_update() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'appointment history is append-only: event % cannot be changed', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER appointments_event_append_only
    BEFORE UPDATE ON appointments_appointmentevent
    FOR EACH ROW EXECUTE FUNCTION appointments_event_refuse_update()
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS appointments_event_append_only ON appointments_appointmentevent",
    "DROP FUNCTION IF EXISTS appointments_event_refuse_update()",
    "ALTER TABLE appointments_appointment DROP CONSTRAINT IF EXISTS appointment_site_in_trust",
]

_SQLITE_SITE_CHECK = """
    WHEN (SELECT trust_id FROM trusts_site WHERE id = NEW.site_id) IS NOT NEW.trust_id
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: appointment_site_in_trust');
    END
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER appointment_site_in_trust_insert BEFORE INSERT ON appointments_appointment"
    + _SQLITE_SITE_CHECK,
    "CREATE TRIGGER appointment_site_in_trust_update"
    " BEFORE UPDATE OF site_id, trust_id ON appointments_appointment" + _SQLITE_SITE_CHECK,
    # PostgreSQL's composite key also stops a site with bookings moving to another trust.
    """
    CREATE TRIGGER site_keeps_its_bookings_trust BEFORE UPDATE OF trust_id ON trusts_site
    WHEN EXISTS (
        SELECT 1 FROM appointments_appointment
        WHERE site_id = NEW.id AND trust_id IS NOT NEW.trust_id
    )
    BEGIN
        SELECT RAISE(ABORT, 'CHECK constraint failed: appointment_site_in_trust');
    END
    """,
    """
    CREATE TRIGGER appointments_event_append_only BEFORE UPDATE ON appointments_appointmentevent
    BEGIN
        SELECT RAISE(ABORT, 'appointment history is append-only');
    END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS appointment_site_in_trust_insert",
    "DROP TRIGGER IF EXISTS appointment_site_in_trust_update",
    "DROP TRIGGER IF EXISTS site_keeps_its_bookings_trust",
    "DROP TRIGGER IF EXISTS appointments_event_append_only",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"StrikeDesk supports PostgreSQL and SQLite, not {schema_editor.connection.vendor}"
            )
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("trusts", "0001_initial"),
    ]
    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
