"""Client e-mails for appointments: booked, rescheduled, cancelled, each with an .ics.

They are outgoing-message rows (docs/decisions/0003) created in the booking's own
transaction, so a booking and its confirmation exist together or not at all. The
calendar file keeps the appointment's UID; SEQUENCE grows with every reschedule and the
cancellation, so calendar apps update the event instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from clinic.booking.links import appointment_manage_url, manage_url
from clinic.booking.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    BookingLink,
)
from clinic.messaging import kinds as messaging
from clinic.messaging.models import OutgoingMessage
from clinic.messaging.services import message_schedule, messages_cancel
from treatments.screening.intake import intake_url_for_booking

EVENTS = {
    "booked": "appointment_booked",
    "rescheduled": "appointment_rescheduled",
    "cancelled": "appointment_cancelled",
}


def appointment_notify(*, appointment: Appointment, event: str) -> None:
    """Schedule the client's e-mail about ``event``; call inside the booking transaction."""
    kind = EVENTS[event]
    # Earlier confirmations still waiting would now be wrong: cancel them first.
    messages_cancel(appointment_id=appointment.pk, reason=f"Superseded: appointment {event}.")
    message_schedule(
        clinic=appointment.clinic,
        client=appointment.client,
        kind=kind,
        due_at=timezone.now(),
        dedupe_key=f"appointment:{appointment.pk}:{event}:{appointment.sequence}",
        context={"appointment_id": appointment.pk, "sequence": appointment.sequence},
        appointment_id=appointment.pk,
        send_now=True,
    )


def _appointment(message: OutgoingMessage) -> Appointment | None:
    return (
        Appointment.objects.select_related("clinic", "client", "practitioner", "room")
        .filter(pk=message.context.get("appointment_id"), clinic_id=message.clinic_id)
        .first()
    )


def _still_wanted_active(message: OutgoingMessage) -> str | None:
    appointment = _appointment(message)
    if appointment is None:
        return "The appointment no longer exists."
    if appointment.status not in ACTIVE_STATUSES:
        return f"The appointment is {appointment.get_status_display().lower()}."
    if appointment.sequence != message.context.get("sequence"):
        return "The appointment changed again since; a newer e-mail replaces this one."
    return None


def _still_wanted_cancelled(message: OutgoingMessage) -> str | None:
    appointment = _appointment(message)
    if appointment is None:
        return "The appointment no longer exists."
    if appointment.status != AppointmentStatus.CANCELLED:
        return "The appointment is no longer cancelled."
    return None


