"""The sweep hands due messages to the workers; nothing is lost and nothing goes twice.

Batches oldest first, rows a killed worker left, the beat task, a broker down at
commit, and the settings that keep a send still running from being handed out again.
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


def test_the_sweep_hands_out_in_batches_oldest_first(clock, smtp_server, client_record):
    messages = [
        schedule(client_record, key=f"m{i}", due_at=NOW - timedelta(minutes=i)) for i in range(5)
    ]

    assert [messages_sweep(batch_size=2) for _ in range(4)] == [2, 2, 1, 0]

    oldest_first = [reload(m).smtp_message_id for m in reversed(messages)]
    assert smtp_server.message_ids() == oldest_first


def test_a_handed_out_message_is_handed_out_again_only_after_the_timeout(
    clock, client_record, enqueued, settings
):
    settings.MESSAGE_SENDING_TIMEOUT = timedelta(minutes=10)
    messages = [schedule(client_record, key=f"m{i}") for i in range(3)]

    assert messages_sweep() == 3
    assert messages_sweep() == 0  # a beat restart re-running the sweep changes nothing
    clock.shift(timedelta(minutes=11))  # the broker lost them (e.g. flushed)
    assert messages_sweep() == 3

    assert enqueued == [m.pk for m in messages] * 2
    assert all(reload(m).status == Status.PENDING for m in messages)


def test_the_sweep_runs_the_same_number_of_queries_for_5_or_50_due_messages(
    clock, client_record, enqueued, make_message
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
        assert messages_sweep() == 60

    assert len(enqueued) == 66
    assert len(fifty.captured_queries) == len(five.captured_queries)


def test_the_beat_task_sweeps_until_nothing_is_due(clock, client_record, enqueued, monkeypatch):
    monkeypatch.setattr(tasks, "SWEEP_BATCH_SIZE", 2)
    for i in range(5):
        schedule(client_record, key=f"m{i}")

    assert tasks.sweep_due_messages() == 5
    assert len(enqueued) == 5


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
    assert app.amqp.router.route({}, "aftercare.tasks.send_message")["queue"].name == "email"


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
