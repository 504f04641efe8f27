"""A client's signed booking link (decision 0021).

The token is ``Signer(salt="booking.link")`` over a :class:`BookingLink` row's id only
(the pattern of the readiness link, decision 0018): the row is what can be revoked and
what the audit names; the token itself is never stored. A link opens while what it names
is still ahead: a held request until its hold expires, a booked appointment until it
starts, a course while it is active.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from clinic.booking.models import Appointment, AppointmentStatus, BookingLink
from clinic.messaging.links import BadLink, absolute

SALT = "booking.link"

#: Statuses in which an appointment's link still opens.
OPEN_STATUSES = (AppointmentStatus.HELD, AppointmentStatus.BOOKED)


def link_for_appointment(appointment: Appointment) -> BookingLink:
    """The appointment's link (made once; a revoked one is replaced)."""
    link = (
        BookingLink.objects.filter(appointment=appointment, revoked_at__isnull=True)
        .order_by("-id")
        .first()
    )
    if link is None:
        link = BookingLink.objects.create(
            clinic_id=appointment.clinic_id,
            client_id=appointment.client_id,
            appointment=appointment,
        )
    return link


def token_for(link: BookingLink) -> str:
    return signing.Signer(salt=SALT).sign(str(link.pk))


def manage_url(link: BookingLink) -> str:
    """The client's page for the link (see, confirm, move or cancel)."""
    return absolute(reverse("portal-manage", args=[token_for(link)]))


def appointment_manage_url(appointment: Appointment) -> str | None:
    """The link a booking e-mail carries, or None when the clinic has no online booking
    or the appointment is no longer one a client can change."""
    if not appointment.clinic.portal_enabled or appointment.status not in OPEN_STATUSES:
        return None
    if appointment.start <= timezone.now():
        return None
    return manage_url(link_for_appointment(appointment))


def _bad(reason: str, link_id: int, *, expired: bool = False) -> BadLink:
    error = BadLink(reason, expired=expired)
    error.link_id = link_id  # type: ignore[attr-defined]
    return error


def link_from_token(token: str) -> BookingLink:
    """The link a token opens, or :class:`BadLink` (tampered, unknown, revoked, over).
    ``BadLink.link_id`` names the row when the signature was good."""
    try:
        link_id = int(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise BadLink("bad signature") from None
    link = (
        BookingLink.objects.select_related(
            "clinic",
            "client",
            "appointment",
            "appointment__practitioner",
            "treatment_plan",
        )
        .filter(pk=link_id)
        .first()
    )
    if link is None:
        raise _bad("no such link", link_id)
    if link.revoked_at is not None:
        raise _bad("revoked", link_id)
    if not link.clinic.portal_enabled:
        raise _bad("online booking is off", link_id)
    now = timezone.now()
    appointment = link.appointment
    if appointment is not None:
        if appointment.status not in OPEN_STATUSES:
            raise _bad("appointment not open", link_id)
        if appointment.status == AppointmentStatus.HELD and (
            appointment.hold_expires_at is None or appointment.hold_expires_at <= now
        ):
            raise _bad("hold expired", link_id, expired=True)
        if appointment.start <= now:
            raise _bad("appointment started", link_id, expired=True)
    elif link.treatment_plan is not None and link.treatment_plan.status != "active":
        raise _bad("course not active", link_id)
    return link
