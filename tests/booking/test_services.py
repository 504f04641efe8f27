"""Booking: no double booking, clean-up buffers, safety gates, reschedule and cancel."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from clinic.booking.models import Appointment
from tests.factories import DeviceFactory, RoomFactory, practitioner_for
from tests.screening.answers import all_no_answers
from treatments.screening import services as screening_services

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, London (UTC+0 in winter).
NOW = "2026-03-02 08:00:00+00:00"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def setup(clinic, practitioner, reception):
    return {
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=clinic, name="Room 1"),
        "room2": RoomFactory(clinic=clinic, name="Room 2"),
        "device": DeviceFactory(clinic=clinic, cleanup_minutes=15),
    }


def screen(client_record, who, **answers):
    return screening_services.screening_take(
        client=client_record,
        actor=who.user,
        planned_date=date(2026, 3, 9),
        raw_answers=all_no_answers(**answers),
    )


def book(api_client, setup, client_record, start, end, kind="treatment", **overrides):
    payload = {
        "client": client_record.pk,
        "practitioner": setup["practitioner"].pk,
        "room": setup["room"].pk,
        "device": setup["device"].pk,
        "start": start,
        "end": end,
        "kind": kind,
    }
    payload.update(overrides)
    return api_client.post("/api/appointments/", payload)


# --- gates ------------------------------------------------------------------


def test_consultation_needs_no_screening(api, reception, setup, client_record):
    response = book(
        api(reception),
        setup,
        client_record,
        "2026-03-09T10:00:00Z",
        "2026-03-09T10:30:00Z",
        kind="consultation",
        device=None,
    )
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == "consultation"
    assert response.json()["status"] == "booked"


def test_treatment_without_a_screening_is_refused(api, reception, setup, client_record):
    response = book(
        api(reception), setup, client_record, "2026-03-09T10:00:00Z", "2026-03-09T11:00:00Z"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "screening_blocks_treatment"
    assert not Appointment.objects.exists()


def test_contraindicated_treatment_is_refused_with_findings(api, reception, setup, client_record):
    screen(client_record, reception, bleeding_disorder=True)
    response = book(
        api(reception), setup, client_record, "2026-03-09T10:00:00Z", "2026-03-09T11:00:00Z"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "screening_blocks_treatment"
    assert body["screening"]["outcome"] == "contraindicated"
    assert body["screening"]["findings"][0]["rule"] == "BLEEDING_DISORDER"


def test_deferred_treatment_is_refused_before_and_allowed_from_eligible_date(
    api, reception, setup, client_record
):
    screen(client_record, reception, sunburn_or_tan_last="2026-03-01")  # eligible 15 March
    client = api(reception)
    before = book(client, setup, client_record, "2026-03-14T10:00:00Z", "2026-03-14T11:00:00Z")
    assert before.status_code == 409
    assert before.json()["screening"]["eligible_from"] == "2026-03-15"
    on_day = book(client, setup, client_record, "2026-03-15T10:00:00Z", "2026-03-15T11:00:00Z")
    assert on_day.status_code == 201, on_day.json()


def test_caution_is_bookable_but_flagged_until_reviewed(
    api, reception, practitioner, setup, client_record
):
    screening = screen(client_record, reception, anticoagulant_use=True)
    response = book(
        api(reception), setup, client_record, "2026-03-09T10:00:00Z", "2026-03-09T11:00:00Z"
    )
    assert response.status_code == 201
    assert response.json()["screening_needs_review"] is True
    screening_services.screening_review(
        screening=screening, actor=practitioner.user, role="practitioner", note="OK with GP"
    )
    again = api(reception).get(f"/api/appointments/{response.json()['id']}/").json()
    assert again["screening_needs_review"] is False


def test_treatments_closer_than_the_interval_are_refused(api, reception, setup, client_record):
    screen(client_record, reception)
    client = api(reception)
    first = book(client, setup, client_record, "2026-03-09T10:00:00Z", "2026-03-09T11:00:00Z")
    assert first.status_code == 201
    too_soon = book(client, setup, client_record, "2026-04-03T10:00:00Z", "2026-04-03T11:00:00Z")
    assert too_soon.status_code == 409
    assert too_soon.json()["code"] == "interval_too_short"
    assert "9 March 2026" in too_soon.json()["detail"]


def test_interval_allows_exactly_four_weeks(api, reception, setup, client_record):
    screen(client_record, reception)
    client = api(reception)
    assert book(client, setup, client_record, "2026-03-09T10:00:00Z", "2026-03-09T11:00:00Z")
    # 28 days later; the screening is still within its 30 days on the booking day.
    later = book(client, setup, client_record, "2026-04-06T10:00:00Z", "2026-04-06T11:00:00Z")
    assert later.status_code == 201, later.json()


# --- double booking ---------------------------------------------------------


def test_same_practitioner_room_and_device_cannot_overlap(api, reception, setup, clinic):
    from tests.factories import ClientFactory

    a, b = ClientFactory(clinic=clinic), ClientFactory(clinic=clinic)
    client = api(reception)
    ok = book(client, setup, a, "2026-03-09T10:00:00Z", "2026-03-09T10:30:00Z", kind="consultation")
    assert ok.status_code == 201
    clash = book(
        client, setup, b, "2026-03-09T10:15:00Z", "2026-03-09T10:45:00Z", kind="consultation"
    )
    assert clash.status_code == 409
    body = clash.json()
    assert body["code"] == "slot_unavailable"
    assert set(body["taken"]) == {"practitioner", "room", "device"}
    assert "already booked" in body["detail"]


def test_back_to_back_bookings_are_allowed(api, reception, setup, clinic):
    from tests.factories import ClientFactory

    a, b = ClientFactory(clinic=clinic), ClientFactory(clinic=clinic)
    client = api(reception)
    first = book(
        client,
        setup,
        a,
        "2026-03-09T10:00:00Z",
        "2026-03-09T10:30:00Z",
        kind="consultation",
        device=None,
    )
    second = book(
        client,
        setup,
        b,
        "2026-03-09T10:30:00Z",
        "2026-03-09T11:00:00Z",
        kind="consultation",
        device=None,
    )
    assert (first.status_code, second.status_code) == (201, 201)


def test_device_cleanup_time_counts_as_busy(api, reception, setup, clinic, manager):
    from tests.factories import ClientFactory

    other = practitioner_for(manager.membership)  # a second practitioner
    a, b = ClientFactory(clinic=clinic), ClientFactory(clinic=clinic)
    client = api(reception)
    assert (
        book(
            client, setup, a, "2026-03-09T10:00:00Z", "2026-03-09T11:00:00Z", kind="consultation"
        ).status_code
        == 201
    )
    during_cleanup = book(
        client,
        setup,
        b,
        "2026-03-09T11:10:00Z",
        "2026-03-09T11:40:00Z",
        kind="consultation",
        practitioner=other.pk,
        room=setup["room2"].pk,
    )
    assert during_cleanup.status_code == 409
    assert during_cleanup.json()["taken"] == ["device"]
    after_cleanup = book(
        client,
        setup,
        b,
        "2026-03-09T11:15:00Z",
        "2026-03-09T11:45:00Z",
        kind="consultation",
        practitioner=other.pk,
        room=setup["room2"].pk,
    )
    assert after_cleanup.status_code == 201, after_cleanup.json()


def test_cancel_frees_the_slot(api, reception, setup, clinic):
    from tests.factories import ClientFactory

    a, b = ClientFactory(clinic=clinic), ClientFactory(clinic=clinic)
    client = api(reception)
    first = book(
        client, setup, a, "2026-03-09T10:00:00Z", "2026-03-09T10:30:00Z", kind="consultation"
    ).json()
    cancelled = client.post(f"/api/appointments/{first['id']}/cancel/", {"reason": "Unwell"})
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "Unwell"
    assert cancelled.json()["sequence"] == 1
    again = book(
        client, setup, b, "2026-03-09T10:00:00Z", "2026-03-09T10:30:00Z", kind="consultation"
    )
    assert again.status_code == 201
    twice = client.post(f"/api/appointments/{first['id']}/cancel/", {"reason": "again"})
    assert twice.status_code == 409


def test_cancel_needs_a_reason(api, reception, setup, client_record):
    first = book(
        api(reception),
        setup,
        client_record,
        "2026-03-09T10:00:00Z",
        "2026-03-09T10:30:00Z",
        kind="consultation",
    ).json()
    response = api(reception).post(f"/api/appointments/{first['id']}/cancel/", {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.json()["fields"]


def test_reschedule_into_a_taken_slot_is_refused_and_keeps_the_booking(
    api, reception, setup, clinic
):
    from tests.factories import ClientFactory

    a, b = ClientFactory(clinic=clinic), ClientFactory(clinic=clinic)
    client = api(reception)
    first = book(
        client, setup, a, "2026-03-09T10:00:00Z", "2026-03-09T10:30:00Z", kind="consultation"
    ).json()
    second = book(
        client, setup, b, "2026-03-09T11:00:00Z", "2026-03-09T11:30:00Z", kind="consultation"
    ).json()
    clash = client.patch(
        f"/api/appointments/{second['id']}/",
        {"start": "2026-03-09T10:15:00Z", "end": "2026-03-09T10:45:00Z"},
    )
    assert clash.status_code == 409
    assert clash.json()["code"] == "slot_unavailable"
    unchanged = client.get(f"/api/appointments/{second['id']}/").json()
    assert unchanged["start"] == "2026-03-09T11:00:00Z"
    moved = client.patch(
        f"/api/appointments/{second['id']}/",
        {"start": "2026-03-09T12:00:00Z", "end": "2026-03-09T12:30:00Z"},
    )
    assert moved.status_code == 200
    assert moved.json()["sequence"] == 1
    assert first["id"] != second["id"]


def test_outside_working_hours_and_time_off_are_refused(
    api, reception, manager, setup, client_record
):
    client = api(reception)
    early = book(
        client,
        setup,
        client_record,
        "2026-03-09T07:00:00Z",
        "2026-03-09T07:30:00Z",
        kind="consultation",
    )
    assert early.status_code == 409
    assert "does not work" in early.json()["detail"]
    away = api(manager).post(
        f"/api/practitioners/{setup['practitioner'].pk}/time-off/",
        {"start": "2026-03-10T00:00:00Z", "end": "2026-03-11T00:00:00Z", "reason": "Training"},
    )
    assert away.status_code == 201
    response = book(
        client,
        setup,
        client_record,
        "2026-03-10T10:00:00Z",
        "2026-03-10T10:30:00Z",
        kind="consultation",
    )
    assert response.status_code == 409
    assert "Training" in response.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"end": "2026-03-09T09:00:00Z"}, "end"),
        ({"start": "not a time"}, "start"),
        ({"kind": "facial"}, "kind"),
        ({"device": None}, "device"),
        ({"end": "2026-03-09T20:00:00Z"}, "end"),
    ],
)
def test_bad_booking_input_is_a_400(api, reception, setup, client_record, overrides, field):
    screen(client_record, reception)
    times = {"start": "2026-03-09T10:00:00Z", "end": "2026-03-09T11:00:00Z"}
    times.update({k: overrides.pop(k) for k in ("start", "end") if k in overrides})
    response = book(api(reception), setup, client_record, times["start"], times["end"], **overrides)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]


def test_other_clinics_resources_and_appointments_are_404(
    api, reception, other_manager, setup, client_record, other_client_record
):
    theirs_room = RoomFactory(clinic=other_client_record.clinic)
    response = book(
        api(reception),
        setup,
        client_record,
        "2026-03-09T10:00:00Z",
        "2026-03-09T10:30:00Z",
        kind="consultation",
        room=theirs_room.pk,
    )
    assert response.status_code == 404
    mine = book(
        api(reception),
        setup,
        client_record,
        "2026-03-09T10:00:00Z",
        "2026-03-09T10:30:00Z",
        kind="consultation",
    ).json()
    assert api(other_manager).get(f"/api/appointments/{mine['id']}/").status_code == 404
    assert (
        api(other_manager)
        .post(f"/api/appointments/{mine['id']}/cancel/", {"reason": "x"})
        .status_code
        == 404
    )


def test_only_managers_manage_rooms_and_devices(api, reception, manager, clinic):
    assert api(reception).post("/api/rooms/", {"name": "Room 9"}).status_code == 403
    created = api(manager).post("/api/rooms/", {"name": "Room 9"})
    assert created.status_code == 201
    duplicate = api(manager).post("/api/rooms/", {"name": "Room 9"})
    assert duplicate.status_code == 400
    device = api(manager).post(
        "/api/devices/",
        {"name": "Dr. Pen A6", "kind": "pen", "serial_number": "A6-1", "cleanup_minutes": 20},
    )
    assert device.status_code == 201
    assert api(reception).get("/api/devices/").json()["count"] == 1


def test_list_filters_by_local_date_practitioner_and_client(api, reception, setup, clinic):
    from tests.factories import ClientFactory

    a = ClientFactory(clinic=clinic)
    client = api(reception)
    book(client, setup, a, "2026-03-09T10:00:00Z", "2026-03-09T10:30:00Z", kind="consultation")
    book(client, setup, a, "2026-03-10T10:00:00Z", "2026-03-10T10:30:00Z", kind="consultation")
    on_day = client.get("/api/appointments/?date=2026-03-09").json()
    assert [r["start"] for r in on_day["results"]] == ["2026-03-09T10:00:00Z"]
    assert client.get(f"/api/appointments/?client={a.pk}").json()["count"] == 2
    assert client.get("/api/appointments/?date=someday").status_code == 400


def test_booking_in_the_past_is_refused(api, reception, setup, client_record):
    response = book(
        api(reception),
        setup,
        client_record,
        "2026-03-02T07:00:00Z",
        "2026-03-02T07:30:00Z",
        kind="consultation",
    )
    assert response.status_code == 400
    assert "start" in response.json()["fields"]


# --- rooms and devices: unique per clinic, ignoring case ----------------------------------

ROOM_TAKEN = "Another room in this clinic already has this name."
SERIAL_TAKEN = "Another device in this clinic already has this serial number."


def device_payload(**overrides):
    return {"name": "Dermapen 4", "kind": "pen", "serial_number": "DP4-001", **overrides}


def test_a_room_name_in_another_case_is_refused_with_a_400_naming_the_field(api, manager, clinic):
    client = api(manager)
    assert client.post("/api/rooms/", {"name": "Garden room"}).status_code == 201
    for name in ("Garden room", "garden ROOM", "  GARDEN ROOM  "):
        response = client.post("/api/rooms/", {"name": name})
        assert response.status_code == 400, name
        assert response.json()["fields"] == {"name": [ROOM_TAKEN]}
    assert [r.name for r in clinic.rooms.all()] == ["Garden room"]


def test_renaming_a_room_to_another_rooms_name_in_any_case_is_a_400(api, manager, clinic):
    client = api(manager)
    client.post("/api/rooms/", {"name": "Room 1"})
    second = client.post("/api/rooms/", {"name": "Room 2"}).json()
    response = client.patch(f"/api/rooms/{second['id']}/", {"name": "ROOM 1"}, format="json")
    assert response.status_code == 400  # was a 500 before the constraint had a service
    assert response.json()["fields"] == {"name": [ROOM_TAKEN]}
    assert sorted(r.name for r in clinic.rooms.all()) == ["Room 1", "Room 2"]


def test_a_room_may_change_the_case_of_its_own_name(api, manager, clinic):
    client = api(manager)
    room = client.post("/api/rooms/", {"name": "garden room"}).json()
    response = client.patch(f"/api/rooms/{room['id']}/", {"name": "Garden Room"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Garden Room"
    only_active = client.patch(f"/api/rooms/{room['id']}/", {"is_active": False}, format="json")
    assert only_active.status_code == 200
    assert only_active.json() == {"id": room["id"], "name": "Garden Room", "is_active": False}


def test_a_serial_number_in_another_case_is_refused_on_post_and_patch(api, manager, clinic):
    client = api(manager)
    assert client.post("/api/devices/", device_payload()).status_code == 201
    duplicate = client.post("/api/devices/", device_payload(name="Spare", serial_number="dp4-001"))
    assert duplicate.status_code == 400
    assert duplicate.json()["fields"] == {"serial_number": [SERIAL_TAKEN]}
    other = client.post("/api/devices/", device_payload(serial_number="DP4-002")).json()
    patch = client.patch(
        f"/api/devices/{other['id']}/", {"serial_number": "Dp4-001"}, format="json"
    )
    assert patch.status_code == 400
    assert patch.json()["fields"] == {"serial_number": [SERIAL_TAKEN]}
    assert sorted(d.serial_number for d in clinic.devices.all()) == ["DP4-001", "DP4-002"]


def test_another_clinic_may_use_the_same_room_name_and_serial(api, manager, other_manager, clinic):
    for who in (manager, other_manager):
        assert api(who).post("/api/rooms/", {"name": "Room 1"}).status_code == 201
        assert api(who).post("/api/devices/", device_payload()).status_code == 201


def test_the_resource_services_audit_what_changed(manager, clinic):
    from clinic.booking import resource_services
    from common.models import AuditEvent

    room = resource_services.room_save(clinic=clinic, actor=manager.user, name=" Room 1 ")
    assert room.name == "Room 1"
    resource_services.room_save(
        clinic=clinic, actor=manager.user, room=room, name="Room 1", is_active=False
    )
    events = AuditEvent.objects.filter(object_type="room", object_id=room.pk).order_by("id")
    assert [(e.action, e.detail["fields"]) for e in events] == [
        ("create", ["name"]),
        ("update", ["is_active"]),
    ]


def test_the_database_refuses_a_duplicate_in_another_case_whatever_the_code(clinic):
    from django.db import IntegrityError, transaction

    from clinic.booking.models import Device, Room

    Room.objects.create(clinic=clinic, name="Room 1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(clinic=clinic, name="ROOM 1")
    Device.objects.create(clinic=clinic, name="Pen", serial_number="AB-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.create(clinic=clinic, name="Pen 2", serial_number="ab-1")
