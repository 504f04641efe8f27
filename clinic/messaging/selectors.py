"""Reads for outgoing messages, always scoped to one clinic."""

from __future__ import annotations

from django.db.models import QuerySet

from clinic.messaging.models import OutgoingMessage
from clinic.models import Clinic
from common.errors import NotFound


def message_list(
    *,
    clinic: Clinic,
    status: str | None = None,
    client_id: int | None = None,
    kind: str | None = None,
) -> QuerySet[OutgoingMessage]:
    """The clinic's outbox, newest due first."""
    qs = OutgoingMessage.objects.filter(clinic=clinic).select_related("client")
    if status:
        qs = qs.filter(status=status)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-due_at", "-id")


def message_get(*, clinic: Clinic, message_id: object) -> OutgoingMessage:
    """The clinic's message, or NotFound (also for another clinic's message)."""
    try:
        pk = int(str(message_id))
    except (TypeError, ValueError):
        raise NotFound("No such message.") from None
    if not 0 < pk < 2**63:  # cannot exist, and SQLite cannot even compare it
        raise NotFound("No such message.")
    message = message_list(clinic=clinic).filter(pk=pk).first()
    if message is None:
        raise NotFound("No such message.")
    return message
