"""Thin Celery wrappers: the work and its rules live in ``clinic.messaging.services``."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from clinic.messaging import services

# Rows claimed (and sent over one SMTP connection) at a time: small enough that a
# batch is sent long before the sending timeout, large enough that the claim's cost
# is shared.
SEND_BATCH_SIZE = 25
# A sender stops claiming after this long and leaves a successor if work remains, so
# one task never nears its time limit and the queue's other tasks get a turn.
SEND_BUDGET_SECONDS = 60.0


@shared_task(name="aftercare.tasks.send_message", ignore_result=True)
def send_message(message_id: int) -> str:
    """Send one outgoing message (routed to the ``email`` queue by CELERY_TASK_ROUTES).

    Safe to run twice or concurrently for one id: the claim lets exactly one through.
    """
    return services.message_send(message_id=message_id)


@shared_task(name="aftercare.tasks.send_due_messages", ignore_result=True)
def send_due_messages() -> int:
    """Claim and send due messages until none is due (the ``email`` queue).

    Any number may run at once; they share the work row by row. One that runs out of
    its time budget while messages are still due enqueues its successor.
    """
    result = services.messages_send_due(
        batch_size=SEND_BATCH_SIZE, budget_seconds=SEND_BUDGET_SECONDS
    )
    if result.more:
        send_due_messages.apply_async(expires=settings.MESSAGE_SEND_TASK_EXPIRES)
    return result.claimed


@shared_task(name="aftercare.tasks.sweep_due_messages", ignore_result=True)
def sweep_due_messages() -> int:
    """Beat, every minute: hand back lost rows and start the senders if anything is due."""
    return services.messages_sweep()
