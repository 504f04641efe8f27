"""Booking, reschedule and cancel e-mail the client with a calendar file that updates."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from icalendar import Calendar

from clinic.messaging.models import OutgoingMessage
from clinic.messaging.services import messages_sweep
from tests.factories import DeviceFactory, RoomFactory, practitioner_for
from tests.screening.answers import all_no_answers
from treatments.screening import services as screening_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def resources(practitioner, clinic):
    return {
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=clinic),
        "device": DeviceFactory(clinic=clinic),
    }


def _book(api_client, resources, client_record):
    response = api_client.post(
        "/api/appointments/",
        {
            "client": client_record.pk,
            "practitioner": resources["practitioner"].pk,
            "room": resources["room"].pk,
            "device": resources["device"].pk,
            "start": "2026-03-09T10:00:00Z",
            "end": "2026-03-09T11:00:00Z",
            "kind": "treatment",
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def screened(client_record, reception):
    screening_services.screening_take(
        client=client_record,
        actor=reception.user,
        planned_date=date(2026, 3, 9),
        raw_answers=all_no_answers(),
    )
    return client_record


@pytest.fixture
def booked(api, reception, resources, screened, smtp_server, django_capture_on_commit_callbacks):
    """Booked with the broker up: the confirmation is handed to a worker at commit."""
    with django_capture_on_commit_callbacks(execute=True):
        return _book(api(reception), resources, screened)


def _appointment_mails(smtp_server) -> list:
    """The booking e-mails; a treatment's preparation sheet goes too (tests/precare)."""
    return [m for m in smtp_server.messages if "precare" not in m["Message-ID"]]


def _calendar(message) -> Calendar:
    (attachment,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(attachment.get_payload(decode=True))


def test_booking_sends_a_confirmation_with_a_valid_ics(booked, smtp_server, client_record):
    messages_sweep()  # nothing left to do: it went at commit
    (mail,) = _appointment_mails(smtp_server)
    assert mail["To"] == client_record.email
    assert mail["Subject"].startswith("Booked: your treatment at Harbour Skin Clinic")
    calendar = _calendar(mail)
    assert str(calendar["method"]) == "REQUEST"
    (event,) = calendar.walk("VEVENT")
    assert str(event["uid"]).endswith("@needlework")
    assert int(event["sequence"]) == 0
    assert event.decoded("dtstart").isoformat() == "2026-03-09T10:00:00+00:00"
    assert str(event["status"]) == "CONFIRMED"
    row = OutgoingMessage.objects.get(kind="appointment_booked")
    assert row.status == "sent"
    assert row.appointment_id == booked["id"]


def test_with_the_broker_down_nothing_is_lost_and_superseded_emails_never_go(
    api, reception, resources, screened, smtp_server, django_capture_on_commit_callbacks
):
    client = api(reception)
    # on-commit hand-offs are captured but never run: as if the broker were down.
    with django_capture_on_commit_callbacks(execute=False):
        booked = _book(client, resources, screened)
        moved = client.patch(
            f"/api/appointments/{booked['id']}/",
            {"start": "2026-03-09T13:00:00Z", "end": "2026-03-09T14:00:00Z"},
        )
        assert moved.status_code == 200
        client.post(f"/api/appointments/{booked['id']}/cancel/", {"reason": "Client unwell"})
    assert smtp_server.messages == []
    messages_sweep()  # beat's sweep finds the rows
    kinds = dict(
        OutgoingMessage.objects.filter(kind__startswith="appointment_").values_list(
            "kind", "status"
        )
    )
    assert kinds == {
        "appointment_booked": "cancelled",
        "appointment_rescheduled": "cancelled",
        "appointment_cancelled": "sent",
    }
    (mail,) = _appointment_mails(smtp_server)
    calendar = _calendar(mail)
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["method"]) == "CANCEL"
    assert str(event["status"]) == "CANCELLED"
    assert int(event["sequence"]) == 2
    (text,) = [p for p in mail.walk() if p.get_content_type() == "text/plain"]
    assert "Client unwell" in text.get_payload(decode=True).decode()


def test_each_step_sent_in_turn_keeps_one_uid_and_a_growing_sequence(
    api, reception, booked, smtp_server, django_capture_on_commit_callbacks
):
    client = api(reception)
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(
            f"/api/appointments/{booked['id']}/",
            {"start": "2026-03-09T13:00:00Z", "end": "2026-03-09T14:00:00Z"},
        )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/appointments/{booked['id']}/cancel/", {"reason": "Unwell"})
    events = [next(iter(_calendar(m).walk("VEVENT"))) for m in _appointment_mails(smtp_server)]
    assert [int(e["sequence"]) for e in events] == [0, 1, 2]
    assert len({str(e["uid"]) for e in events}) == 1
    assert events[1].decoded("dtstart").isoformat() == "2026-03-09T13:00:00+00:00"


def test_no_email_without_consent(
    api, reception, resources, screened, smtp_server, django_capture_on_commit_callbacks
):
    screened.email_consent = False
    screened.save()
    with django_capture_on_commit_callbacks(execute=True):
        _book(api(reception), resources, screened)
    messages_sweep()
    assert smtp_server.messages == []
    row = OutgoingMessage.objects.get(kind="appointment_booked")
    assert row.status == "cancelled"
    assert "consent" in row.cancelled_reason


def test_a_summer_booking_email_shows_the_clinic_local_time(
    api, reception, resources, client_record, smtp_server, django_capture_on_commit_callbacks
):
    """London is UTC+1 in July: 09:00Z is 10:00 on the clinic's wall clock."""
    with time_machine.travel("2026-07-01 08:00:00+00:00", tick=False):
        screening_services.screening_take(
            client=client_record,
            actor=reception.user,
            planned_date=date(2026, 7, 6),
            raw_answers=all_no_answers(),
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = api(reception).post(
                "/api/appointments/",
                {
                    "client": client_record.pk,
                    "practitioner": resources["practitioner"].pk,
                    "room": resources["room"].pk,
                    "device": resources["device"].pk,
                    "start": "2026-07-06T09:00:00Z",
                    "end": "2026-07-06T10:00:00Z",
                    "kind": "treatment",
                },
            )
        assert response.status_code == 201, response.json()
    (mail,) = _appointment_mails(smtp_server)
    assert "Monday 6 July, 10:00" in mail["Subject"]
    text = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    body = text.get_payload(decode=True).decode()
    assert "10:00–11:00" in body
    assert "09:00" not in body
