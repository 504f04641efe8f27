"""Online booking by clients (decision 0021): the public page's reads and writes.

No login anywhere: the clinic's public page offers consultations to new clients; a
signed link (``links.py``) lets a client confirm, move or cancel their booking, or book
the next session of their course. Everything here is scoped to the clinic the slug or
the link names, and nothing here tells one client anything about another: the answer to
a booking request is the same whether the e-mail belongs to a client or not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from clinic.booking import links
from clinic.booking.decision import treatment_decisions
from clinic.booking.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    BookingLink,
    Device,
    Practitioner,
    Room,
)
from clinic.booking.selectors import (
    availability_search,
    device_list,
    practitioner_list,
    room_list,
)
from clinic.booking.services import (
    BookingRequest,
    SlotUnavailable,
    appointment_cancel,
    appointment_confirm_hold,
    appointment_hold,
    appointment_reschedule,
)
from clinic.messaging.services import message_schedule
from clinic.models import Client, Clinic
from common.audit import audit_record
from common.errors import ApplicationError, Conflict, NotFound
from treatments.screening.selectors import screening_valid_until

#: How far ahead the public page searches, and how many days one search may span.
SEARCH_AHEAD_DAYS = 90
SEARCH_SPAN_DAYS = 14

#: The one answer to a booking request, whoever's e-mail it names (no enumeration).
REQUEST_ANSWER = (
    "Thank you. We have sent an e-mail to the address you gave, with a link to confirm "
    "your booking. The time is held for you for {minutes} minutes; if it is not confirmed "
    "by then, it is released."
)


#: Why a date is not offered when the client's health answers need updating first.
SCREENING_TOO_OLD = (
    "Your health questions need updating before this date (answers are valid for "
    f"{settings.CLINIC_SCREENING_VALID_DAYS} days)."
)


class RateLimited(ApplicationError):
    status_code = 429
    code = "rate_limited"


class InsideNotice(Conflict):
    code = "inside_notice_period"


# --- the clinic ----------------------------------------------------------------------


def portal_clinic(*, slug: str) -> Clinic:
    """The clinic whose public page this is: an unknown slug and a clinic without online
    booking give the same 404."""
    clinic = Clinic.objects.filter(slug=slug, portal_enabled=True).first() if slug else None
    if clinic is None:
        raise NotFound("No such booking page.")
    return clinic


def portal_services(*, clinic: Clinic) -> list[dict[str, Any]]:
    """What may be booked online (``GET /api/portal/{slug}/services/``)."""
    out: list[dict[str, Any]] = [
        {
            "kind": AppointmentKind.CONSULTATION.value,
            "name": "Consultation",
            "duration_minutes": clinic.portal_consultation_minutes,
            "who": "new clients",
            "needs_link": False,
        }
    ]
    if clinic.portal_treatments:
        out.append(
            {
                "kind": AppointmentKind.TREATMENT.value,
                "name": "Next session of your course",
                "duration_minutes": clinic.portal_treatment_minutes,
                "who": "clients with a course: use the link in the clinic's e-mail",
                "needs_link": True,
            }
        )
    return out


# --- slots -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicSlot:
    start: datetime
    end: datetime
    practitioner: Practitioner
    room_id: int | None
    device_id: int | None

    def to_dict(self, *, show_names: bool) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "practitioner": str(self.practitioner) if show_names else None,
            "practitioner_id": self.practitioner.pk if show_names else None,
        }


def _duration(clinic: Clinic, kind: str) -> timedelta:
    minutes = (
        clinic.portal_treatment_minutes
        if kind == AppointmentKind.TREATMENT
        else clinic.portal_consultation_minutes
    )
    return timedelta(minutes=minutes)


def check_range(clinic: Clinic, date_from: date, date_to: date) -> None:
    today = clinic.local_today()
    if date_to < date_from:
        raise ApplicationError(
            "date_to is before date_from.", fields={"date_to": ["Must not be before date_from."]}
        )
    if date_from < today:
        raise ApplicationError(
            "That date has passed.", fields={"date_from": ["Choose today or a later date."]}
        )
    if (date_to - date_from).days >= SEARCH_SPAN_DAYS:
        raise ApplicationError(
            f"Search at most {SEARCH_SPAN_DAYS} days at a time.",
            fields={"date_to": [f"At most {SEARCH_SPAN_DAYS} days after date_from."]},
        )
    if date_to > today + timedelta(days=SEARCH_AHEAD_DAYS):
        raise ApplicationError(
            f"Online booking opens {SEARCH_AHEAD_DAYS} days ahead.",
            fields={"date_to": [f"At most {SEARCH_AHEAD_DAYS} days from today."]},
        )


def _treatment_device(clinic: Clinic, appointment: Appointment | None) -> Device | None:
    if appointment is not None and appointment.device is not None:
        return appointment.device
    return device_list(clinic=clinic).filter(is_active=True).order_by("id").first()


def portal_slots(
    *,
    clinic: Clinic,
    kind: str,
    date_from: date,
    date_to: date,
    practitioner_id: int | None = None,
    device: Device | None = None,
) -> list[PublicSlot]:
    """Free times from the staff availability search (working hours, time off, rooms,
    device and its clean-up, other appointments and unexpired holds), over every bookable
    practitioner. Without practitioners' names, one slot per start time."""
    check_range(clinic, date_from, date_to)
    duration = _duration(clinic, kind)
    practitioners = practitioner_list(clinic=clinic).filter(is_bookable=True)
    if practitioner_id is not None:
        practitioners = practitioners.filter(pk=practitioner_id)
    if kind == AppointmentKind.TREATMENT and device is None:
        device = _treatment_device(clinic, None)
        if device is None:
            return []
    slots: list[PublicSlot] = []
    for practitioner in practitioners:
        for free in availability_search(
            clinic=clinic,
            practitioner=practitioner,
            date_from=date_from,
            date_to=date_to,
            duration=duration,
            device=device if kind == AppointmentKind.TREATMENT else None,
        ):
            slots.append(
                PublicSlot(free.start, free.end, practitioner, free.room_id, free.device_id)
            )
    slots.sort(key=lambda s: (s.start, s.practitioner.display_name, s.practitioner.pk))
    if clinic.portal_show_practitioners:
        return slots
    first_at: dict[datetime, PublicSlot] = {}
    for public in slots:
        first_at.setdefault(public.start, public)
    return list(first_at.values())


