"""A real Celery worker, Redis and PostgreSQL: kill the worker mid-run, lose nothing.

The test process schedules messages and runs the real sweep with eager mode off, so
the send tasks go through Redis to a worker process (``celery -A tests.messaging.worker``,
the project's app plus the test message kinds) that sends to the SMTP server in this
process. Rows must be committed for the worker to see them, hence a transactional test
on PostgreSQL (SQLite's in-memory test database is not shared between processes).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection
from django.utils import timezone

from clinic.messaging.models import MessageAttempt, OutgoingMessage
from clinic.messaging.services import message_schedule, messages_sweep
from tests.messaging.fixtures import NOTE_CONTEXT

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
Status = OutgoingMessage.Status


def _test_database_url() -> str:
    """The URL of pytest-django's test database (``test_<name>``), for the worker."""
    db = connection.settings_dict
    auth = ""
    if db["USER"]:
        auth = quote(db["USER"], safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        auth += "@"
    return f"postgres://{auth}{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _flushed_redis_url() -> str:
    url = os.environ["REDIS_URL"]
    client = redis.Redis.from_url(url)
    if int(client.connection_pool.connection_kwargs.get("db", 0)) == 0:
        pytest.fail(
            "REDIS_URL names Redis db 0; this test flushes its db, so point REDIS_URL at a "
            "dedicated one, e.g. redis://127.0.0.1:6379/14",
            pytrace=False,
        )
    client.flushdb()
    return url


@pytest.fixture
def worker_env(smtp_server) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": _flushed_redis_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "TEST_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": smtp_server.host,
        "EMAIL_PORT": str(smtp_server.port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_TIMEOUT": "5",
    }


@pytest.fixture
def through_the_broker(settings) -> Iterator[None]:
    """This process publishes tasks to Redis instead of running them inline."""
    from config.celery_app import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        yield
    finally:
        app.conf.task_always_eager = was


@contextmanager
def celery_worker(name: str, env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A worker in its own process group; killed (the whole group) on the way out."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "tests.messaging.worker",
                "worker",
                "-Q",
                "email,default",
                "--concurrency=2",
                "-P",
                "prefork",
                "--loglevel=INFO",
                "-n",
                f"{name}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            kill_group(process)


def kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
    process.wait(timeout=30)


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-4000:] if log.exists() else ""
            pytest.fail(f"Timed out after {timeout}s waiting for {what}.\nWorker log:\n{tail}")
        time.sleep(0.02)


def statuses() -> Counter:
    return Counter(OutgoingMessage.objects.values_list("status", flat=True))


def schedule_due(client, count: int, prefix: str) -> list[OutgoingMessage]:
    due = timezone.now() - timedelta(seconds=1)
    return [
        message_schedule(
            clinic=client.clinic,
            client=client,
            kind="test_note",
            due_at=due,
            dedupe_key=f"{prefix}:{i}",
            context=NOTE_CONTEXT,
        )
        for i in range(count)
    ]


def test_a_worker_killed_mid_run_loses_nothing_and_sends_nothing_twice(
    client_record, smtp_server, worker_env, through_the_broker, settings, tmp_path
):
    total = 30
    # The sweep (in this process) hands out again what a dead worker held after 3 s.
    settings.MESSAGE_SENDING_TIMEOUT = timedelta(seconds=3)
    smtp_server.delay = 0.05  # sends take a little while, so the kill finds some in flight
    messages = schedule_due(client_record, total, "kill")
    log = tmp_path / "worker.log"

    with celery_worker("first", worker_env, log) as first:
        assert messages_sweep() == total
        wait_until(lambda: statuses()[Status.SENT] >= 3, timeout=60, what="3 sends", log=log)
        kill_group(first)
    after_kill = statuses()
    received_before_restart = len(smtp_server.messages)

    with celery_worker("second", worker_env, log):
        deadline = time.monotonic() + 90
        while statuses()[Status.SENT] < total:
            messages_sweep()
            assert time.monotonic() < deadline, (statuses(), log.read_text()[-4000:])
            time.sleep(0.5)
        # Beat restarting, or running twice: nothing is due, nothing more goes out.
        assert messages_sweep() == 0
        assert messages_sweep() == 0
        time.sleep(1)

    assert statuses() == Counter({Status.SENT: total})
    rows = OutgoingMessage.objects.filter(pk__in=[m.pk for m in messages])
    for row in rows:
        # Exactly once in the database's view: one successful attempt per message.
        assert row.sent_at is not None
        assert row.delivery_attempts.filter(outcome=MessageAttempt.Outcome.SENT).count() == 1
    received = Counter(smtp_server.message_ids())
    expected_ids = {row.smtp_message_id for row in rows}
    assert set(received) == expected_ids  # every message arrived, nothing else did
    assert all(1 <= n <= 2 for n in received.values()), received
    duplicates = sorted(mid for mid, n in received.items() if n > 1)
    for mid in duplicates:
        # The one window: accepted by SMTP, commit of "sent" lost, reclaimed, sent again.
        row = rows.get(smtp_message_id=mid)
        assert list(row.delivery_attempts.values_list("outcome", flat=True)) == [
            "abandoned",
            "sent",
        ]
    abandoned = MessageAttempt.objects.filter(outcome="abandoned").count()
    print(
        f"\nkill test: at the kill {dict(after_kill)}, {received_before_restart} received; "
        f"abandoned attempts reclaimed: {abandoned}; duplicates at the SMTP server: "
        f"{len(duplicates)} {duplicates}"
    )


def test_a_beat_restart_changes_nothing(
    client_record, smtp_server, worker_env, through_the_broker, tmp_path
):
    due = schedule_due(client_record, 5, "beat")
    later = message_schedule(
        clinic=client_record.clinic,
        client=client_record,
        kind="test_note",
        due_at=timezone.now() + timedelta(hours=1),
        dedupe_key="beat:later",
        context=NOTE_CONTEXT,
    )
    log = tmp_path / "worker.log"

    with celery_worker("beat-restart", worker_env, log):
        assert messages_sweep() == 5
        wait_until(lambda: statuses()[Status.SENT] == 5, timeout=60, what="5 sends", log=log)
        received = len(smtp_server.messages)
        # Beat restarts and runs the sweep again at once, twice.
        assert messages_sweep() == 0
        assert messages_sweep() == 0
        time.sleep(1.5)

    assert received == len(smtp_server.messages) == 5
    assert {m.smtp_message_id for m in OutgoingMessage.objects.filter(status="sent")} == set(
        smtp_server.message_ids()
    )
    assert OutgoingMessage.objects.get(pk=later.pk).status == Status.PENDING
    assert all(OutgoingMessage.objects.get(pk=m.pk).attempts == 1 for m in due)


def test_aftercare_messages_go_through_the_real_worker_with_their_pdf(
    client_record, smtp_server, worker_env, through_the_broker, signed_session, tmp_path
):
    from aftercare.schedules import aftercare_schedule_session

    # Ended 25 hours ago and signed only now: the straight-after sheet is too late
    # (skipped at once, with its reason); the +24 h e-mail (due an hour ago) still goes.
    session = signed_session(client_record, ended_at=timezone.now() - timedelta(hours=25))
    aftercare_schedule_session(session=session)  # autocommit: the worker sees it
    log = tmp_path / "worker.log"

    with celery_worker("aftercare", worker_env, log):
        assert messages_sweep() == 1
        wait_until(lambda: statuses()[Status.SENT] == 1, timeout=90, what="1 send", log=log)
        assert messages_sweep() == 0

    sheet = OutgoingMessage.objects.get(dedupe_key__endswith=":immediate")
    assert sheet.status == Status.SKIPPED and "Too late" in sheet.cancelled_reason
    subjects = sorted(str(m["Subject"]).split(":")[0] for m in smtp_server.messages)
    assert subjects == ["24 hours after"]
    for message in smtp_server.messages:
        (pdf,) = list(message.iter_attachments())
        assert pdf.get_content_type() == "application/pdf"
        assert pdf.get_content().startswith(b"%PDF")
