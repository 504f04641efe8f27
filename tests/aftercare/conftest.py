"""Fixtures for the outgoing-message tests: test kinds, a frozen clock, message rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from aftercare.models import OutgoingMessage

from .kinds import CANCELLED_SESSIONS, register_test_kinds, unregister_test_kinds

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
