"""Fixtures shared by the message and aftercare tests (tests/messaging/fixtures.py)."""

from tests.messaging.fixtures import (  # noqa: F401  (pytest finds fixtures by name)
    clock,
    enqueued,
    make_message,
    private_media,
    senders,
    signed_session,
    test_kinds,
)
