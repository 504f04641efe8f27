"""Beat's heartbeat, for ``/healthz/`` (decision 0016)."""

from __future__ import annotations

from celery import shared_task

from common.health import record_heartbeat


@shared_task(name="common.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> None:
    """Beat, every minute: proves beat schedules and a worker runs the ``default`` queue."""
    record_heartbeat()
