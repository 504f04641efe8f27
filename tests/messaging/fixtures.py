"""Fixtures for message and aftercare tests: test kinds, a frozen clock, rows, sessions.

Also the helpers the message tests share: ``schedule``, ``reload``, ``outcomes``.

Imported by the conftest of tests/messaging and tests/aftercare.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from clinic.messaging import tasks
from clinic.messaging.models import MessageAttempt, OutgoingMessage
from clinic.messaging.services import message_schedule
from tests.messaging.kinds import (
    CANCELLED_SESSIONS,
    register_test_kinds,
    unregister_test_kinds,
)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOTE_CONTEXT = {"title": "Your aftercare", "body": "Apply SPF 30 every morning this week."}


@pytest.fixture(autouse=True)
def test_kinds():
    register_test_kinds()
    yield
    unregister_test_kinds()
    CANCELLED_SESSIONS.clear()


@pytest.fixture
def clock():
    """Time stands still at NOW until the test moves it (``clock.shift(...)``)."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def make_message():
    """A message row as a test needs it (fixture data, not the service under test)."""
    counter = iter(range(1, 10_000))

    def make(client, **fields) -> OutgoingMessage:
        n = next(counter)
        values = {
            "clinic": client.clinic,
            "client": client,
            "kind": "test_note",
            "dedupe_key": f"test:{client.pk}:{n}",
            "due_at": NOW,
            "context": NOTE_CONTEXT,
        }
        values.update(fields)
        return OutgoingMessage.objects.create(**values)

    return make


# --- messages: scheduled through the service, read back, the broker stood in for ----------


def schedule(client, key="note:1", *, due_at=NOW, kind="test_note", **extra) -> OutgoingMessage:
    return message_schedule(
        clinic=client.clinic,
        client=client,
        kind=kind,
        due_at=due_at,
        dedupe_key=key,
        context=NOTE_CONTEXT,
        **extra,
    )


def reload(message: OutgoingMessage) -> OutgoingMessage:
    return OutgoingMessage.objects.get(pk=message.pk)


def outcomes(message: OutgoingMessage) -> list[str]:
    return list(
        MessageAttempt.objects.filter(message=message)
        .order_by("number", "id")
        .values_list("outcome", flat=True)
    )


class Senders(list):
    """The sender tasks the sweep started (their ``apply_async`` options), not yet run."""

    def run(self) -> None:
        """Run one sender, as a worker would."""
        tasks.send_due_messages.run()


@pytest.fixture
def senders(monkeypatch) -> Senders:
    """Stand in for the broker: the sweep's sender tasks are recorded, not run."""
    started = Senders()
    monkeypatch.setattr(
        tasks.send_due_messages, "apply_async", lambda *args, **options: started.append(options)
    )
    return started


@pytest.fixture
def enqueued(monkeypatch):
    """Stand in for the broker: the ids sent at once (``send_now``), in order; nothing sent."""
    calls: list[int] = []
    monkeypatch.setattr(tasks.send_message, "delay", calls.append)
    return calls


# --- aftercare: signed sessions ---------------------------------------------------------


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    """PDFs are written under a fresh MEDIA_ROOT per test."""
    settings.MEDIA_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


@pytest.fixture
def signed_session(practitioner):
    """``signed_session(client, ended_at=..., plan=..., minutes=45)`` → a signed session.

    Rows straight from the factories (not the signing service); the test calls
    ``aftercare_schedule_session`` itself.
    """
    from datetime import timedelta

    from tests.factories import (
        DeviceFactory,
        RoomFactory,
        appointment_for,
        consent_for,
        plan_for,
        practitioner_for,
        screening_for,
        treatment_session_for,
    )

    state: dict = {}

    def make(client, *, ended_at, plan=None, minutes=45, **fields):
        clinic = client.clinic
        if "practitioner" not in state:
            state["practitioner"] = practitioner_for(practitioner.membership)
            state["room"] = RoomFactory(clinic=clinic)
            state["device"] = DeviceFactory(clinic=clinic)
        start = ended_at - timedelta(minutes=minutes)
        appointment = appointment_for(
            client,
            practitioner=state["practitioner"],
            room=state["room"],
            device=state["device"],
            start=start,
            status=fields.pop("appointment_status", "completed"),
        )
        return treatment_session_for(
            appointment,
            plan=plan or plan_for(client),
            screening=screening_for(client, actor=practitioner.user),
            consent=consent_for(client, witnessed_by=practitioner.user),
            signed=True,
            started_at=start,
            ended_at=ended_at,
            **fields,
        )

    return make
