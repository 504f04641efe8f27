"""``/healthz/``: is every part a clinic depends on working? (decision 0016)

Each check answers a small dict: ``{"ok": bool, …numbers…}``. Nothing in an answer
names a host, an address, a credential or a client: the endpoint needs no login.
Checks of higher packages (the outbox) are registered by their app's ``ready()``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from common.models import Heartbeat

CheckResult = dict[str, Any]
Check = Callable[[], CheckResult]

#: The heartbeat beat stamps every minute (``common.tasks.beat_heartbeat``).
BEAT = "beat"


def check_database() -> CheckResult:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def check_broker() -> CheckResult:
    """The Celery broker: Redis answers PING, or the embedded broker's folder is writable."""
    url = getattr(settings, "REDIS_URL", "")
    if url:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            return {"ok": bool(client.ping())}
        finally:
            client.close()
    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", "")
    return {"ok": bool(folder) and os.access(str(folder), os.W_OK)}


def check_beat() -> CheckResult:
    """Beat's last heartbeat: beat schedules it and a worker on ``default`` runs it."""
    limit = timedelta(minutes=settings.HEALTH_MAX_BEAT_SILENCE_MINUTES)
    beat = Heartbeat.objects.filter(name=BEAT).first()
    if beat is None:
        return {"ok": False, "last_run": None}
    age = max(timezone.now() - beat.at, timedelta(0))
    return {
        "ok": age <= limit,
        "last_run": beat.at.isoformat(),
        "seconds_ago": int(age.total_seconds()),
    }


_CHECKS: dict[str, Check] = {
    "database": check_database,
    "broker": check_broker,
    "beat": check_beat,
}

#: ``?check=live``: only what the web process itself needs (the container's health
#: check; restarting ``web`` would not fix beat or a worker).
LIVE = ("database",)


def register(name: str, check: Check) -> None:
    """Add a check (an app's ``ready()``); registering a name again replaces it."""
    _CHECKS[name] = check


def run_checks(names: tuple[str, ...] | None = None) -> tuple[bool, dict[str, CheckResult]]:
    """Run the checks (all, or those named): (all passed, each one's answer)."""
    results: dict[str, CheckResult] = {}
    for name, check in _CHECKS.items():
        if names is not None and name not in names:
            continue
        try:
            results[name] = check()
        except Exception as exc:  # a failing dependency is an answer, never a 500
            # The exception's type only: its text may hold an address or a password.
            results[name] = {"ok": False, "error": type(exc).__name__}
    return all(result["ok"] for result in results.values()), results


def record_heartbeat(name: str = BEAT) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
