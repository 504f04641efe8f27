"""Free-slot search: working hours, bookings, clean-up, time off, DST, query count."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.booking import availability
from clinic.booking import selectors as booking_selectors
from clinic.booking.models import Appointment, TimeOff
from tests.factories import ClientFactory, DeviceFactory, RoomFactory, practitioner_for

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- pure ---------------------------------------------------------------------


def test_working_hours_follow_the_wall_clock_across_the_spring_change():
    # Clocks go forward in London on Sunday 29 March 2026.
    intervals = availability.working_intervals(
        date_from=date(2026, 3, 28),
        date_to=date(2026, 3, 30),
        hours_by_weekday={5: [(time(9), time(17))], 0: [(time(9), time(17))]},
        zone=LONDON,
    )
    assert intervals == [
        (utc(2026, 3, 28, 9), utc(2026, 3, 28, 17)),  # Saturday, GMT
        (utc(2026, 3, 30, 8), utc(2026, 3, 30, 16)),  # Monday, BST
    ]


def test_working_hours_follow_the_wall_clock_across_the_autumn_change_in_new_york():
    # Clocks go back in New York on Sunday 1 November 2026.
    intervals = availability.working_intervals(
        date_from=date(2026, 10, 31),
        date_to=date(2026, 11, 1),
        hours_by_weekday={5: [(time(9), time(12))], 6: [(time(9), time(12))]},
        zone=NEW_YORK,
    )
    assert intervals == [
        (utc(2026, 10, 31, 13), utc(2026, 10, 31, 16)),  # EDT, UTC-4
        (utc(2026, 11, 1, 14), utc(2026, 11, 1, 17)),  # EST, UTC-5
    ]


def test_free_slots_skip_busy_time_and_respect_the_device_cleanup():
    working = [(utc(2026, 3, 9, 9), utc(2026, 3, 9, 12))]
    slots = availability.free_slots(
        working=working,
        practitioner_busy=[(utc(2026, 3, 9, 10), utc(2026, 3, 9, 11))],
        duration=timedelta(minutes=60),
        not_before=utc(2026, 3, 1),
        rooms_busy={1: []},
        device_id=7,
        device_busy=[(utc(2026, 3, 9, 8), utc(2026, 3, 9, 9, 15))],  # clean-up till 09:15
        device_cleanup=timedelta(minutes=15),
    )
    assert [s.start.time() for s in slots] == [time(11)]
    assert slots[0].room_id == 1 and slots[0].device_id == 7


def test_free_slots_offer_the_first_free_room():
    working = [(utc(2026, 3, 9, 9), utc(2026, 3, 9, 10))]
    slots = availability.free_slots(
        working=working,
        practitioner_busy=[],
        duration=timedelta(minutes=60),
        not_before=utc(2026, 3, 1),
        rooms_busy={1: [(utc(2026, 3, 9, 9), utc(2026, 3, 9, 9, 30))], 2: []},
    )
    assert [(s.start.time(), s.room_id) for s in slots] == [(time(9), 2)]


def test_no_slots_in_the_past():
    working = [(utc(2026, 3, 9, 9), utc(2026, 3, 9, 11))]
    slots = availability.free_slots(
        working=working,
        practitioner_busy=[],
        duration=timedelta(minutes=30),
        not_before=utc(2026, 3, 9, 10, 5),
    )
    assert [s.start.time() for s in slots] == [time(10, 15), time(10, 30)]


def test_intervals_are_half_open_so_back_to_back_ones_do_not_overlap():
    nine, ten, eleven = utc(2026, 3, 9, 9), utc(2026, 3, 9, 10), utc(2026, 3, 9, 11)
    assert not availability.overlaps(ten, eleven, [(nine, ten)])
    assert availability.overlaps(nine, eleven, [(ten, utc(2026, 3, 9, 10, 1))])
    assert not availability.overlaps(nine, ten, [])
    # The same arithmetic works on minutes of a day (the calendar's).
    assert availability.overlaps(60, 120, [(119, 180)])
    assert not availability.overlaps(60, 120, [(120, 180)])


def test_subtract_leaves_what_is_free_around_busy_intervals():
    free = [(540, 720), (780, 1020)]  # 09:00–12:00, 13:00–17:00
    busy = [(600, 660), (700, 800), (1000, 1100)]
    assert availability.subtract(free, busy) == [(540, 600), (660, 700), (800, 1000)]
    assert availability.subtract(free, []) == free
    assert availability.subtract(free, [(0, 1440)]) == []
    # Touching is not taking.
    assert availability.subtract([(540, 600)], [(600, 660), (480, 540)]) == [(540, 600)]


def test_the_calendar_offers_free_time_from_the_same_step_as_the_first_free_slot():
    from clinic.booking import calendar

    day = date(2026, 3, 9)
    now = utc(2026, 3, 9, 10, 7)
    slots = availability.free_slots(
        working=[(utc(2026, 3, 9, 9), utc(2026, 3, 9, 17))],
        practitioner_busy=[],
        duration=timedelta(minutes=30),
        not_before=now,
    )
    layout = calendar.lay_out(
        [calendar.Column(1, day, hours={0: [(time(9), time(17))]}, bookable=True)],
        booked=[],
        zone=LONDON,
        now=now,
    )
    (gap,) = layout.columns[0].items
    assert slots[0].start == utc(2026, 3, 9, 10, 15)
    assert gap.start == slots[0].start.astimezone(LONDON).strftime("%H:%M")


# --- with the database ----------------------------------------------------------


@pytest.fixture
def setup(db, clinic, practitioner):
    return {
        "practitioner": practitioner_for(practitioner.membership, hours=((0, 5), "09:00", "12:00")),
        "room": RoomFactory(clinic=clinic),
        "device": DeviceFactory(clinic=clinic, cleanup_minutes=30),
    }


def _book(setup, client, start, end, **kw):
    return Appointment.objects.create(
        clinic=setup["room"].clinic,
        client=client,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=kw.get("device"),
        device_free_at=end + timedelta(minutes=30) if kw.get("device") else None,
        start=start,
        end=end,
        kind="consultation",
        status=kw.get("status", "booked"),
    )


def test_availability_api_lists_free_slots(api, reception, setup, clinic):
    c = ClientFactory(clinic=clinic)
    _book(setup, c, utc(2026, 3, 9, 10), utc(2026, 3, 9, 11))
    _book(setup, c, utc(2026, 3, 9, 9), utc(2026, 3, 9, 10), status="cancelled")
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        response = api(reception).get(
            "/api/availability/",
            {
                "practitioner": setup["practitioner"].pk,
                "date_from": "2026-03-09",
                "date_to": "2026-03-09",
                "duration_minutes": 60,
            },
        )
    assert response.status_code == 200
    starts = [s["start"] for s in response.json()]
    assert starts == [
        "2026-03-09T09:00:00Z",  # the cancelled booking frees 09:00
        "2026-03-09T11:00:00Z",
    ]
    assert response.json()[0]["room"] == setup["room"].pk


def test_availability_on_the_london_spring_change_day(api, reception, setup, clinic):
    # Monday 30 March 2026 is the first working day in BST: 09:00 local is 08:00 UTC.
    with time_machine.travel("2026-03-20 08:00:00+00:00", tick=False):
        response = api(reception).get(
            "/api/availability/",
            {
                "practitioner": setup["practitioner"].pk,
                "date_from": "2026-03-27",
                "date_to": "2026-03-30",
                "duration_minutes": 180,
            },
        )
    assert [s["start"] for s in response.json()] == [
        "2026-03-27T09:00:00Z",  # Friday, GMT
        "2026-03-30T08:00:00Z",  # Monday, BST
    ]


def test_availability_excludes_time_off_and_device_cleanup(api, reception, setup, clinic):
    c = ClientFactory(clinic=clinic)
    other_room = RoomFactory(clinic=clinic)
    # 09:00–09:30 in another room; the device is cleaned until 10:00.
    Appointment.objects.create(
        clinic=clinic,
        client=c,
        practitioner=setup["practitioner"],
        room=other_room,
        device=setup["device"],
        start=utc(2026, 3, 9, 9),
        end=utc(2026, 3, 9, 9, 30),
        device_free_at=utc(2026, 3, 9, 10),
        kind="consultation",
    )
    TimeOff.objects.create(
        practitioner=setup["practitioner"], start=utc(2026, 3, 9, 11), end=utc(2026, 3, 9, 12)
    )
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        response = api(reception).get(
            "/api/availability/",
            {
                "practitioner": setup["practitioner"].pk,
                "date_from": "2026-03-09",
                "date_to": "2026-03-09",
                "duration_minutes": 30,
                "device": setup["device"].pk,
                "room": setup["room"].pk,
            },
        )
    assert [s["start"] for s in response.json()] == [
        "2026-03-09T10:00:00Z",
        "2026-03-09T10:15:00Z",
        "2026-03-09T10:30:00Z",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"date_from": "2026-13-01"}, "date_from"),
        ({"date_to": "2026-03-01"}, "date_to"),
        ({"date_to": "2026-06-01"}, "date_to"),
    ],
)
def test_availability_bad_input_is_a_400(api, reception, setup, params, field):
    query = {
        "practitioner": setup["practitioner"].pk,
        "date_from": "2026-03-09",
        "date_to": "2026-03-09",
        "duration_minutes": 30,
    }
    query.update(params)
    response = api(reception).get("/api/availability/", query)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_availability_query_count_does_not_grow_with_appointments(setup, clinic):
    c = ClientFactory(clinic=clinic)

    def count_queries() -> int:
        practitioner = booking_selectors.practitioner_get(
            clinic=clinic, practitioner_id=setup["practitioner"].pk
        )
        with CaptureQueriesContext(connection) as ctx:
            booking_selectors.availability_search(
                clinic=clinic,
                practitioner=practitioner,
                date_from=date(2026, 3, 2),
                date_to=date(2026, 3, 27),
                duration=timedelta(minutes=30),
                device=setup["device"],
                now=utc(2026, 3, 1),
            )
        return len(ctx.captured_queries)

    few = count_queries()
    for day in range(2, 28):
        for hour in (9, 10, 11):
            _book(setup, c, utc(2026, 3, day, hour), utc(2026, 3, day, hour, 30))
    many = count_queries()
    assert Appointment.objects.count() == 78
    assert many == few <= 4