def _slot_at(
    clinic: Clinic,
    kind: str,
    start: datetime,
    practitioner_id: int | None,
    device: Device | None = None,
) -> PublicSlot:
    day = start.astimezone(clinic.zone).date()
    for slot in portal_slots(
        clinic=clinic,
        kind=kind,
        date_from=day,
        date_to=day,
        practitioner_id=practitioner_id,
        device=device,
    ):
        if slot.start == start:
            return slot
    raise SlotUnavailable("That time is no longer free; choose another.", extra={"taken": ["slot"]})


def _room(clinic: Clinic, slot: PublicSlot) -> Room:
    return room_list(clinic=clinic).get(pk=slot.room_id or 0)


# --- abuse: rate limits --------------------------------------------------------------


def _count(key: str, window: int) -> int:
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def rate_check(*, address: str | None, email: str) -> None:
    """At most PORTAL_REQUESTS_PER_ADDRESS requests an hour from one address and
    PORTAL_REQUESTS_PER_EMAIL for one e-mail (known to us or not: the same limit)."""
    window = 3600
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    over_address = (
        address is not None
        and _count(f"portal:addr:{address}", window) > settings.PORTAL_REQUESTS_PER_ADDRESS
    )
    over_email = _count(f"portal:email:{digest}", window) > settings.PORTAL_REQUESTS_PER_EMAIL
    if over_address or over_email:
        raise RateLimited(
            "Too many booking requests. Please wait an hour, or call the clinic.",
        )


# --- a new client's request -----------------------------------------------------------


@dataclass(frozen=True)
class RequestAnswer:
    detail: str
    hold_minutes: int


def _client_for(clinic: Clinic, data: dict[str, Any]) -> Client:
    """The clinic's client with this e-mail, or a new one. Either way the requester
    learns nothing: the link goes to the address on record, which is the address typed,
    so only its owner can confirm; a stranger's request lapses after the hold."""
    email = data["email"].strip().lower()
    existing = Client.objects.filter(clinic=clinic, email__iexact=email).order_by("id").first()
    if existing is not None:
        return existing
    client = Client(
        clinic=clinic,
        first_name=data["first_name"].strip(),
        last_name=data["last_name"].strip(),
        date_of_birth=data["date_of_birth"],
        email=email,
        phone=data.get("phone", "").strip(),
        # They asked for e-mails about this booking by giving the address to book.
        email_consent=True,
        notes="Added by an online booking request.",
    )
    client.full_clean()
    client.save()
    audit_record(
        actor=None,
        action="create",
        object_type="client",
        object_id=client.pk,
        clinic_id=clinic.pk,
        client_id=client.pk,
        detail={"fields": ["date_of_birth", "email", "first_name", "last_name", "phone"]},
        channel="link",
    )
    return client


