"""Thin Celery wrappers for the waitlist: the work lives in ``waitlist.services``."""

from __future__ import annotations

from celery import shared_task

from waitlist.services import waitlist_expire_past


@shared_task(name="waitlist.tasks.expire_past_entries", ignore_result=True)
def expire_past_entries() -> int:
    """Entries whose dates have passed leave the list (decision 0022)."""
    return waitlist_expire_past()
