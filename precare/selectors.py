"""Reads for preparation schedules, always scoped to one clinic."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from clinic.booking.models import Appointment
from clinic.booking.selectors import appointment_get
from clinic.messaging.models import OutgoingMessage
from clinic.models import Clinic
from precare import timeline
from precare.keys import dedupe_key_for
from precare.models import PrecareSchedule

#: A moment whose time had passed when the booking was made: never e-mailed.
NOT_SENT_PAST = "not_sent_past"


@dataclass(frozen=True)
class PrecareRow:
    """One preparation moment with what became of its e-mail."""

    entry: timeline.Entry
    message: OutgoingMessage | None
    done: bool

    @property
    def kind(self) -> str:
        return self.entry.item.kind

    @property
    def due_at(self) -> datetime:
        return self.entry.due_at

    @property
    def status(self) -> str:
        if self.message is not None:
            return str(self.message.status)
        return NOT_SENT_PAST if self.entry.past_at_planning else "not_scheduled"

    @property
    def channel(self) -> str | None:
        return self.message.channel if self.message is not None else None


def precare_rows(*, schedule: PrecareSchedule, now: datetime | None = None) -> list[PrecareRow]:
    """The schedule's moments as last planned, each with its message (one query)."""
    at = now if now is not None else timezone.now()
    messages = {
        m.dedupe_key: m
        for m in OutgoingMessage.objects.filter(
            appointment_id=schedule.appointment_id, kind__in=list(timeline.PRECARE_KINDS)
        )
    }
    return [
        PrecareRow(
            entry=entry,
            message=messages.get(
                dedupe_key_for(schedule.appointment_id, schedule.sequence, entry.code)
            ),
            done=entry.due_at <= at,
        )
        for entry in schedule.entries()
    ]


def precare_for_appointment(
    *, clinic: Clinic, appointment_id: object
) -> tuple[Appointment, PrecareSchedule | None]:
    """The clinic's appointment and its preparation (None for a consultation); NotFound else."""
    appointment = appointment_get(clinic=clinic, appointment_id=appointment_id)
    schedule = (
        PrecareSchedule.objects.select_related(
            "template", "clinic", "client", "appointment__practitioner"
        )
        .filter(clinic=clinic, appointment=appointment)
        .first()
    )
    return appointment, schedule
