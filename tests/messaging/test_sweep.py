"""The sweep starts the senders; they share the due messages; none is lost or sent twice.

Rows a killed worker left, senders claiming batches oldest first over one SMTP
connection each (reconnecting after a failure), several senders at once, a sender that
runs out of time, the beat task, a broker down at commit, and the settings that keep a
send still running from being handed out again.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.messaging import services, tasks
from clinic.messaging.checks import check_sending_timeout
from clinic.messaging.models import OutgoingMessage
from clinic.messaging.services import messages_sweep
from tests.messaging.fixtures import NOW, outcomes, reload, schedule

pytestmark = pytest.mark.django_db

Status = OutgoingMessage.Status


# --- a worker killed mid-send -----------------------------------------------------------


def test_a_row_left_sending_by_a_killed_worker_is_reclaimed_after_the_timeout(
    clock, smtp_server, client_record, settings
):
    settings.MESSAGE_SENDING_TIMEOUT = timedelta(minutes=10)
    message = schedule(client_record)
    # What a worker had done when it was killed: claimed the row, opened an attempt.
    services._claim(message.pk, NOW)
    assert reload(message).status == Status.SENDING

    clock.shift(timedelta(minutes=9))
    assert messages_sweep() == 0  # it may still be sending
    assert reload(message).status == Status.SENDING

    clock.shift(timedelta(minutes=2))
    assert messages_sweep() == 1

    message = reload(message)
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert outcomes(message) == ["abandoned", "sent"]
    assert len(smtp_server.messages) == 1


def test_a_row_lost_on_its_last_attempt_is_failed_not_retried(
    clock, smtp_server, client_record, settings, make_message
):
    settings.MESSAGE_MAX_ATTEMPTS = 3
    message = make_message(client_record, attempts=2)
    services._claim(message.pk, NOW)

    clock.shift(settings.MESSAGE_SENDING_TIMEOUT + timedelta(seconds=1))
    assert messages_sweep() == 0

    message = reload(message)
    assert message.status == Status.FAILED
    assert message.last_error == services.WORKER_LOST
    assert smtp_server.messages == []


# --- the sweep ----------------------------------------------------------------------


def test_the_sweep_starts_the_senders_only_when_something_is_due(
    clock, client_record, senders, settings
):
    settings.MESSAGE_SEND_TASKS = 3
    schedule(client_record, key="later", due_at=NOW + timedelta(minutes=1))
    assert messages_sweep() == 0
    assert senders == []

    schedule(client_record, key="now")
    assert messages_sweep() == 1
    assert senders == [{"expires": settings.MESSAGE_SEND_TASK_EXPIRES}]  # one is enough

    senders.clear()
    for i in range(5):
        schedule(client_record, key=f"m{i}")
    assert messages_sweep() == 6
    assert len(senders) == 3  # MESSAGE_SEND_TASKS, however many are due


def test_a_sweep_repeated_or_senders_lost_with_the_broker_loses_nothing(
    clock, smtp_server, client_record, senders
):
    messages = [schedule(client_record, key=f"m{i}") for i in range(3)]
    assert messages_sweep() == 3
    assert messages_sweep() == 3  # the senders were lost: the rows are still there, due
    assert all(reload(m).status == Status.PENDING for m in messages)

    senders.run()  # a later sweep's senders, or the lost ones redelivered
    senders.run()
    assert all(reload(m).status == Status.SENT for m in messages)
    assert len(smtp_server.messages) == 3
    assert messages_sweep() == 0


def test_the_sweep_runs_the_same_number_of_queries_for_5_or_50_due_messages(
    clock, client_record, senders, make_message
):
    def due_batch(n: int) -> None:
        for _ in range(n):
            make_message(client_record)
        for _ in range(n // 5):  # and some left "sending" by a lost worker
            lost = make_message(client_record, due_at=NOW - timedelta(hours=2))
            services._claim(lost.pk, NOW - timedelta(hours=1))

    due_batch(5)
    with CaptureQueriesContext(connection) as five:
        assert messages_sweep() == 6
    due_batch(50)
    with CaptureQueriesContext(connection) as fifty:
        assert messages_sweep() == 66

    assert len(fifty.captured_queries) == len(five.captured_queries)


def test_the_beat_task_is_the_sweep(clock, client_record, senders):
    for i in range(5):
        schedule(client_record, key=f"m{i}")

    assert tasks.sweep_due_messages() == 5
    assert len(senders) == 2


# --- the senders ------------------------------------------------------------------------


@pytest.fixture
def smtp_opens(monkeypatch) -> list[str]:
    """Every SMTP connection the backend opened ("opened") or failed to open ("refused")."""
    from django.core.mail.backends.smtp import EmailBackend

    calls: list[str] = []
    real_open = EmailBackend.open

    def counting_open(self):
        try:
            opened = real_open(self)
        except Exception:
            calls.append("refused")
            raise
        if opened:  # False: the connection was open already
            calls.append("opened")
        return opened

    monkeypatch.setattr(EmailBackend, "open", counting_open)
    return calls


def test_a_sender_sends_oldest_first_in_batches_one_connection_per_batch(
    clock, smtp_server, client_record, smtp_opens
):
    messages = [
        schedule(client_record, key=f"m{i}", due_at=NOW - timedelta(minutes=i)) for i in range(5)
    ]

    result = services.messages_send_due(batch_size=2)

    assert result == services.SendDue(claimed=5, sent=5, more=False)
    oldest_first = [reload(m).smtp_message_id for m in reversed(messages)]
    assert smtp_server.message_ids() == oldest_first
    assert smtp_opens == ["opened"] * 3  # batches of 2, 2 and 1
    assert all(outcomes(m) == ["sent"] for m in messages)


def test_a_sender_reconnects_after_the_server_drops_the_connection(
    clock, smtp_server, client_record, smtp_opens
):
    from clinic.messaging import kinds as messaging
    from tests.messaging.kinds import render_note

    def render_then_drop(message):
        # The server goes away between two messages of one batch, and comes back.
        smtp_server.stop()
        smtp_server.start()
        return render_note(message)

    messaging.register(
        messaging.MessageKind(
            name="test_drop", render=render_then_drop, still_wanted=lambda m: None
        )
    )
    try:
        first = schedule(client_record, key="first", due_at=NOW - timedelta(minutes=3))
        dropped = schedule(
            client_record, key="dropped", kind="test_drop", due_at=NOW - timedelta(minutes=2)
        )
        third = schedule(client_record, key="third", due_at=NOW - timedelta(minutes=1))

        result = services.messages_send_due(batch_size=10)
    finally:
        messaging.unregister("test_drop")

    assert result.claimed == 3
    assert result.sent == 2
    assert reload(first).status == Status.SENT
    assert reload(third).status == Status.SENT  # over a new connection
    dropped = reload(dropped)
    assert dropped.status == Status.PENDING  # retried later, like any SMTP error
    assert dropped.due_at == NOW + timedelta(minutes=1)
    assert outcomes(dropped) == ["retry"]
    assert smtp_opens == ["opened", "opened"]


def test_an_unreachable_server_sends_the_whole_batch_to_retry_after_one_try(
    clock, smtp_server, client_record, smtp_opens
):
    smtp_server.stop()
    messages = [schedule(client_record, key=f"m{i}") for i in range(3)]

    result = services.messages_send_due(batch_size=10)

    assert result == services.SendDue(claimed=3, sent=0, more=False)
    assert smtp_opens == ["refused"]  # not one connection attempt per message
    for message in messages:
        message = reload(message)
        assert message.status == Status.PENDING
        assert message.due_at == NOW + timedelta(minutes=1)
        assert message.attempts == 1
        assert outcomes(message) == ["retry"]
        assert "Connection refused" in message.last_error or "Errno" in message.last_error


def test_a_sender_out_of_time_hands_over_to_a_successor_until_nothing_is_due(
    clock, smtp_server, client_record, monkeypatch
):
    messages = [schedule(client_record, key=f"m{i}") for i in range(5)]

    first = services.messages_send_due(batch_size=2, budget_seconds=0)
    assert first == services.SendDue(claimed=2, sent=2, more=True)

    monkeypatch.setattr(tasks, "SEND_BATCH_SIZE", 2)
    monkeypatch.setattr(tasks, "SEND_BUDGET_SECONDS", 0)
    runs: list[int] = []
    real = tasks.send_due_messages.run
    monkeypatch.setattr(tasks.send_due_messages, "run", lambda: runs.append(1) or real())
    tasks.send_due_messages.apply()  # its successors run inline too (eager Celery)

    assert len(runs) == 2  # 2 more, then the last one; nothing left, no successor
    assert all(reload(m).status == Status.SENT for m in messages)
    assert len(smtp_server.messages) == 5


def test_a_claimed_message_not_reached_by_the_deadline_is_released_unsent(
    clock, smtp_server, client_record, settings
):
    settings.MESSAGE_SEND_DEADLINE_SECONDS = 0  # as if the batch were stuck behind a slow server
    messages = [schedule(client_record, key=f"m{i}") for i in range(3)]

    result = services.messages_send_due(batch_size=10)

    assert result == services.SendDue(claimed=3, sent=0, more=True)
    for message in messages:
        message = reload(message)
        assert message.status == Status.PENDING
        assert message.due_at == NOW  # due at once: nothing was tried
        assert message.attempts == 0
        assert outcomes(message) == []
    assert smtp_server.messages == []


def test_sending_costs_the_same_queries_per_message_for_5_or_10(clock, smtp_server, client_record):
    def queries_to_send(n: int) -> int:
        for i in range(n):
            schedule(client_record, key=f"n{n}:{i}")
        with CaptureQueriesContext(connection) as captured:
            assert services.messages_send_due(batch_size=50).sent == n
        return len(
            [
                q
                for q in captured
                if q["sql"] not in ("BEGIN", "COMMIT") and "SAVEPOINT" not in q["sql"]
            ]
        )

    five, ten = queries_to_send(5), queries_to_send(10)
    per_message = (ten - five) / 5
    # One batch's claim is shared; each message then re-reads its client (with the
    # unsubscription) and is recorded "sent" (message and attempt): nothing more for a
    # kind that reads nothing itself.
    assert per_message == 3
    assert five - 5 * per_message <= 5  # the claim: lock, mark, read, open the attempts


def test_consent_withdrawn_or_an_unsubscription_after_the_batch_was_claimed_is_honoured(
    clock, smtp_server, client_record
):
    from clinic.messaging.models import Unsubscription

    note = schedule(client_record, key="note", due_at=NOW - timedelta(minutes=2))
    tip = schedule(client_record, key="tip", kind="test_tip", due_at=NOW - timedelta(minutes=1))
    batch = services._claim_batch(10, NOW)
    assert [m.pk for m, _ in batch] == [note.pk, tip.pk]

    # While the batch waits its turn, the client unsubscribes from tips...
    Unsubscription.objects.create(client=client_record, kind="test_tip")
    services._send_batch(batch[1:], deadline=float("inf"), clock=lambda: NOW)
    # ...and withdraws consent to e-mail.
    client_record.email_consent = False
    client_record.save()
    services._send_batch(batch[:1], deadline=float("inf"), clock=lambda: NOW)

    assert smtp_server.messages == []
    assert reload(tip).cancelled_reason == "The client unsubscribed from Test tip."
    assert reload(note).cancelled_reason == "The client withdrew consent to e-mail."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_share_the_work_and_send_each_message_once(smtp_server, client_record):
    import threading

    from django.db import connections
    from django.utils import timezone

    smtp_server.delay = 0.01
    due = timezone.now() - timedelta(minutes=1)
    messages = [schedule(client_record, key=f"m{i}", due_at=due) for i in range(40)]
    start = threading.Barrier(2)
    results: list[services.SendDue] = []

    def sender() -> None:
        try:
            start.wait()
            results.append(services.messages_send_due(batch_size=5))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(r.sent for r in results) == sorted(r.claimed for r in results)
    assert sum(r.sent for r in results) == 40
    assert all(r.claimed > 0 for r in results)  # both took part
    assert sorted(smtp_server.message_ids()) == sorted(reload(m).smtp_message_id for m in messages)
    assert all(reload(m).attempts == 1 for m in messages)


# --- settings ---------------------------------------------------------------------------


def test_a_sending_timeout_shorter_than_the_task_time_limit_is_a_system_check_error(settings):
    settings.CELERY_TASK_TIME_LIMIT = 300
    settings.MESSAGE_SENDING_TIMEOUT = timedelta(minutes=10)
    assert check_sending_timeout(None) == []

    settings.MESSAGE_SENDING_TIMEOUT = timedelta(minutes=5)
    assert [e.id for e in check_sending_timeout(None)] == ["aftercare.E001"]


def test_the_beat_schedule_and_the_email_queue_are_configured(settings):
    from config.celery_app import app

    entry = settings.CELERY_BEAT_SCHEDULE["sweep-due-messages"]
    assert entry["task"] == "aftercare.tasks.sweep_due_messages"
    assert entry["schedule"] == 60.0
    route = app.amqp.router.route
    assert route({}, "aftercare.tasks.send_message")["queue"].name == "email"
    assert route({}, "aftercare.tasks.send_due_messages")["queue"].name == "email"


def test_a_broker_that_is_down_at_commit_loses_nothing(
    clock, smtp_server, client_record, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.send_message, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        message = schedule(client_record, send_now=True)
    # The hand-off failed after the commit: the row is there, still pending, and logged.
    assert reload(message).status == Status.PENDING
    assert "broker unreachable" in caplog.text
    monkeypatch.undo()
    assert messages_sweep() == 1
    assert reload(message).status == Status.SENT
    assert len(smtp_server.messages) == 1
