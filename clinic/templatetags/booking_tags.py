"""Booking's parts of pages owned by lower layers: today's list, a client's appointments.

The dashboard and the client page belong to ``clinic``, which sits below booking; they
compose booking's sections through these tags instead of importing booking.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template import Context
from django.utils import timezone

from clinic.booking import selectors as booking_selectors
from clinic.booking.decision import appointment_decision
from clinic.booking.models import Appointment, AppointmentStatus
from common.audit import audit_listed

register = template.Library()


@register.simple_tag
def setup_remaining(clinic: Any) -> int:
    """How many first-run setup items the clinic still has to do (the banner on Today)."""
    from clinic.booking.setup import setup_remaining as remaining

    return remaining(clinic=clinic)


@register.simple_tag(takes_context=True)
def today_appointments(context: Context, clinic: Any) -> list[Appointment]:
    """Today's appointments at the clinic (local day), cancelled ones left out.

    Each treatment still to come carries ``decision`` (``booking.decision``): what stops
    it or is still missing before the session, for reception to sort out ahead of time.
    Each one shown is an audited read (one write for the list), by the page's user.
    """
    today = clinic.local_today()
    appointments = list(
        booking_selectors.appointment_list(clinic=clinic, on_date=today)
        .exclude(status=AppointmentStatus.CANCELLED)
        # An online request nobody confirmed in time holds nothing (decision 0021).
        .exclude(status=AppointmentStatus.HELD, hold_expires_at__lte=timezone.now())
        .select_related("treatment_plan")
    )
    for appointment in appointments:
        # read by the template only; Today has no other use for it
        appointment.decision = appointment_decision(  # type: ignore[attr-defined]
            appointment=appointment, today=today
        )
    request = context.get("request")
    audit_listed(
        actor=getattr(request, "user", None),
        object_type="appointment",
        rows=appointments,
        clinic_id=clinic.pk,
        detail={"view": "today"},
    )
    return appointments


@register.simple_tag
def client_appointments(client: Any, limit: int = 20) -> list[Appointment]:
    """The client's appointments, newest first (the client page audits the read)."""
    return list(
        booking_selectors.appointment_list(clinic=client.clinic, client_id=client.pk).order_by(
            "-start"
        )[:limit]
    )
