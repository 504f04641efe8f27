"""The one call from booking up to a higher package: a changed appointment plans its preparation.

Booking, rescheduling or cancelling a treatment must plan (or cancel) the client's
preparation messages in the same transaction. The preparation package sits above
booking, so booking cannot import it. Instead ``PrecareConfig.ready`` hands its handler
to :func:`on_appointment_changed`, and booking's services call
:func:`appointment_changed` inside their transaction. There is exactly one handler;
changing an appointment with none registered is an error, never a silent skip.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from clinic.booking.models import Appointment

#: Called with the saved appointment and the event (``booked``, ``rescheduled``,
#: ``cancelled``), inside the booking transaction.
AppointmentChangedHandler = Callable[["Appointment", str], None]

_handler: AppointmentChangedHandler | None = None


def on_appointment_changed(handler: AppointmentChangedHandler) -> None:
    """Register what a changed appointment starts (the preparation app does, once)."""
    global _handler
    _handler = handler


def appointment_changed(appointment: Appointment, event: str) -> None:
    """Run the registered handler; raise if there is none."""
    if _handler is None:
        raise ImproperlyConfigured(
            "Nothing handles changed appointments: is the precare app installed and loaded?"
        )
    _handler(appointment, event)


#: The appointment's readiness check as ``/api/appointments/{id}/`` shows it
#: (``{"status", "screening", "outcome", "findings"}``), read from the preparation app.
AppointmentReadinessReader = Callable[["Appointment"], dict[str, Any]]

_readiness_reader: AppointmentReadinessReader | None = None


def on_appointment_readiness(reader: AppointmentReadinessReader) -> None:
    """Register where an appointment's readiness comes from (the preparation app, once)."""
    global _readiness_reader
    _readiness_reader = reader


def appointment_readiness(appointment: Appointment) -> dict[str, Any]:
    """The registered reader's answer; raise if there is none."""
    if _readiness_reader is None:
        raise ImproperlyConfigured(
            "Nothing reads an appointment's readiness: is the precare app installed and loaded?"
        )
    return _readiness_reader(appointment)


#: Called with an appointment whose time became free (an online hold expired, an
#: appointment was cancelled), inside that transaction. The place for the waitlist to
#: offer the time to the next client (decision 0021); none registered is allowed: a
#: clinic without a waitlist simply has a free slot.
SlotFreedHandler = Callable[["Appointment"], None]

_slot_freed: list[SlotFreedHandler] = []


def on_slot_freed(handler: SlotFreedHandler) -> None:
    """Register what a freed slot starts (the waitlist)."""
    if handler not in _slot_freed:
        _slot_freed.append(handler)


def slot_freed(appointment: Appointment) -> None:
    for handler in _slot_freed:
        handler(appointment)


#: Called with a held appointment the client has just confirmed (now booked), inside
#: that transaction: the waitlist marks its offer taken. None registered is allowed.
HoldConfirmedHandler = Callable[["Appointment"], None]

_hold_confirmed: list[HoldConfirmedHandler] = []


def on_hold_confirmed(handler: HoldConfirmedHandler) -> None:
    """Register what a confirmed hold starts (the waitlist)."""
    if handler not in _hold_confirmed:
        _hold_confirmed.append(handler)


def hold_confirmed(appointment: Appointment) -> None:
    for handler in _hold_confirmed:
        handler(appointment)
