"""Message kinds that exist only in the tests, to exercise the sending machinery.

``register_test_kinds`` is called by the autouse fixture in this package's conftest and
by ``tests.messaging.worker`` (the Celery app a test worker runs).
"""

from __future__ import annotations

from django.utils.html import escape

from clinic.messaging import kinds as messaging
from clinic.messaging.kinds import EmailContent, MessageKind
from clinic.messaging.models import OutgoingMessage

ATTACHMENT = ("note.pdf", b"%PDF-1.4\n% a tiny test attachment\n", "application/pdf")

# Stands in for the treatments app's cancelled sessions until the Session model exists.
CANCELLED_SESSIONS: set[int] = set()


def render_note(message: OutgoingMessage) -> EmailContent:
    context = message.context
    return EmailContent(
        subject=f"{context['title']}, {message.client.first_name}",
        text=context["body"],
        html=f"<p>{escape(context['body'])}</p>",
        to=[message.client.email],
        attachments=[ATTACHMENT],
        # The machinery's Message-ID replaces a renderer's (see test_services).
        headers={"X-Needlework-Kind": message.kind, "Message-Id": "<renderer@example.com>"},
    )


def note_still_wanted(message: OutgoingMessage) -> str | None:
    if message.session_id in CANCELLED_SESSIONS:
        return "The session was cancelled."
    return None


def render_broken(message: OutgoingMessage) -> EmailContent:
    raise RuntimeError("template tip.html is missing")


TEST_NOTE = MessageKind(
    name="test_note", render=render_note, still_wanted=note_still_wanted, label="Test note"
)
TEST_TIP = MessageKind(
    name="test_tip",
    render=render_note,
    still_wanted=note_still_wanted,
    optional=True,
    label="Test tip",
)
TEST_BROKEN = MessageKind(
    name="test_broken", render=render_broken, still_wanted=note_still_wanted, label="Broken"
)
KINDS = (TEST_NOTE, TEST_TIP, TEST_BROKEN)


def register_test_kinds() -> None:
    for kind in KINDS:
        messaging.register(kind)


def unregister_test_kinds() -> None:
    for kind in KINDS:
        messaging.unregister(kind.name)
