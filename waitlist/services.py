"""Waitlist services (decision 0022): join, leave, offer a freed time, settle offers.

A freed time (a cancellation, an expired hold: ``clinic.booking.hooks.slot_freed``) is
offered, after the freeing transaction commits, to the oldest waiting entry for whom
the booking service would hold it: the same validation, working time, gates
(screening, deferrals, course interval, sign-off) and conflict checks as every booking.
The offer is a held appointment, so the database lets one freed slot become at most one
hold and one booking. When the hold expires or the client declines, the slot is freed
again and passes to the next entry.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from clinic.booking import links as booking_links
from clinic.booking.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Device,
    Practitioner,
    Room,
)
from clinic.booking.portal import portal_slots
from clinic.booking.selectors import device_list, room_list
from clinic.booking.services import (
    HOLD_EXPIRED_REASON,
    BookingRequest,
    SlotUnavailable,
    appointment_cancel,
    appointment_hold,
)
from clinic.messaging.services import message_schedule
from clinic.models import Client, Clinic, User
from common.audit import audit_record
from common.errors import ApplicationError, Conflict
from treatments.plans.models import TreatmentPlan
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer

#: How far ahead a client may wait (the public page's search horizon).
WAIT_AHEAD_DAYS = 90

DECLINED_REASON = "The client declined the waitlist offer."
LEFT_REASON = "The client left the waitlist."


def _audit(
    action: str, obj: WaitlistEntry | WaitlistOffer, actor: User | None, **detail: Any
) -> None:
    client_id = obj.client_id if isinstance(obj, WaitlistEntry) else obj.entry.client_id
    audit_record(
        actor=actor,
        action=action,
        object_type="waitlist_entry" if isinstance(obj, WaitlistEntry) else "waitlist_offer",
        object_id=obj.pk,
        clinic_id=obj.clinic_id,
        client_id=client_id,
        detail=detail,
        channel=None if actor is not None else "link",
    )


def check_dates(clinic: Clinic, date_from: date, date_to: date) -> None:
    today = clinic.local_today()
    if date_to < date_from:
        raise ApplicationError(
            "date_to is before date_from.", fields={"date_to": ["Must not be before date_from."]}
        )
    if date_to < today:
        raise ApplicationError(
            "Those dates have passed.", fields={"date_to": ["Choose today or a later date."]}
        )
    if date_to > today + timedelta(days=WAIT_AHEAD_DAYS):
        raise ApplicationError(
            f"The waitlist reaches {WAIT_AHEAD_DAYS} days ahead.",
            fields={"date_to": [f"At most {WAIT_AHEAD_DAYS} days from today."]},
        )


# --- joining and leaving ----------------------------------------------------------------


@transaction.atomic
def waitlist_join(
    *,
    clinic: Clinic,
    client: Client,
    kind: str,
    date_from: date,
    date_to: date,
    practitioner: Practitioner | None = None,
    treatment_plan: TreatmentPlan | None = None,
    actor: User | None = None,
) -> WaitlistEntry:
    """Put the client on the waitlist (the same wish twice is one entry) and e-mail
    them their place with the link to leave it."""
    check_dates(clinic, date_from, date_to)
    if kind == AppointmentKind.TREATMENT and treatment_plan is None:
        raise ApplicationError(
            "A treatment belongs to a course.",
            fields={"treatment_plan": ["Treatments are booked for a course."]},
        )
    date_from = max(date_from, clinic.local_today())
    same = WaitlistEntry.objects.filter(
        clinic=clinic,
        client=client,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        practitioner=practitioner,
        treatment_plan=treatment_plan,
        status__in=[EntryStatus.WAITING, EntryStatus.OFFERED],
    ).first()
    if same is not None:
        return same
    entry = WaitlistEntry.objects.create(
        clinic=clinic,
        client=client,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        practitioner=practitioner,
        treatment_plan=treatment_plan if kind == AppointmentKind.TREATMENT else None,
        created_by=actor,
    )
    _audit("create", entry, actor, kind=kind)
    message_schedule(
        clinic=clinic,
        client=client,
        kind="waitlist_joined",
        due_at=timezone.now(),
        dedupe_key=f"waitlist-joined:{entry.pk}",
        context={"entry_id": entry.pk},
        send_now=True,
    )
    return entry


@transaction.atomic
def waitlist_leave(*, entry: WaitlistEntry, actor: User | None = None) -> WaitlistEntry:
    """The client (by their link) or staff take the entry off the list; an open offer's
    hold is released and goes to the next client."""
    locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status not in (EntryStatus.WAITING, EntryStatus.OFFERED):
        return locked
    locked.status = EntryStatus.WITHDRAWN
    locked.save(update_fields=["status", "updated_at"])
    _audit("update", locked, actor, status=EntryStatus.WITHDRAWN.value)
    for offer in locked.offers.filter(status=OfferStatus.OPEN).select_related("appointment"):
        if offer.appointment.status == AppointmentStatus.HELD:
            appointment_cancel(
                appointment=offer.appointment,
                actor=actor,
                reason=LEFT_REASON,
                channel=None if actor is not None else "link",
            )
    return locked


@transaction.atomic
def waitlist_decline(*, entry: WaitlistEntry) -> WaitlistEntry:
    """The client declines the time offered (by their link): it goes to the next
    client, and they stay on the list for another time."""
    locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    for offer in locked.offers.filter(status=OfferStatus.OPEN).select_related("appointment"):
        if offer.appointment.status == AppointmentStatus.HELD:
            appointment_cancel(
                appointment=offer.appointment, actor=None, reason=DECLINED_REASON, channel="link"
            )
    locked.refresh_from_db()
    return locked


def waitlist_expire_past() -> int:
    """Waiting entries whose last date has passed on their clinic's wall clock become
    ``expired`` (the hourly beat task); returns how many."""
    expired = 0
    clinic_ids = (
        WaitlistEntry.objects.filter(status=EntryStatus.WAITING)
        .values_list("clinic_id", flat=True)
        .distinct()
    )
    for clinic in Clinic.objects.filter(pk__in=list(clinic_ids)):
        expired += WaitlistEntry.objects.filter(
            clinic=clinic, status=EntryStatus.WAITING, date_to__lt=clinic.local_today()
        ).update(status=EntryStatus.EXPIRED, updated_at=timezone.now())
    return expired


# --- the hooks: a freed time, a confirmed offer -------------------------------------------


def waitlist_on_slot_freed(appointment: Appointment) -> None:
    """Inside the freeing transaction: settle the offer this hold was, if any, and
    offer the time to the next entry once the transaction has committed (a failure
    there must never undo the cancellation)."""
    offer = (
        WaitlistOffer.objects.select_for_update()
        .filter(appointment_id=appointment.pk, status=OfferStatus.OPEN)
        .select_related("entry")
        .first()
    )
    if offer is not None:
        expired = appointment.cancel_reason == HOLD_EXPIRED_REASON
        offer.status = OfferStatus.EXPIRED if expired else OfferStatus.DECLINED
        offer.save(update_fields=["status", "updated_at"])
        _audit("update", offer, None, status=offer.status)
        entry = offer.entry
        if entry.status == EntryStatus.OFFERED:
            # Still waiting for another time (leaving the list is the other link).
            entry.status = EntryStatus.WAITING
            entry.save(update_fields=["status", "updated_at"])
    if not appointment.clinic.portal_enabled or appointment.start <= timezone.now():
        return
    freed_id = appointment.pk
    transaction.on_commit(lambda: offer_freed_slot(freed_id=freed_id), robust=True)


def waitlist_on_hold_confirmed(appointment: Appointment) -> None:
    """The client confirmed the held time: the offer and its entry are booked."""
    offer = (
        WaitlistOffer.objects.select_for_update()
        .filter(appointment_id=appointment.pk, status=OfferStatus.OPEN)
        .select_related("entry")
        .first()
    )
    if offer is None:
        return
    offer.status = OfferStatus.BOOKED
    offer.save(update_fields=["status", "updated_at"])
    WaitlistEntry.objects.filter(pk=offer.entry_id).update(
        status=EntryStatus.BOOKED, updated_at=timezone.now()
    )
    _audit("update", offer, None, status=OfferStatus.BOOKED.value)


# --- offering a time -------------------------------------------------------------------


def _device_for(clinic: Clinic, kind: str, device: Device | None) -> Device | None:
    if kind != AppointmentKind.TREATMENT:
        return None
    if device is not None and device.is_active:
        return device
    return device_list(clinic=clinic).filter(is_active=True).order_by("id").first()


def _duration(clinic: Clinic, kind: str) -> timedelta:
    minutes = (
        clinic.portal_treatment_minutes
        if kind == AppointmentKind.TREATMENT
        else clinic.portal_consultation_minutes
    )
    return timedelta(minutes=minutes)


def _offer(
    entry: WaitlistEntry,
    *,
    start: datetime,
    practitioner: Practitioner,
    room: Room,
    device: Device | None,
    actor: User | None,
) -> WaitlistOffer:
    """Hold the time for the entry's client (the booking service decides) and e-mail
    the offer. Raises the booking service's refusal."""
    clinic = entry.clinic
    now = timezone.now()
    expires_at = now + timedelta(minutes=clinic.portal_offer_hold_minutes)
    hold = appointment_hold(
        clinic=clinic,
        request=BookingRequest(
            client=entry.client,
            practitioner=practitioner,
            room=room,
            device=_device_for(clinic, entry.kind, device),
            start=start,
            end=start + _duration(clinic, entry.kind),
            kind=entry.kind,
            treatment_plan=entry.treatment_plan,
            notes="Offered from the waitlist.",
        ),
        until=expires_at,
    )
    link = booking_links.link_for_appointment(hold)
    offer = WaitlistOffer.objects.create(
        clinic=clinic,
        entry=entry,
        appointment=hold,
        link=link,
        expires_at=expires_at,
        offered_by=actor,
    )
    entry.status = EntryStatus.OFFERED
    entry.save(update_fields=["status", "updated_at"])
    _audit("create", offer, actor, by_hand=actor is not None)
    message_schedule(
        clinic=clinic,
        client=entry.client,
        kind="waitlist_offer",
        due_at=now,
        dedupe_key=f"waitlist-offer:{offer.pk}",
        context={"offer_id": offer.pk},
        appointment_id=hold.pk,
        send_now=True,
    )
    return offer


