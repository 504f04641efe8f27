"""Waitlist e-mails (decision 0022): your place on the list, and a freed time offered.

Both are ``requested`` kinds (the client asked to be on the list, a moment or a while
ago, by giving this address); both carry the link to leave the list.
"""

from __future__ import annotations

from datetime import timedelta

from django.template.loader import render_to_string
from django.utils import timezone

from clinic.booking.links import manage_url
from clinic.booking.models import AppointmentStatus
from clinic.messaging import kinds as messaging
from clinic.messaging.models import OutgoingMessage
from waitlist.links import OPEN_STATUSES, leave_url
from waitlist.models import OfferStatus, WaitlistEntry, WaitlistOffer


def _entry(message: OutgoingMessage) -> WaitlistEntry | None:
    return (
        WaitlistEntry.objects.select_related("clinic", "client", "practitioner")
        .filter(pk=message.context.get("entry_id"), clinic_id=message.clinic_id)
        .first()
    )


def _offer(message: OutgoingMessage) -> WaitlistOffer | None:
    return (
        WaitlistOffer.objects.select_related(
            "entry", "entry__client", "clinic", "appointment", "appointment__practitioner", "link"
        )
        .filter(pk=message.context.get("offer_id"), clinic_id=message.clinic_id)
        .first()
    )


def _still_wanted_joined(message: OutgoingMessage) -> str | None:
    entry = _entry(message)
    if entry is None or entry.status not in OPEN_STATUSES:
        return "The waitlist entry is no longer open."
    return None


def _still_wanted_offer(message: OutgoingMessage) -> str | None:
    offer = _offer(message)
    if offer is None or offer.status != OfferStatus.OPEN:
        return "The offer is no longer open."
    if offer.appointment.status != AppointmentStatus.HELD or offer.expires_at <= timezone.now():
        return "The offered time is no longer held."
    return None


def _render(name: str, context: dict, to: str) -> messaging.EmailContent:
    clinic = context["clinic"]
    logo, inline_images = messaging.clinic_logo_inline(clinic)
    context = {**context, **logo}
    with timezone.override(clinic.zone):
        subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
        text = render_to_string(f"emails/{name}.txt", context)
        html = render_to_string(f"emails/{name}.html", context)
    return messaging.EmailContent(
        subject=subject, text=text, html=html, inline_images=inline_images, to=[to]
    )


def _render_joined(message: OutgoingMessage) -> messaging.EmailContent:
    entry = _entry(message)
    if entry is None:
        raise LookupError("entry missing")
    clinic = entry.clinic
    context = {
        "entry": entry,
        "clinic": clinic,
        "client": entry.client,
        "leave_url": leave_url(entry),
        "show_names": clinic.portal_show_practitioners,
    }
    return _render("waitlist_joined", context, entry.client.email)


def _render_offer(message: OutgoingMessage) -> messaging.EmailContent:
    offer = _offer(message)
    if offer is None:
        raise LookupError("offer missing")
    clinic = offer.clinic
    appointment = offer.appointment
    context = {
        "offer": offer,
        "appointment": appointment,
        "clinic": clinic,
        "client": offer.entry.client,
        "local_start": appointment.start.astimezone(clinic.zone),
        "local_end": appointment.end.astimezone(clinic.zone),
        "hold_until": offer.expires_at.astimezone(clinic.zone),
        "confirm_url": manage_url(offer.link),
        "leave_url": leave_url(offer.entry),
        "show_names": clinic.portal_show_practitioners,
    }
    return _render("waitlist_offer", context, offer.entry.client.email)


def register_kinds() -> None:
    messaging.register(
        messaging.MessageKind(
            name="waitlist_joined",
            render=_render_joined,
            still_wanted=_still_wanted_joined,
            label="Waitlist: your place on the list",
            requested=True,
            max_lateness=timedelta(days=1),
        )
    )
    messaging.register(
        messaging.MessageKind(
            name="waitlist_offer",
            render=_render_offer,
            still_wanted=_still_wanted_offer,
            label="Waitlist: a time has come free",
            requested=True,
            # Useless once the offer's hold has passed; still_wanted says so sooner.
            max_lateness=timedelta(hours=24),
        )
    )
