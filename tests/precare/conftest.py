"""Fixtures for the preparation tests: a frozen clock, resources, booking through the API."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest
import time_machine

from clinic.messaging.models import OutgoingMessage
from tests.factories import DeviceFactory, RoomFactory, practitioner_for
from tests.messaging.fixtures import private_media  # noqa: F401  (a fixture, found by name)
from tests.screening.answers import all_no_answers
from treatments.screening import services as screening_services

NOW = "2026-03-02 08:00:00+00:00"  # a Monday; London is on GMT until 29 March


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def resources(practitioner, clinic):
    return {
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=clinic),
        "device": DeviceFactory(clinic=clinic),
    }


@pytest.fixture
def screened(client_record, reception, clock):
    screening_services.screening_take(
        client=client_record,
        actor=reception.user,
        planned_date=date(2026, 3, 2),
        raw_answers=all_no_answers(),
    )
    return client_record


@pytest.fixture
def book(api, reception, resources, screened, smtp_server, django_capture_on_commit_callbacks):
    """``book(start, end, kind=...)`` through the API, with the broker up (sent at commit)."""

    def do(start: str, end: str, *, kind: str = "treatment", client=None) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = api(reception).post(
                "/api/appointments/",
                {
                    "client": (client or screened).pk,
                    "practitioner": resources["practitioner"].pk,
                    "room": resources["room"].pk,
                    "device": resources["device"].pk,
                    "start": start,
                    "end": end,
                    "kind": kind,
                },
            )
        assert response.status_code == 201, response.json()
        return response.json()

    return do


def precare_messages(
    appointment_id: int, *, sequence: int | None = None, **filters
) -> dict[str, OutgoingMessage]:
    """The appointment's preparation messages by kind (the newest of each kind)."""
    if sequence is not None:
        filters["dedupe_key__startswith"] = f"precare:appointment:{appointment_id}:{sequence}:"
    rows = OutgoingMessage.objects.filter(
        appointment_id=appointment_id, kind__startswith="precare", **filters
    ) | OutgoingMessage.objects.filter(
        appointment_id=appointment_id, kind="readiness_check", **filters
    )
    return {m.kind: m for m in rows.order_by("id")}


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def body(message, subtype: str = "plain") -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def preparation_mails(smtp_server) -> list:
    return [m for m in smtp_server.messages if "precare" in m["Message-ID"]]


@pytest.fixture
def answer(django_capture_on_commit_callbacks):
    """``answer(appointment, answers)``: the client posts on their readiness link."""
    from rest_framework.test import APIClient

    from precare import readiness

    def do(appointment, answers=None, *, unchanged=False):
        token = readiness.token_for(readiness.readiness_link_for(appointment))
        payload = {"unchanged": True} if unchanged else {"answers": answers}
        with django_capture_on_commit_callbacks(execute=True):
            response = APIClient().post(f"/api/portal/readiness/{token}/", payload, format="json")
        assert response.status_code == 200, response.json()
        return response.json()

    return do