def _offered_this_slot(clinic: Clinic, start: datetime, practitioner_id: int) -> set[int]:
    """Entries already offered this very time (they declined it or let it pass)."""
    return set(
        WaitlistOffer.objects.filter(
            clinic=clinic,
            appointment__start=start,
            appointment__practitioner_id=practitioner_id,
        ).values_list("entry_id", flat=True)
    )


def waiting_for(*, clinic: Clinic, start: datetime, practitioner_id: int) -> list[WaitlistEntry]:
    """Waiting entries the time fits (their dates, their practitioner), oldest first."""
    day = start.astimezone(clinic.zone).date()
    return list(
        WaitlistEntry.objects.filter(
            clinic=clinic,
            status=EntryStatus.WAITING,
            date_from__lte=day,
            date_to__gte=day,
        )
        .filter(Q(practitioner__isnull=True) | Q(practitioner_id=practitioner_id))
        .select_related("client", "clinic", "treatment_plan")
        .order_by("created_at", "id")
    )


def offer_freed_slot(*, freed_id: int) -> WaitlistOffer | None:
    """Offer the time ``freed_id`` occupied to the first waiting entry for whom the
    booking service would hold it; None when no one fits (the time is simply free)."""
    freed = (
        Appointment.objects.select_related("clinic", "practitioner", "room", "device")
        .filter(pk=freed_id, status=AppointmentStatus.CANCELLED)
        .first()
    )
    if freed is None or not freed.clinic.portal_enabled or freed.start <= timezone.now():
        return None
    clinic = freed.clinic
    skip = _offered_this_slot(clinic, freed.start, freed.practitioner_id)
    for entry in waiting_for(
        clinic=clinic, start=freed.start, practitioner_id=freed.practitioner_id
    ):
        if entry.pk in skip or entry.client_id == freed.client_id:
            continue
        try:
            with transaction.atomic():
                locked = (
                    WaitlistEntry.objects.select_for_update()
                    .filter(pk=entry.pk, status=EntryStatus.WAITING)
                    .first()
                )
                if locked is None:
                    continue
                locked.client = entry.client
                locked.clinic = clinic
                return _offer(
                    locked,
                    start=freed.start,
                    practitioner=freed.practitioner,
                    room=freed.room,
                    device=freed.device,
                    actor=None,
                )
        except (ApplicationError, IntegrityError):
            # The gates refuse this client, or their kind's length does not fit here (the
            # practitioner's hours end, the next appointment): the next entry.
            continue
    return None