def ics_for(appointment: Appointment, *, cancelled: bool = False) -> bytes:
    """A one-event iCalendar file (RFC 5545) for the appointment."""
    clinic = appointment.clinic
    calendar = Calendar()
    calendar.add("prodid", "-//Needlework//Clinic appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"{appointment.uid}@needlework")
    event.add("sequence", appointment.sequence)
    event.add("dtstamp", datetime.now(tz=UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("summary", f"{appointment.get_kind_display()} at {clinic.name}")
    event.add("location", vText(", ".join(clinic.address.splitlines()) or clinic.name))
    event.add(
        "description",
        f"With {appointment.practitioner}. Questions? {clinic.phone} or {clinic.email}.",
    )
    organizer = vCalAddress(f"mailto:{clinic.email}")
    organizer.params["cn"] = vText(clinic.name)
    event.add("organizer", organizer)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()


def first_booking(appointment: Appointment) -> bool:
    """No earlier appointment of the client was kept (all cancelled, or none at all)."""
    return not (
        Appointment.objects.filter(client_id=appointment.client_id, pk__lt=appointment.pk)
        .exclude(status=AppointmentStatus.CANCELLED)
        .exists()
    )


def _render(event: str):
    def render(message: OutgoingMessage) -> messaging.EmailContent:
        appointment = _appointment(message)
        if appointment is None:  # still_wanted stops this first; be safe anyway
            raise LookupError("appointment missing")
        local_start = appointment.start.astimezone(appointment.clinic.zone)
        local_end = appointment.end.astimezone(appointment.clinic.zone)
        context = {
            "event": event,
            "appointment": appointment,
            "clinic": appointment.clinic,
            "client": appointment.client,
            "local_start": local_start,
            "local_end": local_end,
            "site_domain": settings.SITE_DOMAIN,
            # Online intake (decision 0020): a new client with no screening in force
            # gets the link in their first booking confirmation.
            "intake_url": (
                intake_url_for_booking(appointment.client)
                if event == "booked" and first_booking(appointment)
                else None
            ),
            # Move or cancel online, within the clinic's notice (decision 0021).
            "manage_url": None if event == "cancelled" else appointment_manage_url(appointment),
            "notice_hours": appointment.clinic.portal_notice_hours,
        }
        logo, inline_images = messaging.clinic_logo_inline(appointment.clinic)
        context.update(logo)
        # Template filters convert aware datetimes to the *current* time zone: make
        # that the clinic's, or summer-time bookings would show in UTC.
        with timezone.override(appointment.clinic.zone):
            subject = " ".join(render_to_string("emails/appointment_subject.txt", context).split())
            text = render_to_string("emails/appointment.txt", context)
            html = render_to_string("emails/appointment.html", context)
        cancelled = event == "cancelled"
        return messaging.EmailContent(
            subject=subject,
            text=text,
            html=html,
            inline_images=inline_images,
            to=[appointment.client.email],
            attachments=[
                (
                    "appointment.ics",
                    ics_for(appointment, cancelled=cancelled),
                    "text/calendar; method=" + ("CANCEL" if cancelled else "REQUEST"),
                )
            ],
        )

    return render


# --- the link that confirms an online request (decision 0021) ------------------------


def _still_wanted_request(message: OutgoingMessage) -> str | None:
    appointment = _appointment(message)
    if appointment is None:
        return "The appointment no longer exists."
    if appointment.status != AppointmentStatus.HELD:
        return "The request is no longer waiting for confirmation."
    if appointment.hold_expires_at is None or appointment.hold_expires_at <= timezone.now():
        return "The request's hold has expired."
    return None


def _render_request(message: OutgoingMessage) -> messaging.EmailContent:
    appointment = _appointment(message)
    link = BookingLink.objects.filter(
        pk=message.context.get("link_id"), clinic_id=message.clinic_id
    ).first()
    if appointment is None or link is None:
        raise LookupError("request missing")
    clinic = appointment.clinic
    context = {
        "appointment": appointment,
        "clinic": clinic,
        "client": appointment.client,
        "local_start": appointment.start.astimezone(clinic.zone),
        "local_end": appointment.end.astimezone(clinic.zone),
        "hold_until": (appointment.hold_expires_at or timezone.now()).astimezone(clinic.zone),
        "confirm_url": manage_url(link),
        "show_names": clinic.portal_show_practitioners,
    }
    logo, inline_images = messaging.clinic_logo_inline(clinic)
    context.update(logo)
    with timezone.override(clinic.zone):
        subject = " ".join(render_to_string("emails/portal_request_subject.txt", context).split())
        text = render_to_string("emails/portal_request.txt", context)
        html = render_to_string("emails/portal_request.html", context)
    return messaging.EmailContent(
        subject=subject,
        text=text,
        html=html,
        inline_images=inline_images,
        to=[appointment.client.email],
    )


def register_kinds() -> None:
    messaging.register(
        messaging.MessageKind(
            name="portal_request",
            render=_render_request,
            still_wanted=_still_wanted_request,
            label="Online booking: confirm your request",
            requested=True,
            # Useless once the hold has expired; still_wanted says so sooner.
            max_lateness=timedelta(hours=1),
        )
    )
    messaging.register(
        messaging.MessageKind(
            name="appointment_booked",
            render=_render("booked"),
            still_wanted=_still_wanted_active,
            label="Booking confirmation",
        )
    )
    messaging.register(
        messaging.MessageKind(
            name="appointment_rescheduled",
            render=_render("rescheduled"),
            still_wanted=_still_wanted_active,
            label="Appointment moved",
        )
    )
    messaging.register(
        messaging.MessageKind(
            name="appointment_cancelled",
            render=_render("cancelled"),
            still_wanted=_still_wanted_cancelled,
            label="Appointment cancelled",
        )
    )
