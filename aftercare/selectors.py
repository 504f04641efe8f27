"""Reads for aftercare schedules, always scoped to one clinic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from aftercare import timeline
from aftercare.keys import dedupe_key_for
from aftercare.models import AftercareSchedule
from clinic.messaging.models import OutgoingMessage
from clinic.models import Clinic
from common.errors import NotFound


@dataclass(frozen=True)
class TimelineRow:
    """One timeline entry with what became of it, for the pages, the PDF and the API."""

    entry: timeline.Entry
    message: OutgoingMessage | None
    done: bool  # its time has come

    @property
    def status(self) -> str:
        """The message's status; ``not_emailed`` for entries shown but never e-mailed."""
        return self.message.status if self.message is not None else "not_emailed"

    @property
    def channel(self) -> str | None:
        return self.message.channel if self.message is not None else None


def schedule_rows(*, schedule: AftercareSchedule, now: datetime | None = None) -> list[TimelineRow]:
    """The session's timeline, each entry with its message (one query for the messages)."""
    at = now if now is not None else timezone.now()
    messages = {
        m.dedupe_key: m for m in OutgoingMessage.objects.filter(session_id=schedule.session_id)
    }
    return [
        TimelineRow(
            entry=entry,
            message=messages.get(dedupe_key_for(schedule.session_id, entry.code)),
            done=entry.due_at <= at,
        )
        for entry in schedule.entries()
    ]


def schedule_for_session(*, clinic: Clinic, session_id: object) -> AftercareSchedule:
    """The aftercare schedule of the clinic's session, or NotFound."""
    try:
        pk = int(str(session_id))
    except (TypeError, ValueError):
        raise NotFound("No such session.") from None
    if not 0 < pk < 2**63:
        raise NotFound("No such session.")
    schedule = (
        AftercareSchedule.objects.select_related("template", "clinic", "client", "session")
        .filter(clinic=clinic, session_id=pk)
        .first()
    )
    if schedule is None:
        raise NotFound("This session has no aftercare schedule (it is not signed).")
    return schedule
