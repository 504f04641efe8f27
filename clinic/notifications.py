"""Client notifications for appointments (booking, reschedule, cancel).

Confirmations become outgoing-message rows in the booking's transaction once the
outgoing-message machinery is in place (docs/decisions/0003, 0004).
"""

from __future__ import annotations

from .models import Appointment


def appointment_notify(*, appointment: Appointment, event: str) -> None:
    return None
