"""Migration 0006: room names and serial numbers become unique ignoring case.

Rows that differ only by case may already exist; the migration marks the later ones so
that it never fails, and leaves everything else as it was.
"""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("clinic", "0005_messaging_package")]
AFTER = [("clinic", "0006_room_device_unique_ignoring_case")]


@pytest.fixture
def migrate():
    """``migrate(targets)`` → the historical apps at that state; ends on the latest state."""

    def to(targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return MigrationExecutor(connection).loader.project_state(targets).apps

    yield to
    to(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_names_differing_only_by_case_are_marked_and_the_first_keeps_its_name(migrate):
    apps = migrate(BEFORE)
    Clinic = apps.get_model("clinic", "Clinic")
    Room = apps.get_model("clinic", "Room")
    Device = apps.get_model("clinic", "Device")
    harbour = Clinic.objects.create(name="Harbour", email="h@example.com", phone="1")
    elsewhere = Clinic.objects.create(name="Elsewhere", email="e@example.com", phone="2")
    first = Room.objects.create(clinic=harbour, name="Room 1")
    second = Room.objects.create(clinic=harbour, name="ROOM 1", is_active=False)
    taken = Room.objects.create(clinic=harbour, name="room 1 (duplicate 2)")
    third = Room.objects.create(clinic=harbour, name="room 1")
    theirs = Room.objects.create(clinic=elsewhere, name="room 1")
    long_serial = "X" * 100
    pen = Device.objects.create(clinic=harbour, name="Pen", serial_number="dp4-001")
    spare = Device.objects.create(clinic=harbour, name="Spare", serial_number="DP4-001")
    long_one = Device.objects.create(clinic=harbour, name="A", serial_number=long_serial)
    long_two = Device.objects.create(clinic=harbour, name="B", serial_number=long_serial.lower())

    apps = migrate(AFTER)
    Room = apps.get_model("clinic", "Room")
    Device = apps.get_model("clinic", "Device")
    names = dict(Room.objects.values_list("pk", "name"))
    assert names == {
        first.pk: "Room 1",
        second.pk: "ROOM 1 (duplicate 3)",  # "(duplicate 2)" is someone else's name
        taken.pk: "room 1 (duplicate 2)",
        third.pk: "room 1 (duplicate 4)",
        theirs.pk: "room 1",  # another clinic's room is not a duplicate
    }
    assert Room.objects.get(pk=second.pk).is_active is False  # nothing else changes
    serials = dict(Device.objects.values_list("pk", "serial_number"))
    assert serials[pen.pk] == "dp4-001"
    assert serials[spare.pk] == "DP4-001 (duplicate 2)"
    assert serials[long_one.pk] == long_serial
    assert serials[long_two.pk] == "x" * 86 + " (duplicate 2)"
    assert len(serials[long_two.pk]) == 100

    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(clinic_id=harbour.pk, name="ROOM 1")


@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_backwards_keeping_the_new_names(migrate):
    apps = migrate(BEFORE)
    Clinic = apps.get_model("clinic", "Clinic")
    Room = apps.get_model("clinic", "Room")
    harbour = Clinic.objects.create(name="Harbour", email="h@example.com", phone="1")
    Room.objects.create(clinic=harbour, name="Room 1")
    Room.objects.create(clinic=harbour, name="room 1")
    migrate(AFTER)
    apps = migrate(BEFORE)
    Room = apps.get_model("clinic", "Room")
    assert sorted(Room.objects.values_list("name", flat=True)) == [
        "Room 1",
        "room 1 (duplicate 2)",
    ]
    # Back on the old constraint, a different case is allowed again.
    Room.objects.create(clinic_id=harbour.pk, name="ROOM 1")
