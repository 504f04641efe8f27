"""The outbox's part of ``/healthz/``: how late is the oldest due, unsent message?"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from clinic.messaging.models import MessageStatus, OutgoingMessage


def outbox_lag() -> dict[str, Any]:
    """Due messages not yet sent, pending or in a worker's hands, and the oldest's lag.

    Beat's sweep hands due rows out every minute, so a healthy outbox lags by seconds;
    a growing lag means no beat, no worker on ``email``, or a mail server refusing.
    """
    now = timezone.now()
    oldest = None
    # One query per status, so each uses its partial index (outmsg_pending_due,
    # outmsg_sending_claimed).
    for status in (MessageStatus.PENDING, MessageStatus.SENDING):
        due = OutgoingMessage.objects.filter(status=status, due_at__lte=now).aggregate(
            oldest=Min("due_at")
        )["oldest"]
        if due is not None and (oldest is None or due < oldest):
            oldest = due
    lag = max(now - oldest, timedelta(0)) if oldest is not None else timedelta(0)
    limit = timedelta(minutes=settings.HEALTH_MAX_OUTBOX_LAG_MINUTES)
    return {"ok": lag <= limit, "lag_seconds": int(lag.total_seconds())}
