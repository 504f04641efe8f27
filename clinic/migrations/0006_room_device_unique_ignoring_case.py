"""Room names and device serial numbers are unique per clinic ignoring case.

The database now refuses "Room 1" beside "room 1", and "DP4-001" beside "dp4-001", in
one clinic (unique indexes on the clinic and LOWER(...)); before, only exact
duplicates were refused, so such pairs may exist.

Existing rows that differ only by case: the oldest (lowest id) keeps its value; each
later one gets " (duplicate 2)", " (duplicate 3)", … appended (cut to fit the column),
so the indexes can be built and the migration never fails. Nothing else changes: the
rows stay active, their appointments keep pointing at them, and session records keep
the device serial they snapshotted when signed. A manager sees the marked names on the
resources page and can rename (or retire) them. Going backwards keeps the new values.
"""

from django.db import migrations, models
from django.db.models.functions import Lower

SUFFIX = " (duplicate {n})"


def _mark_duplicates(model, field):
    max_length = model._meta.get_field(field).max_length
    taken = {}  # clinic id -> values in use, lower-cased
    for obj in model.objects.order_by("clinic_id", "id"):
        value = getattr(obj, field)
        used = taken.setdefault(obj.clinic_id, set())
        if value.lower() not in used:
            used.add(value.lower())
            continue
        n = 2
        while True:
            suffix = SUFFIX.format(n=n)
            candidate = value[: max_length - len(suffix)] + suffix
            # A later row may hold this very value already: never create a new clash.
            clash = (
                model.objects.filter(clinic_id=obj.clinic_id)
                .exclude(pk=obj.pk)
                .annotate(key=Lower(field))
                .filter(key=candidate.lower())
                .exists()
            )
            if candidate.lower() not in used and not clash:
                break
            n += 1
        used.add(candidate.lower())
        model.objects.filter(pk=obj.pk).update(**{field: candidate})


def mark_duplicates(apps, schema_editor):
    _mark_duplicates(apps.get_model("clinic", "Room"), "name")
    _mark_duplicates(apps.get_model("clinic", "Device"), "serial_number")


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0005_messaging_package"),
    ]

    operations = [
        migrations.RunPython(mark_duplicates, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="room",
            constraint=models.UniqueConstraint(
                models.F("clinic"),
                Lower("name"),
                name="room_clinic_name_ci",
                violation_error_message="Another room in this clinic already has this name.",
            ),
        ),
        migrations.AddConstraint(
            model_name="device",
            constraint=models.UniqueConstraint(
                models.F("clinic"),
                Lower("serial_number"),
                name="device_clinic_serial_ci",
                violation_error_message=(
                    "Another device in this clinic already has this serial number."
                ),
            ),
        ),
        # The exact-case constraints are implied by the new ones.
        migrations.RemoveConstraint(model_name="room", name="room_clinic_name"),
        migrations.RemoveConstraint(model_name="device", name="device_clinic_serial"),
    ]