@transaction.atomic
def portal_request(
    *,
    clinic: Clinic,
    data: dict[str, Any],
    address: str | None,
    honeypot: str = "",
) -> RequestAnswer:
    """A new client asks for a consultation: the slot is held and a link to confirm it
    is e-mailed. A filled-in honeypot gets the same answer and nothing is done."""
    answer = RequestAnswer(
        REQUEST_ANSWER.format(minutes=clinic.portal_hold_minutes), clinic.portal_hold_minutes
    )
    practitioner_id = data.get("practitioner")
    if practitioner_id is not None:
        # Another clinic's practitioner reads like one that does not exist (0009).
        if (
            not practitioner_list(clinic=clinic)
            .filter(pk=practitioner_id, is_bookable=True)
            .exists()
        ):
            raise ApplicationError(
                "The practitioner is not valid.",
                fields={"practitioner": ["No such practitioner."]},
            )
        if not clinic.portal_show_practitioners:
            practitioner_id = None  # names (and ids) are not shown: any free one
    rate_check(address=address, email=data["email"])
    if honeypot.strip():
        return answer
    start: datetime = data["start"]
    slot = _slot_at(clinic, AppointmentKind.CONSULTATION, start, practitioner_id)
    client = _client_for(clinic, data)
    room = _room(clinic, slot)
    hold = appointment_hold(
        clinic=clinic,
        request=BookingRequest(
            client=client,
            practitioner=slot.practitioner,
            room=room,
            device=None,
            start=slot.start,
            end=slot.end,
            kind=AppointmentKind.CONSULTATION,
            notes="Requested online.",
        ),
        until=timezone.now() + timedelta(minutes=clinic.portal_hold_minutes),
    )
    link = links.link_for_appointment(hold)
    message_schedule(
        clinic=clinic,
        client=client,
        kind="portal_request",
        due_at=timezone.now(),
        dedupe_key=f"portal-request:{hold.pk}",
        context={"appointment_id": hold.pk, "link_id": link.pk},
        appointment_id=hold.pk,
        send_now=True,
    )
    return answer


# --- the client's link: see, confirm, move, cancel -------------------------------------


def notice_ends(appointment: Appointment) -> datetime:
    """Until when the client may change the appointment online."""
    return appointment.start - timedelta(hours=appointment.clinic.portal_notice_hours)


def earliest_online_change(clinic: Clinic, now: datetime | None = None) -> datetime:
    """The soonest start a client may move to online: the notice applies to the new
    time as well, so a moved appointment can still be changed by the same rule."""
    return (now or timezone.now()) + timedelta(hours=clinic.portal_notice_hours)


