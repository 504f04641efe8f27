"""The appointment and client serializers build their rows in one pass; the output is
exactly what their declared fields give (the schema documents those)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from clinic.booking.models import Appointment
from clinic.booking.serializers import LIST_VALUES, AppointmentSerializer, appointment_list_row
from clinic.serializers import ClientSerializer
from tests.factories import (
    DeviceFactory,
    RoomFactory,
    appointment_for,
    practitioner_for,
    screening_for,
)

pytestmark = pytest.mark.django_db


def field_by_field(serializer: serializers.ModelSerializer, instance) -> dict:
    return serializers.ModelSerializer.to_representation(serializer, instance)


@pytest.fixture
def appointments(clinic, practitioner, client_record):
    person = practitioner_for(practitioner.membership)
    room = RoomFactory(clinic=clinic)
    start = datetime(2026, 7, 1, 9, 30, 15, 123456, tzinfo=UTC)
    with_device = appointment_for(
        client_record, practitioner=person, room=room, device=DeviceFactory(clinic=clinic),
        start=start, notes="Bring sunscreen", status="cancelled",
        cancel_reason="Ill", cancelled_at=start - timedelta(days=1),
    )  # fmt: skip
    without = appointment_for(
        client_record, practitioner=person, room=room, device=None,
        start=start + timedelta(hours=2), kind="consultation",
    )  # fmt: skip
    return [with_device, without]


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "America/New_York"])
def test_an_appointment_reads_as_its_declared_fields_give_it(appointments, zone):
    serializer = AppointmentSerializer()
    with timezone.override(zone):
        for appointment in Appointment.objects.filter(pk__in=[a.pk for a in appointments]):
            assert serializer.to_representation(appointment) == field_by_field(
                serializer, appointment
            )


@pytest.mark.parametrize("zone", ["UTC", "Europe/London", "America/New_York"])
def test_a_list_row_read_as_values_is_the_serializers_output(appointments, zone):
    serializer = AppointmentSerializer()
    ids = [a.pk for a in appointments]
    rows = {row["id"]: row for row in Appointment.objects.filter(pk__in=ids).values(*LIST_VALUES)}
    with timezone.override(zone):
        for appointment in Appointment.objects.filter(pk__in=ids):
            row = appointment_list_row(rows[appointment.pk])
            assert row == field_by_field(serializer, appointment)
            assert list(row) == list(serializer.fields)


def test_a_list_row_says_when_a_caution_screening_awaits_review(
    clinic, practitioner, client_record
):
    from treatments.screening.models import Screening

    person = practitioner_for(practitioner.membership)
    appointment = appointment_for(
        client_record, practitioner=person, room=RoomFactory(clinic=clinic),
        device=DeviceFactory(clinic=clinic), start=datetime(2026, 7, 1, 9, 0, tzinfo=UTC),
        kind="treatment",
    )  # fmt: skip
    serializer = AppointmentSerializer()
    screening = screening_for(client_record, actor=practitioner.membership.user)
    for outcome in ("caution", "clear"):
        Screening.objects.filter(pk=screening.pk).update(outcome=outcome)
        Appointment.objects.filter(pk=appointment.pk).update(screening=screening)
        (row,) = Appointment.objects.filter(pk=appointment.pk).values(*LIST_VALUES)
        fresh = Appointment.objects.get(pk=appointment.pk)
        assert appointment_list_row(row) == field_by_field(serializer, fresh)
        assert appointment_list_row(row)["screening_needs_review"] is (outcome == "caution")


def test_the_fields_are_the_declared_ones_in_order(appointments):
    serializer = AppointmentSerializer()
    assert list(serializer.to_representation(appointments[0])) == list(serializer.fields)


@pytest.mark.parametrize("zone", ["UTC", "Europe/London"])
def test_a_client_reads_as_its_declared_fields_give_it(client_record, zone):
    client_record.timezone = "Europe/Paris"
    client_record.skin_concerns = ["acne_scarring", "fine_lines_wrinkles"]
    client_record.notes = "Prefers mornings"
    client_record.fitzpatrick_type = None
    client_record.save()
    client_record.refresh_from_db()
    serializer = ClientSerializer()
    with timezone.override(zone):
        assert serializer.to_representation(client_record) == field_by_field(
            serializer, client_record
        )
    readable = [name for name, field in serializer.fields.items() if not field.write_only]
    assert list(serializer.to_representation(client_record)) == readable
