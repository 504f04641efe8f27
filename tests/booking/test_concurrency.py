"""Twenty receptionists click "book" for the same slot at the same moment."""

from __future__ import annotations

import threading
from datetime import date

import pytest
import time_machine
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinic.booking.models import Appointment
from tests.factories import ClientFactory, DeviceFactory, RoomFactory, practitioner_for
from tests.screening.answers import all_no_answers
from treatments.screening import services as screening_services

THREADS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_bookings_of_one_slot_give_one_success(clinic, practitioner, reception):
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=True):
        setup_practitioner = practitioner_for(practitioner.membership)
        room = RoomFactory(clinic=clinic)
        device = DeviceFactory(clinic=clinic)
        clients = ClientFactory.create_batch(THREADS, clinic=clinic)
        for c in clients:
            screening_services.screening_take(
                client=c,
                actor=reception.user,
                planned_date=date(2026, 3, 9),
                raw_answers=all_no_answers(),
            )
        _, token = AuthToken.objects.create(user=reception.user)
        barrier = threading.Barrier(THREADS)
        results: list[tuple[int, dict]] = []
        lock = threading.Lock()

        def attempt(client_id: int) -> None:
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            try:
                barrier.wait(timeout=30)
                response = api.post(
                    "/api/appointments/",
                    {
                        "client": client_id,
                        "practitioner": setup_practitioner.pk,
                        "room": room.pk,
                        "device": device.pk,
                        "start": "2026-03-09T10:00:00Z",
                        "end": "2026-03-09T11:00:00Z",
                        "kind": "treatment",
                    },
                    format="json",
                )
                with lock:
                    results.append((response.status_code, response.json()))
            finally:
                connection.close()

        threads = [threading.Thread(target=attempt, args=(c.pk,)) for c in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)

    statuses = sorted(status for status, _ in results)
    assert len(results) == THREADS
    assert statuses.count(201) == 1, results
    assert statuses.count(409) == THREADS - 1, results
    assert all(body["code"] == "slot_unavailable" for status, body in results if status == 409)
    assert Appointment.objects.filter(status="booked").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_managers_adding_one_room_name_in_different_cases_at_once_get_one_room(clinic, manager):
    """Both checks see no such room; the database index lets one in, the other is a 400."""
    from clinic.booking.models import Room

    _, token = AuthToken.objects.create(user=manager.user)
    names = ["Garden room", "garden ROOM", "GARDEN room", "garden room"]
    barrier = threading.Barrier(len(names))
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def attempt(name: str) -> None:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        try:
            barrier.wait(timeout=30)
            response = api.post("/api/rooms/", {"name": name}, format="json")
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(name,)) for name in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    statuses = sorted(status for status, _ in results)
    assert statuses == [201, 400, 400, 400], results
    assert all("name" in body["fields"] for status, body in results if status == 400)
    assert Room.objects.filter(clinic=clinic).count() == 1