@transaction.atomic
def waitlist_offer_by_hand(
    *, entry: WaitlistEntry, actor: User, start: datetime, practitioner_id: int | None = None
) -> WaitlistOffer:
    """Staff offer a free time (from the public slot search) to a waiting entry."""
    locked = (
        WaitlistEntry.objects.select_for_update(of=("self",))
        .select_related("client", "clinic", "treatment_plan")
        .get(pk=entry.pk)
    )
    if locked.status != EntryStatus.WAITING:
        raise Conflict(
            f"This entry is {locked.get_status_display().lower()}; only a waiting entry "
            "can be offered a time.",
            code="not_waiting",
        )
    clinic = locked.clinic
    day = start.astimezone(clinic.zone).date()
    device = _device_for(clinic, locked.kind, None)
    for slot in portal_slots(
        clinic=clinic,
        kind=locked.kind,
        date_from=day,
        date_to=day,
        practitioner_id=practitioner_id or (locked.practitioner_id or None),
        device=device,
    ):
        if slot.start == start:
            room = room_list(clinic=clinic).get(pk=slot.room_id or 0)
            return _offer(
                locked,
                start=slot.start,
                practitioner=slot.practitioner,
                room=room,
                device=device,
                actor=actor,
            )
    raise SlotUnavailable("That time is no longer free; choose another.", extra={"taken": ["slot"]})
