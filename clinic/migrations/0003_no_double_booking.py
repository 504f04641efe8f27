"""PostgreSQL refuses overlapping active appointments for a practitioner, room or device.

Ranges are half-open ``[start, end)`` so back-to-back bookings are allowed; the device
is busy until ``device_free_at`` (end + clean-up). The statuses listed are
``clinic.models.ACTIVE_STATUSES``. On SQLite the booking service's serialised check
applies instead (see docs/decisions/0004-booking.md).
"""

from django.db import migrations

ACTIVE = "('booked', 'checked_in', 'completed')"

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE clinic_appointment ADD CONSTRAINT appointment_practitioner_no_overlap
        EXCLUDE USING gist (practitioner_id WITH =, tstzrange("start", "end", '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
    f"""ALTER TABLE clinic_appointment ADD CONSTRAINT appointment_room_no_overlap
        EXCLUDE USING gist (room_id WITH =, tstzrange("start", "end", '[)') WITH &&)
        WHERE (status IN {ACTIVE})""",
    f"""ALTER TABLE clinic_appointment ADD CONSTRAINT appointment_device_no_overlap
        EXCLUDE USING gist (device_id WITH =, tstzrange("start", device_free_at, '[)') WITH &&)
        WHERE (device_id IS NOT NULL AND status IN {ACTIVE})""",
]

DROP = [
    "ALTER TABLE clinic_appointment DROP CONSTRAINT IF EXISTS appointment_device_no_overlap",
    "ALTER TABLE clinic_appointment DROP CONSTRAINT IF EXISTS appointment_room_no_overlap",
    "ALTER TABLE clinic_appointment DROP CONSTRAINT IF EXISTS appointment_practitioner_no_overlap",
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
    dependencies = [("clinic", "0002_booking")]

    operations = [migrations.RunPython(forwards, backwards)]
