"""Thin Celery wrappers for booking: the work lives in ``clinic.booking.services``."""

from __future__ import annotations

from celery import shared_task

from clinic.booking.services import holds_release_expired


@shared_task(name="clinic.booking.tasks.release_expired_holds", ignore_result=True)
def release_expired_holds() -> int:
    """Free the slots of online requests nobody confirmed in time (decision 0021)."""
    return holds_release_expired()