def can_change_online(appointment: Appointment, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return appointment.status == AppointmentStatus.HELD or now < notice_ends(appointment)


def _inside_notice(appointment: Appointment) -> InsideNotice:
    clinic = appointment.clinic
    call = f" on {clinic.phone}" if clinic.phone else ""
    return InsideNotice(
        f"Your appointment is less than {clinic.portal_notice_hours} hours away, so it "
        f"can no longer be changed online. Please call {clinic.name}{call}."
    )


def link_viewed(*, link: BookingLink) -> None:
    audit_record(
        actor=None,
        action="read",
        object_type="booking_link",
        object_id=link.pk,
        clinic_id=link.clinic_id,
        client_id=link.client_id,
        channel="link",
    )


def _appointment_of(link: BookingLink) -> Appointment:
    if link.appointment is None:
        raise Conflict("This link books a course session; choose a time first.")
    return link.appointment


@transaction.atomic
def portal_confirm(*, link: BookingLink) -> Appointment:
    return appointment_confirm_hold(appointment=_appointment_of(link))


@transaction.atomic
def portal_reschedule(
    *, link: BookingLink, start: datetime, practitioner_id: int | None = None
) -> Appointment:
    """Move to another free time, inside the notice policy; the gates run again (the
    booking service's), the .ics keeps its UID with a higher SEQUENCE, the preparation
    is planned again, and the audit says the client did it."""
    appointment = _appointment_of(link)
    if appointment.status != AppointmentStatus.BOOKED:
        raise Conflict(
            "Confirm the booking first, from the link in your e-mail.", code="not_confirmed"
        )
    if not can_change_online(appointment):
        raise _inside_notice(appointment)
    if start == appointment.start:
        return appointment
    if start < earliest_online_change(link.clinic):
        raise InsideNotice(
            f"Choose a time at least {link.clinic.portal_notice_hours} hours ahead; for a "
            f"sooner one, please call {link.clinic.name}"
            + (f" on {link.clinic.phone}." if link.clinic.phone else ".")
        )
    slot = _slot_at(
        link.clinic,
        appointment.kind,
        start,
        practitioner_id if link.clinic.portal_show_practitioners else None,
        device=appointment.device,
    )
    room = _room(link.clinic, slot)
    return appointment_reschedule(
        appointment=appointment,
        actor=None,
        changes={
            "start": slot.start,
            "end": slot.end,
            "practitioner": slot.practitioner,
            "room": room,
        },
    )


@transaction.atomic
def portal_cancel(*, link: BookingLink) -> Appointment:
    appointment = _appointment_of(link)
    if not can_change_online(appointment):
        raise _inside_notice(appointment)
    return appointment_cancel(
        appointment=appointment, actor=None, reason="Cancelled by the client online."
    )


# --- a returning client's next session ---------------------------------------------


def course_slots(
    *, link: BookingLink, date_from: date, date_to: date
) -> tuple[list[PublicSlot], dict[date, str]]:
    """Free treatment times for the link's course, on dates the one booking decision
    accepts; the refused dates with their reason (first blocking finding)."""
    plan = link.treatment_plan
    clinic = link.clinic
    slots = portal_slots(
        clinic=clinic, kind=AppointmentKind.TREATMENT, date_from=date_from, date_to=date_to
    )
    days = sorted({s.start.astimezone(clinic.zone).date() for s in slots})
    decisions = treatment_decisions(client=link.client, dates=days, plan=plan)
    refused = {day: d.reason for day, d in decisions.items() if not d.bookable}
    for day, decided in decisions.items():
        screening = decided.eligibility.screening
        if day not in refused and screening is not None and screening_valid_until(screening) < day:
            # Accepted today, but the answers will be older than their validity on the
            # day: the client brings them up to date first (issue 14).
            refused[day] = SCREENING_TOO_OLD
        elif day in refused and screening is None:
            refused[day] = SCREENING_TOO_OLD
    return [s for s in slots if s.start.astimezone(clinic.zone).date() not in refused], refused


@transaction.atomic
def portal_book_course(*, link: BookingLink, start: datetime) -> Appointment:
    """Hold the next session of the link's course (the booking service's gates), to be
    confirmed like any request; the new appointment gets its own link by e-mail."""
    clinic = link.clinic
    if link.treatment_plan is None or not clinic.portal_treatments:
        raise NotFound("No such booking page.")
    slot = _slot_at(clinic, AppointmentKind.TREATMENT, start, None)
    room = _room(clinic, slot)
    device = device_list(clinic=clinic).get(pk=slot.device_id or 0)
    hold = appointment_hold(
        clinic=clinic,
        request=BookingRequest(
            client=link.client,
            practitioner=slot.practitioner,
            room=room,
            device=device,
            start=slot.start,
            end=slot.end,
            kind=AppointmentKind.TREATMENT,
            treatment_plan=link.treatment_plan,
            notes="Requested online.",
        ),
        until=timezone.now() + timedelta(minutes=clinic.portal_hold_minutes),
    )
    new_link = links.link_for_appointment(hold)
    message_schedule(
        clinic=clinic,
        client=link.client,
        kind="portal_request",
        due_at=timezone.now(),
        dedupe_key=f"portal-request:{hold.pk}",
        context={"appointment_id": hold.pk, "link_id": new_link.pk},
        appointment_id=hold.pk,
        send_now=True,
    )
    return hold


def course_link_for(*, plan: Any) -> BookingLink:
    """The link the next-session invitation carries (made once per course)."""
    link = (
        BookingLink.objects.filter(treatment_plan=plan, revoked_at__isnull=True)
        .order_by("-id")
        .first()
    )
    if link is None:
        link = BookingLink.objects.create(
            clinic_id=plan.clinic_id, client_id=plan.client_id, treatment_plan=plan
        )
    return link
