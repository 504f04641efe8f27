"""``/healthz/``: database, broker, beat and outbox, with no login and no secrets
(decision 0016)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError

from clinic.messaging.models import OutgoingMessage
from common.health import record_heartbeat
from common.models import Heartbeat
from common.tasks import beat_heartbeat

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def broker_ready(settings, tmp_path):
    """Without Redis the embedded broker's folder must exist (``make run`` creates it)."""
    if not settings.REDIS_URL:
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def beat_ran(frozen):
    record_heartbeat()


def _message(client_record, *, due_at, status="pending", key="k1"):
    return OutgoingMessage.objects.create(
        clinic=client_record.clinic,
        client=client_record,
        kind="aftercare_day3",
        dedupe_key=key,
        due_at=due_at,
        status=status,
        **({"sent_at": due_at} if status == "sent" else {}),
    )


def test_everything_healthy_is_200_with_each_checks_answer(client, beat_ran):
    response = client.get("/healthz/", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "beat", "outbox"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["beat"]["seconds_ago"] == 0
    assert body["checks"]["outbox"]["lag_seconds"] == 0
    assert response["Cache-Control"] == "no-store"


def test_beat_never_having_run_is_a_503(client, frozen):
    response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["beat"] == {"ok": False, "last_run": None}
    assert body["checks"]["database"]["ok"] is True


def test_a_silent_beat_is_a_503_after_the_allowed_silence(client, beat_ran):
    limit = settings.HEALTH_MAX_BEAT_SILENCE_MINUTES
    with time_machine.travel(NOW + timedelta(minutes=limit), tick=False):
        assert client.get("/healthz/").status_code == 200
    with time_machine.travel(NOW + timedelta(minutes=limit, seconds=1), tick=False):
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["seconds_ago"] == limit * 60 + 1


def test_the_outbox_lag_is_how_late_the_oldest_due_unsent_message_is(
    client, beat_ran, client_record
):
    limit = settings.HEALTH_MAX_OUTBOX_LAG_MINUTES
    _message(client_record, due_at=NOW - timedelta(minutes=limit), key="due-at-the-limit")
    _message(client_record, due_at=NOW - timedelta(days=2), status="sent", key="sent")
    _message(client_record, due_at=NOW - timedelta(days=2), status="cancelled", key="cancelled")
    _message(client_record, due_at=NOW - timedelta(days=2), status="failed", key="failed")
    _message(client_record, due_at=NOW + timedelta(hours=1), key="not-due-yet")
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["checks"]["outbox"] == {"ok": True, "lag_seconds": limit * 60}

    _message(client_record, due_at=NOW - timedelta(minutes=limit + 5), key="stuck")
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["outbox"] == {"ok": False, "lag_seconds": (limit + 5) * 60}


def test_a_message_stuck_in_a_workers_hands_counts_as_unsent(client, beat_ran, client_record):
    message = _message(client_record, due_at=NOW - timedelta(hours=1), key="claimed")
    OutgoingMessage.objects.filter(pk=message.pk).update(status="sending", claimed_at=NOW)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["outbox"]["lag_seconds"] == 3600


def test_an_unreachable_broker_is_a_503_that_names_no_address(client, beat_ran, settings):
    settings.REDIS_URL = "redis://:s3cret-pass@127.0.0.1:1/0"
    response = client.get("/healthz/")
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker["ok"] is False and broker["error"]
    text = response.content.decode()
    assert "s3cret" not in text and "127.0.0.1" not in text


def test_an_unreachable_database_is_a_503_without_the_error_text(client, monkeypatch):
    class Down:
        def cursor(self):
            raise OperationalError('could not connect to "db.internal" password=hunter2')

    monkeypatch.setattr("common.health.connection", Down())
    response = client.get("/healthz/?check=live")
    assert response.status_code == 503
    assert response.json() == {
        "status": "fail",
        "checks": {"database": {"ok": False, "error": "OperationalError"}},
    }
    assert b"hunter2" not in response.content and b"db.internal" not in response.content


def test_the_live_check_is_the_database_only(client, frozen):
    """The container's health check: a stopped beat must not restart the web process."""
    response = client.get("/healthz/?check=live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": {"ok": True}}}


def test_the_answer_holds_no_secret_and_no_client_data(client, beat_ran, client_record):
    _message(client_record, due_at=NOW - timedelta(minutes=1))
    text = client.get("/healthz/").content.decode()
    for secret in (
        settings.SECRET_KEY,
        str(settings.DATABASES["default"]["NAME"]),
        client_record.first_name,
        client_record.email,
        client_record.clinic.name,
    ):
        assert secret not in text


def test_no_login_is_needed_and_a_signed_in_user_gets_the_same(client, beat_ran, manager):
    anonymous = client.get("/healthz/").json()
    client.force_login(manager.user)
    assert client.get("/healthz/").json() == anonymous


def test_the_embedded_broker_is_healthy_when_its_folder_is_writable(client, beat_ran, settings):
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": "/nonexistent/queue"}
    assert client.get("/healthz/").json()["checks"]["broker"] == {"ok": False}
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(settings.BASE_DIR)}
    assert client.get("/healthz/").json()["checks"]["broker"] == {"ok": True}


@pytest.mark.redis
def test_the_real_redis_broker_answers(client, beat_ran, settings):
    import os

    settings.REDIS_URL = os.environ["REDIS_URL"]
    assert client.get("/healthz/").json()["checks"]["broker"] == {"ok": True}


def test_beat_schedules_the_heartbeat_every_minute_and_the_task_stamps_it(frozen):
    entry = settings.CELERY_BEAT_SCHEDULE["beat-heartbeat"]
    assert (entry["task"], entry["schedule"]) == ("common.tasks.beat_heartbeat", 60.0)
    beat_heartbeat.delay()
    assert Heartbeat.objects.get(name="beat").at == NOW
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        beat_heartbeat()
    assert Heartbeat.objects.get().at == NOW + timedelta(minutes=1)
