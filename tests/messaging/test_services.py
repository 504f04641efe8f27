"""The outgoing-message machinery, against a real SMTP server in the test process.

Celery runs eagerly here (config/settings/test.py), so a sweep sends what it hands out;
test_worker.py covers a real worker and broker.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from clinic.messaging import tasks
from clinic.messaging.models import OutgoingMessage, Unsubscription
from clinic.messaging.services import (
    client_unsubscribe,
    message_id_for,
    message_resend,
    message_schedule,
    message_send,
    messages_cancel,
    messages_sweep,
)
from common.errors import ApplicationError, Conflict
from common.models import AuditEvent
from tests.factories import ClientFactory
from tests.messaging.fixtures import NOTE_CONTEXT, NOW, outcomes, reload, schedule
from tests.messaging.kinds import ATTACHMENT, CANCELLED_SESSIONS

pytestmark = pytest.mark.django_db

Status = OutgoingMessage.Status


# --- due or not --------------------------------------------------------------------------


def test_a_message_that_is_not_due_is_not_sent(clock, smtp_server, client_record):
    message = schedule(client_record, due_at=NOW + timedelta(hours=1))

    assert messages_sweep() == 0
    assert message_send(message_id=message.pk) == "skipped"

    assert reload(message).status == Status.PENDING
    assert reload(message).attempts == 0
    assert smtp_server.messages == []


def test_a_due_message_is_sent_once_and_arrives_with_its_attachment(
    clock, smtp_server, client_record
):
    message = schedule(client_record, due_at=NOW - timedelta(minutes=1))

    assert messages_sweep() == 1

    message = reload(message)
    assert message.status == Status.SENT
    assert message.sent_at == NOW
    assert message.attempts == 1
    assert message.smtp_message_id == message_id_for(message)
    assert message.smtp_message_id.endswith(f"@{client_record.clinic.email.split('@')[1]}>")
    assert outcomes(message) == ["sent"]

    [received] = smtp_server.messages
    assert received.get_all("Message-ID") == [message.smtp_message_id]
    assert received["To"] == client_record.email
    assert received["Reply-To"] == client_record.clinic.email
    assert received["Subject"] == "Your aftercare, Amelia"
    assert received["X-Needlework-Kind"] == "test_note"
    assert received.get_body(("plain",)).get_content().strip() == NOTE_CONTEXT["body"]
    assert NOTE_CONTEXT["body"] in received.get_body(("html",)).get_content()
    [attachment] = list(received.iter_attachments())
    filename, content, mimetype = ATTACHMENT
    assert attachment.get_filename() == filename
    assert attachment.get_content_type() == mimetype
    assert attachment.get_content() == content


def test_sweeping_twice_and_sending_twice_send_one_email(clock, smtp_server, client_record):
    message = schedule(client_record)

    assert messages_sweep() == 1
    assert messages_sweep() == 0
    assert message_send(message_id=message.pk) == "skipped"
    assert tasks.send_message(message.pk) == "skipped"

    assert len(smtp_server.messages) == 1
    assert reload(message).attempts == 1
    assert outcomes(message) == ["sent"]


def test_send_now_sends_when_the_transaction_commits(
    clock, smtp_server, client_record, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = schedule(client_record, send_now=True)
        assert smtp_server.messages == []  # nothing leaves before the commit

    assert reload(message).status == Status.SENT
    assert len(smtp_server.messages) == 1
    assert messages_sweep() == 0


def test_the_message_id_is_the_same_for_the_same_dedupe_key(clock, client_record):
    message = schedule(client_record, key="aftercare:session:42:day3")
    again = OutgoingMessage(dedupe_key=message.dedupe_key, clinic=message.clinic)

    assert message_id_for(message) == message_id_for(again)
    assert message_id_for(message).startswith("<aftercare.session.42.day3.")
    assert message_id_for(message) != message_id_for(schedule(client_record, key="other"))
    assert re.fullmatch(
        r"<[0-9a-f]{16}@clinic\.example>", message_id_for(schedule(client_record, key="::"))
    )


# --- never twice ---------------------------------------------------------------------


def test_scheduling_the_same_dedupe_key_twice_gives_one_row(clock, client_record):
    first = schedule(client_record, key="aftercare:session:1:day3")
    second = schedule(client_record, key="aftercare:session:1:day3", due_at=NOW + timedelta(1))

    assert second.pk == first.pk
    assert second.due_at == NOW  # the first scheduling stands
    assert OutgoingMessage.objects.filter(dedupe_key="aftercare:session:1:day3").count() == 1


def test_the_database_refuses_a_second_row_with_the_same_dedupe_key(clock, client_record):
    message = schedule(client_record, key="aftercare:session:1:day3")

    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMessage.objects.create(
            clinic=message.clinic,
            client=client_record,
            kind="test_note",
            dedupe_key="aftercare:session:1:day3",
            due_at=NOW,
        )


def test_a_dedupe_key_reused_for_another_client_is_a_programming_error(clock, client_record):
    schedule(client_record, key="shared-key")
    other = ClientFactory(clinic=client_record.clinic)

    with pytest.raises(ValueError, match="already names"):
        schedule(other, key="shared-key")


def test_schedule_refuses_objects_in_the_context_and_unknown_kinds(clock, client_record):
    with pytest.raises(ValueError, match="JSON"):
        message_schedule(
            clinic=client_record.clinic,
            client=client_record,
            kind="test_note",
            due_at=NOW,
            dedupe_key="k1",
            context={"client": client_record},
        )
    with pytest.raises(LookupError):
        schedule(client_record, key="k2", kind="no_such_kind")
    assert not OutgoingMessage.objects.exists()


def test_the_database_refuses_a_sent_row_without_a_send_time(clock, client_record, make_message):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_message(client_record, status=Status.SENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_message(client_record, status="lost")


# --- re-checked at send time -----------------------------------------------------------


def test_consent_withdrawn_cancels_with_a_reason_and_sends_nothing(
    clock, smtp_server, client_record
):
    message = schedule(client_record)
    client_record.email_consent = False
    client_record.save()

    messages_sweep()

    message = reload(message)
    assert message.status == Status.CANCELLED
    assert message.cancelled_reason == "The client withdrew consent to e-mail."
    assert outcomes(message) == ["cancelled"]
    assert smtp_server.messages == []


def test_a_client_without_an_e_mail_address_is_not_sent_to(clock, smtp_server, client_record):
    message = schedule(client_record)
    client_record.email = ""
    client_record.save()

    messages_sweep()

    assert reload(message).status == Status.CANCELLED
    assert reload(message).cancelled_reason == "The client has no e-mail address."
    assert smtp_server.messages == []


def test_unsubscribed_from_an_optional_kind_cancels_at_send_time(clock, smtp_server, client_record):
    tip = schedule(client_record, key="tip", kind="test_tip")
    note = schedule(client_record, key="note", kind="test_note")
    # Straight into the table, as if it happened after the sweep handed the tip out.
    Unsubscription.objects.create(client=client_record, kind="test_tip")
    Unsubscription.objects.create(client=client_record, kind="test_note")

    messages_sweep()

    assert reload(tip).status == Status.CANCELLED
    assert reload(tip).cancelled_reason == "The client unsubscribed from Test tip."
    # test_note is not optional: an unsubscription does not stop care messages.
    assert reload(note).status == Status.SENT
    assert [m["Message-ID"] for m in smtp_server.messages] == [reload(note).smtp_message_id]


def test_client_unsubscribe_cancels_pending_messages_of_that_kind_and_is_audited(
    clock, client_record, manager
):
    tip = schedule(client_record, key="tip", kind="test_tip")
    note = schedule(client_record, key="note", kind="test_note")

    client_unsubscribe(client=client_record, kind="test_tip")
    client_unsubscribe(client=client_record, kind="test_tip")  # idempotent

    assert Unsubscription.objects.filter(client=client_record).count() == 1
    assert reload(tip).status == Status.CANCELLED
    assert reload(note).status == Status.PENDING
    event = AuditEvent.objects.get(object_type="unsubscription")
    assert (event.client_id, event.channel) == (client_record.pk, "link")
    assert event.detail == {"kind": "test_tip", "cancelled_messages": 1}
    with pytest.raises(ApplicationError) as refused:
        client_unsubscribe(client=client_record, kind="test_note", actor=manager.user)
    assert refused.value.code == "message_kind_not_optional"


def test_a_message_more_than_the_maximum_lateness_late_is_skipped_with_the_reason(
    clock, smtp_server, client_record, settings
):
    settings.MESSAGE_MAX_LATENESS = timedelta(hours=12)
    late = schedule(client_record, key="late", due_at=NOW - timedelta(hours=12, minutes=1))
    in_time = schedule(client_record, key="in-time", due_at=NOW - timedelta(hours=11))
    assert reload(late).status == Status.SKIPPED  # already too late when it was made
    assert reload(in_time).status == Status.PENDING
    OutgoingMessage.objects.filter(pk=late.pk).update(status=Status.PENDING)  # as if older

    messages_sweep()

    assert reload(late).status == Status.SKIPPED
    assert reload(late).cancelled_reason == (
        "Too late: it was due 12.0 hours ago; this kind goes out at most 12 hours after its time."
    )
    assert outcomes(late) == ["skipped"]
    assert reload(in_time).status == Status.SENT
    assert len(smtp_server.messages) == 1


@pytest.fixture
def brief_kind():
    """A kind that may go out at most 30 minutes after its time."""
    from clinic.messaging import kinds

    kind = kinds.register(
        replace(kinds.get("test_note"), name="test_brief", max_lateness=timedelta(minutes=30))
    )
    yield kind
    kinds.unregister(kind.name)


def test_lateness_is_the_kinds_own_when_it_has_one(clock, smtp_server, client_record, brief_kind):
    made_late = schedule(
        client_record, key="a", kind="test_brief", due_at=NOW - timedelta(minutes=31)
    )
    gone_late = schedule(
        client_record, key="b", kind="test_brief", due_at=NOW - timedelta(minutes=10)
    )
    in_time = schedule(client_record, key="c", kind="test_brief", due_at=NOW + timedelta(minutes=5))
    assert reload(made_late).status == Status.SKIPPED
    assert reload(made_late).cancelled_reason == (
        "Too late: it was due 31 minutes ago; this kind goes out at most 30 minutes after its time."
    )
    assert reload(gone_late).status == Status.PENDING
    clock.move_to(NOW + timedelta(minutes=25))  # the workers were down meanwhile

    messages_sweep()

    assert reload(gone_late).status == Status.SKIPPED
    assert reload(in_time).status == Status.SENT
    assert len(smtp_server.messages) == 1


def test_the_kind_is_asked_whether_the_message_is_still_wanted(clock, smtp_server, client_record):
    message = schedule(client_record, session_id=8)
    CANCELLED_SESSIONS.add(8)

    messages_sweep()

    assert reload(message).status == Status.CANCELLED
    assert reload(message).cancelled_reason == "The session was cancelled."
    assert smtp_server.messages == []


# --- cancelling with the session or appointment ---------------------------------------


def test_cancelling_a_session_cancels_its_pending_messages_in_the_same_transaction(
    clock, smtp_server, client_record
):
    day3 = schedule(client_record, key="s7:day3", session_id=7)
    day7 = schedule(client_record, key="s7:day7", session_id=7, due_at=NOW + timedelta(days=4))
    other_session = schedule(client_record, key="s8:day3", session_id=8)
    appointment = schedule(client_record, key="a9:confirm", appointment_id=9)

    with pytest.raises(RuntimeError), transaction.atomic():
        assert messages_cancel(session_id=7, reason="Session cancelled.") == 2
        raise RuntimeError("the session's cancellation fails and rolls back")
    assert reload(day3).status == Status.PENDING  # rolled back with the caller

    with transaction.atomic():
        assert messages_cancel(session_id=7, reason="Session cancelled.") == 2
        assert messages_cancel(appointment_id=9, reason="Appointment cancelled.") == 1
    messages_sweep()

    assert [reload(m).status for m in (day3, day7, other_session, appointment)] == [
        Status.CANCELLED,
        Status.CANCELLED,
        Status.SENT,
        Status.CANCELLED,
    ]
    assert reload(day3).cancelled_reason == "Session cancelled."
    assert reload(appointment).cancelled_reason == "Appointment cancelled."
    assert [m["Message-ID"] for m in smtp_server.messages] == [
        reload(other_session).smtp_message_id
    ]
    assert outcomes(day3) == []  # never claimed, never attempted


def test_messages_cancel_leaves_sent_messages_alone(clock, smtp_server, client_record):
    message = schedule(client_record, session_id=7)
    messages_sweep()

    assert messages_cancel(session_id=7, reason="Session cancelled.") == 0
    assert reload(message).status == Status.SENT


# --- SMTP down: retries, failure, resend ------------------------------------------------


def test_smtp_down_retries_later_then_sends_exactly_once(clock, smtp_server, client_record):
    message = schedule(client_record)
    smtp_server.stop()

    assert messages_sweep() == 1

    message = reload(message)
    assert message.status == Status.PENDING
    assert message.attempts == 1
    assert message.due_at == NOW + timedelta(minutes=1)
    assert "Connection refused" in message.last_error
    assert outcomes(message) == ["retry"]
    assert messages_sweep() == 0  # not due again yet

    smtp_server.start()
    clock.shift(timedelta(minutes=1))
    assert messages_sweep() == 1
    assert messages_sweep() == 0

    message = reload(message)
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert outcomes(message) == ["retry", "sent"]
    assert smtp_server.message_ids() == [message.smtp_message_id]


def test_after_the_maximum_attempts_it_fails_and_a_resend_sends_it(
    clock, smtp_server, client_record, manager, settings
):
    settings.MESSAGE_MAX_ATTEMPTS = 5
    message = schedule(client_record)
    smtp_server.stop()

    waits = []
    for _ in range(5):
        before = reload(message).due_at
        assert messages_sweep() == 1
        after = reload(message)
        if after.status == Status.PENDING:
            waits.append(after.due_at - before)
            clock.move_to(after.due_at)

    message = reload(message)
    assert waits == [timedelta(minutes=m) for m in (1, 5, 15, 60)]
    assert message.status == Status.FAILED
    assert message.attempts == 5
    assert "Connection refused" in message.last_error
    assert outcomes(message) == ["retry", "retry", "retry", "retry", "failed"]
    clock.shift(timedelta(hours=2))
    assert messages_sweep() == 0  # failed stays failed

    smtp_server.start()
    resent = message_resend(message=message, actor=manager.user)
    assert (resent.status, resent.attempts, resent.due_at) == (
        Status.PENDING,
        0,
        NOW + timedelta(minutes=81, hours=2),
    )
    event = AuditEvent.objects.get(object_type="outgoing_message")
    assert (event.actor_id, event.action, event.client_id) == (
        manager.user.pk,
        "update",
        client_record.pk,
    )

    assert messages_sweep() == 1
    assert reload(message).status == Status.SENT
    assert len(smtp_server.messages) == 1


def test_only_a_failed_message_can_be_resent(clock, client_record, manager, make_message):
    for status in (Status.PENDING, Status.CANCELLED):
        message = make_message(client_record, status=status)
        with pytest.raises(Conflict):
            message_resend(message=message, actor=manager.user)
        assert reload(message).status == status


def test_a_permanent_refusal_fails_at_once(clock, smtp_server, client_record):
    client_record.email = "bounce@mail.example"
    client_record.save()
    message = schedule(client_record)

    messages_sweep()

    message = reload(message)
    assert message.status == Status.FAILED
    assert message.attempts == 1
    assert "550" in message.last_error
    assert smtp_server.messages == []


def test_a_renderer_error_is_retried_like_an_smtp_error(clock, smtp_server, client_record):
    message = schedule(client_record, kind="test_broken")

    assert message_send(message_id=message.pk) == "retry"

    message = reload(message)
    assert message.status == Status.PENDING
    assert message.last_error == "RuntimeError: template tip.html is missing"
    assert outcomes(message) == ["retry"]
