"""PostgreSQL refuses an appointment longer than 8 hours or a clean-up longer than 240 minutes.

The services and forms refused them already. Availability and the conflict checks rely on
it: they read only appointments that started at most ``BUSY_LOOKBACK`` (8 hours + 240
minutes) before the time asked about, which the ``(resource, start)`` indexes serve with a
short range scan (docs/performance.md). On SQLite the services' checks stand alone, as for
the exclusion constraints of migration 0003.
"""

from django.db import migrations

CREATE = [
    """ALTER TABLE clinic_appointment ADD CONSTRAINT appointment_at_most_8_hours
        CHECK ("end" <= "start" + interval '8 hours')""",
    """ALTER TABLE clinic_appointment ADD CONSTRAINT appointment_cleanup_at_most_240_minutes
        CHECK (device_free_at IS NULL OR device_free_at <= "end" + interval '240 minutes')""",
    """ALTER TABLE clinic_device ADD CONSTRAINT device_cleanup_at_most_240_minutes
        CHECK (cleanup_minutes <= 240)""",
]

DROP = [
    "ALTER TABLE clinic_device DROP CONSTRAINT IF EXISTS device_cleanup_at_most_240_minutes",
    "ALTER TABLE clinic_appointment "
    "DROP CONSTRAINT IF EXISTS appointment_cleanup_at_most_240_minutes",
    "ALTER TABLE clinic_appointment DROP CONSTRAINT IF EXISTS appointment_at_most_8_hours",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("clinic", "0009_message_skipped")]

    operations = [migrations.RunPython(forwards, backwards)]
