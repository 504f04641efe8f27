"""Availability and the conflict checks read only appointments that started at most
BUSY_LOOKBACK (the longest appointment plus the longest clean-up) before the time asked
about; the longest ones that started the evening before still count."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from clinic.booking import services
from clinic.booking.models import BUSY_LOOKBACK, MAX_APPOINTMENT, MAX_CLEANUP_MINUTES
from clinic.booking.selectors import availability_search
from tests.factories import DeviceFactory, RoomFactory, appointment_for, practitioner_for

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)  # a Tuesday; the clinic is in London, UTC+0 in March


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        yield


@pytest.fixture
def setup(clinic, practitioner):
    return {
        "practitioner": practitioner_for(practitioner.membership, hours=((0, 7), "00:00", "23:45")),
        "room": RoomFactory(clinic=clinic, name="Room 1"),
        "device": DeviceFactory(clinic=clinic, cleanup_minutes=MAX_CLEANUP_MINUTES),
    }


def first_slot(clinic, setup, **resources) -> datetime:
    slots = availability_search(
        clinic=clinic,
        practitioner=setup["practitioner"],
        date_from=DAY,
        date_to=DAY,
        duration=timedelta(minutes=30),
        room=setup["room"],
        **resources,
    )
    return slots[0].start


def test_the_lookback_is_the_longest_appointment_and_the_longest_clean_up():
    assert MAX_APPOINTMENT + timedelta(minutes=MAX_CLEANUP_MINUTES) == BUSY_LOOKBACK


def test_an_eight_hour_appointment_from_the_evening_before_keeps_the_morning_busy(
    clinic, client_record, setup
):
    start = at(DAY, 0) - timedelta(hours=2)
    appointment_for(
        client_record, practitioner=setup["practitioner"], room=setup["room"], device=None,
        start=start, minutes=8 * 60, kind="consultation",
    )  # fmt: skip

    assert first_slot(clinic, setup) == at(DAY, 6)


def test_the_longest_clean_up_after_the_longest_appointment_keeps_the_device_busy(
    clinic, client_record, setup, other_clinic
):
    # Started 12 h 15 min before midnight on another practitioner's and room's behalf:
    # the device is busy until 00:15 (8 hours, then 240 minutes of clean-up).
    other_room = RoomFactory(clinic=clinic, name="Room 2")
    start = at(DAY, 0) - BUSY_LOOKBACK + timedelta(minutes=15)
    appointment_for(
        client_record, practitioner=setup["practitioner"], room=other_room,
        device=setup["device"], start=start, minutes=8 * 60,
    )  # fmt: skip

    assert first_slot(clinic, setup, device=setup["device"]) == at(DAY, 0, 15)
    assert first_slot(clinic, setup) == at(DAY, 0)


def test_booking_checks_see_an_appointment_that_started_the_evening_before(
    clinic, client_record, setup, reception
):
    appointment_for(
        client_record, practitioner=setup["practitioner"], room=setup["room"],
        device=setup["device"], start=at(DAY, 0) - timedelta(hours=2), minutes=8 * 60,
    )  # fmt: skip
    request = services.BookingRequest(
        client=client_record,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=at(DAY, 9, 45),
        end=at(DAY, 10, 15),
        kind="consultation",
    )

    with pytest.raises(services.SlotUnavailable) as refused:
        services.appointment_book(clinic=clinic, actor=reception.user, request=request)
    # 06:00 + 240 minutes of clean-up: the device is busy until 10:00.
    assert refused.value.extra["taken"] == ["device"]


@pytest.mark.postgres
def test_the_database_refuses_an_appointment_longer_than_eight_hours(client_record, setup):
    with pytest.raises(IntegrityError, match="appointment_at_most_8_hours"), transaction.atomic():
        appointment_for(
            client_record, practitioner=setup["practitioner"], room=setup["room"], device=None,
            start=at(DAY, 8), minutes=8 * 60 + 1, kind="consultation",
        )  # fmt: skip


@pytest.mark.postgres
def test_the_database_refuses_a_clean_up_longer_than_240_minutes(client_record, setup):
    device = setup["device"]
    device.cleanup_minutes = MAX_CLEANUP_MINUTES + 1
    with (
        pytest.raises(IntegrityError, match="device_cleanup_at_most_240_minutes"),
        transaction.atomic(),
    ):
        device.save()
    appointment = appointment_for(
        client_record, practitioner=setup["practitioner"], room=setup["room"],
        device=None, start=at(DAY, 8), minutes=60, kind="consultation",
    )  # fmt: skip
    appointment.device_free_at = appointment.end + timedelta(minutes=241)
    with (
        pytest.raises(IntegrityError, match="appointment_cleanup_at_most_240_minutes"),
        transaction.atomic(),
    ):
        appointment.save()
