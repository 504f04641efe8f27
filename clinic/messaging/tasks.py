"""Thin Celery wrappers: the work and its rules live in ``clinic.messaging.services``."""

from __future__ import annotations

from celery import shared_task

from clinic.messaging import services

# A sweep hands out at most this many batches, so a backlog drains quickly without
# one sweep running for ever; the next sweep, a minute later, carries on.
SWEEP_BATCH_SIZE = 100


SWEEP_MAX_BATCHES = 10


@shared_task(name="aftercare.tasks.send_message", ignore_result=True)
def send_message(message_id: int) -> str:
    """Send one outgoing message (routed to the ``email`` queue by CELERY_TASK_ROUTES).

    Safe to run twice or concurrently for one id: the claim lets exactly one through.
    """
    return services.message_send(message_id=message_id)


@shared_task(name="aftercare.tasks.sweep_due_messages", ignore_result=True)
def sweep_due_messages() -> int:
    """Beat, every minute: hand the due messages to the ``email`` queue."""
    total = 0
    for _ in range(SWEEP_MAX_BATCHES):
        handed_out = services.messages_sweep(batch_size=SWEEP_BATCH_SIZE)
        total += handed_out
        if handed_out < SWEEP_BATCH_SIZE:
            break
    return total
