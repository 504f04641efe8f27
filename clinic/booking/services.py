"""Booking services: appointments (book, reschedule, cancel, status changes).

Writes are one transaction each and audited. The database refuses double bookings
(migration 0003); the checks here name what is taken and serialise writers on SQLite.
Which status may follow which is the model's table (``STATUS_CHANGES``). Rooms, devices
and practitioners' hours are written by ``resource_services``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from clinic.booking import availability, hooks
from clinic.booking.decision import IntervalTooShort as IntervalTooShort  # re-exported
from clinic.booking.decision import treatment_decision
from clinic.booking.models import (
    BUSY_LOOKBACK,
    MAX_APPOINTMENT,
    Appointment,
    AppointmentKind,
    AppointmentSource,
    AppointmentStatus,
    Device,
    Practitioner,
    Room,
    occupying,
)
from clinic.booking.notifications import appointment_notify
from clinic.booking.selectors import appointment_list
from clinic.models import Client, Clinic, User
from common.audit import audit_record
from common.errors import ApplicationError, Conflict, NotFound
from treatments.plans.models import TreatmentPlan
from treatments.screening.models import Screening

CONSTRAINT_RESOURCE = {
    "appointment_practitioner_no_overlap": "practitioner",
    "appointment_room_no_overlap": "room",
    "appointment_device_no_overlap": "device",
}


class SlotUnavailable(Conflict):
    code = "slot_unavailable"


def audit(actor: User | None, action: str, obj: Model, clinic_id: int, **detail: Any) -> None:
    """One audit event for a booking write (field names in ``detail``, never values).

    Without an actor the client did it through their signed link (decision 0021): the
    event's channel is ``link`` and ``by`` says so; a task passes its own channel."""
    channel = detail.pop("channel", None)
    if actor is None:
        channel = channel or "link"
        detail.setdefault("by", "client" if channel == "link" else "system")
    audit_record(
        actor=actor,
        action=action,
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        clinic_id=clinic_id,
        client_id=getattr(obj, "client_id", None),
        detail=detail,
        channel=channel,
    )


@dataclass(frozen=True)
class BookingRequest:
    client: Client
    practitioner: Practitioner
    room: Room
    device: Device | None
    start: datetime
    end: datetime
    kind: str
    notes: str = ""
    #: The course this treatment belongs to; its interval applies (decision 0005).
    treatment_plan: TreatmentPlan | None = None


def _validate(clinic: Clinic, req: BookingRequest) -> None:
    fields: dict[str, list[str]] = {}
    if req.end <= req.start:
        fields["end"] = ["The end must be after the start."]
    elif req.end - req.start > MAX_APPOINTMENT:
        fields["end"] = ["An appointment lasts at most 8 hours."]
    if req.kind not in AppointmentKind.values:
        fields["kind"] = ["Choose consultation or treatment."]
    if req.kind == AppointmentKind.TREATMENT and req.device is None:
        fields["device"] = ["A treatment needs a device."]
    if not req.practitioner.is_bookable:
        fields["practitioner"] = ["This practitioner is not taking bookings."]
    if not req.room.is_active:
        fields["room"] = ["This room is not in use."]
    if req.device is not None and not req.device.is_active:
        fields["device"] = ["This device is out of service."]
    for name, obj in (
        ("client", req.client),
        ("practitioner", req.practitioner),
        ("room", req.room),
        ("device", req.device),
    ):
        if obj is not None and obj.clinic_id != clinic.pk:
            raise NotFound(f"No such {name}.")
    if fields:
        raise ApplicationError("The appointment is not valid.", fields=fields)


def _check_working_time(clinic: Clinic, req: BookingRequest) -> None:
    local_start = req.start.astimezone(clinic.zone)
    day = local_start.date()
    blocks = [b for b in req.practitioner.working_hours.all() if b.weekday == day.weekday()]
    inside = any(
        availability.local_to_utc(day, b.start, clinic.zone) <= req.start
        and req.end <= availability.local_to_utc(day, b.end, clinic.zone)
        for b in blocks
    )
    if not inside:
        raise SlotUnavailable(
            f"{req.practitioner} does not work at that time.",
            extra={"taken": ["practitioner"]},
        )
    off = req.practitioner.time_off.filter(start__lt=req.end, end__gt=req.start).first()
    if off is not None:
        raise SlotUnavailable(
            f"{req.practitioner} is away then ({off.reason or 'time off'}).",
            extra={"taken": ["practitioner"]},
        )


def _conflicts(req: BookingRequest, exclude_id: int | None) -> list[str]:
    # ``start`` is bounded on both sides (nothing that started BUSY_LOOKBACK earlier still
    # runs), so each check is a short range scan of its (resource, start) index.
    active = Appointment.objects.filter(
        occupying(timezone.now()), start__gt=req.start - BUSY_LOOKBACK
    )
    if exclude_id is not None:
        active = active.exclude(pk=exclude_id)
    taken = []
    if active.filter(practitioner=req.practitioner, start__lt=req.end, end__gt=req.start).exists():
        taken.append("practitioner")
    if active.filter(room=req.room, start__lt=req.end, end__gt=req.start).exists():
        taken.append("room")
    if req.device is not None:
        free_at = req.end + timedelta(minutes=req.device.cleanup_minutes)
        if active.filter(
            device=req.device, start__lt=free_at, device_free_at__gt=req.start
        ).exists():
            taken.append("device")
    return taken


def _slot_unavailable(req: BookingRequest, taken: list[str]) -> SlotUnavailable:
    names = {
        "practitioner": str(req.practitioner),
        "room": f"room {req.room}",
        "device": f"device {req.device} (including clean-up)",
    }
    what = ", ".join(names[t] for t in taken)
    return SlotUnavailable(f"That time is taken: {what} is already booked.", extra={"taken": taken})


def no_such_plan(client: Client) -> ApplicationError:
    """The one answer for a plan id that is not this client's: another client's, another
    clinic's or nobody's (decision 0009: it must not tell them apart)."""
    return ApplicationError(
        "The treatment plan is not valid.",
        fields={"treatment_plan": [f"No such treatment plan for {client.full_name}."]},
    )


def _check_plan(clinic: Clinic, req: BookingRequest, *, newly_chosen: bool) -> None:
    """The plan must be one of this client's courses, and active when it is chosen."""
    plan = req.treatment_plan
    if plan is None:
        return
    # Another clinic's plan reads like one that does not exist.
    if plan.clinic_id != clinic.pk or plan.client_id != req.client.pk:
        raise no_such_plan(req.client)
    if newly_chosen and plan.status != "active":
        raise ApplicationError(
            "The treatment plan is not valid.",
            fields={"treatment_plan": [f"This plan is {plan.status}; choose an active plan."]},
        )


def _gate(clinic: Clinic, req: BookingRequest, exclude_id: int | None) -> Screening | None:
    """The one treatment decision (``decision.py``), enforced; returns the screening."""
    if req.kind != AppointmentKind.TREATMENT:
        return None
    decided = treatment_decision(
        client=req.client,
        on_date=req.start.astimezone(clinic.zone).date(),
        plan=req.treatment_plan,
        exclude_appointment_id=exclude_id,
    ).require_bookable()
    return decided.eligibility.screening


def _save_guarded(appointment: Appointment, req: BookingRequest) -> None:
    """Insert/update; a constraint violation from a concurrent booking becomes a 409."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        message = str(exc)
        taken = [r for name, r in CONSTRAINT_RESOURCE.items() if name in message]
        if not taken:
            raise
        raise _slot_unavailable(req, taken) from exc


def _book_checks(
    clinic: Clinic, req: BookingRequest, exclude_id: int | None = None, *, new_plan: bool = True
) -> Screening | None:
    _validate(clinic, req)
    _check_plan(clinic, req, newly_chosen=new_plan)
    if req.start < timezone.now():
        raise ApplicationError(
            "That time has passed.", fields={"start": ["Choose a time in the future."]}
        )
    _check_working_time(clinic, req)
    screening = _gate(clinic, req, exclude_id)
    holds_release_expired(near=req)
    taken = _conflicts(req, exclude_id)
    if taken:
        raise _slot_unavailable(req, taken)
    return screening


@transaction.atomic
def appointment_book(*, clinic: Clinic, actor: User, request: BookingRequest) -> Appointment:
    """Staff book an appointment (the client is told at once)."""
    appointment = _checked_and_saved(clinic, request, created_by=actor)
    audit(actor, "create", appointment, clinic.pk, kind=appointment.kind)
    _notify(appointment, "booked")
    return appointment


def _checked_and_saved(clinic: Clinic, request: BookingRequest, **fields: Any) -> Appointment:
    """The booking's checks and gates, then the row (a booking or a hold: ``fields``),
    saved under the no-double-booking constraints."""
    screening = _book_checks(clinic, request)
    appointment = Appointment(
        clinic=clinic,
        client=request.client,
        practitioner=request.practitioner,
        room=request.room,
        device=request.device,
        start=request.start,
        end=request.end,
        device_free_at=_free_at(request),
        kind=request.kind,
        notes=request.notes,
        screening=screening,
        treatment_plan=request.treatment_plan,
        **fields,
    )
    _save_guarded(appointment, request)
    return appointment


def _free_at(req: BookingRequest) -> datetime | None:
    if req.device is None:
        return None
    return req.end + timedelta(minutes=req.device.cleanup_minutes)


@transaction.atomic
def appointment_reschedule(
    *, appointment: Appointment, actor: User | None, changes: dict[str, Any]
) -> Appointment:
    """Move or change an appointment; ``actor`` None: the client, by their link."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not locked.can_be_moved:
        raise Conflict(
            f"A {locked.get_status_display().lower()} appointment cannot be changed.",
            code="not_reschedulable",
        )
    request = BookingRequest(
        client=locked.client,
        practitioner=changes.get("practitioner", locked.practitioner),
        room=changes.get("room", locked.room),
        device=changes.get("device", locked.device),
        start=changes.get("start", locked.start),
        end=changes.get("end", locked.end),
        kind=changes.get("kind", locked.kind),
        notes=changes.get("notes", locked.notes),
        treatment_plan=changes.get("treatment_plan", locked.treatment_plan),
    )
    moved = any(k in changes for k in ("practitioner", "room", "device", "start", "end", "kind"))
    new_plan = "treatment_plan" in changes and request.treatment_plan != locked.treatment_plan
    if moved:
        locked.screening = _book_checks(
            appointment.clinic, request, exclude_id=locked.pk, new_plan=new_plan
        )
    elif new_plan:
        # Same time and place, another course: its interval may differ.
        _check_plan(appointment.clinic, request, newly_chosen=True)
        if request.kind == AppointmentKind.TREATMENT:
            treatment_decision(
                client=request.client,
                on_date=request.start.astimezone(appointment.clinic.zone).date(),
                plan=request.treatment_plan,
                exclude_appointment_id=locked.pk,
            ).require_interval()
    for name in (
        "practitioner",
        "room",
        "device",
        "start",
        "end",
        "kind",
        "notes",
        "treatment_plan",
    ):
        setattr(locked, name, getattr(request, name))
    locked.device_free_at = _free_at(request)
    if moved:
        locked.sequence += 1
    _save_guarded(locked, request)
    audit(actor, "update", locked, locked.clinic_id, fields=sorted(changes))
    if moved:
        _notify(locked, "rescheduled")
    return locked


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, actor: User | None, reason: str, channel: str | None = None
) -> Appointment:
    """Cancel; ``actor`` None: the client by their link (or ``channel="task"``: expiry)."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if not locked.can_change_to(AppointmentStatus.CANCELLED):
        raise Conflict(
            f"A {locked.get_status_display().lower()} appointment cannot be cancelled.",
            code="not_cancellable",
        )
    if not reason.strip():
        raise ApplicationError("Give a reason.", fields={"reason": ["Why is it cancelled?"]})
    locked.cancel_reason = reason.strip()
    locked.cancelled_at = timezone.now()
    locked.cancelled_by = actor
    was_held = locked.status == AppointmentStatus.HELD
    locked.status = AppointmentStatus.CANCELLED
    locked.hold_expires_at = None
    locked.sequence += 1
    locked.save()
    audit(actor, "update", locked, locked.clinic_id, status="cancelled", channel=channel)
    if not was_held:  # a request never confirmed had no confirmation to take back
        _notify(locked, "cancelled")
    hooks.slot_freed(locked)
    return locked


#: Changes with more to them than the status have their own service: cancelling
#: (``appointment_cancel``: a reason, the client is told) and completing (signing the
#: session record).
_OWN_SERVICE = frozenset({AppointmentStatus.CANCELLED, AppointmentStatus.COMPLETED})


@transaction.atomic
def appointment_set_status(*, appointment: Appointment, actor: User, status: str) -> Appointment:
    """Check in, undo a check-in, or mark a no-show, as the status table allows."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if status in _OWN_SERVICE or not locked.can_change_to(status):
        raise Conflict(
            f"Cannot change a {locked.get_status_display().lower()} appointment to {status}.",
            code="invalid_transition",
        )
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit(actor, "update", locked, locked.clinic_id, status=status)
    return locked


def _notify(appointment: Appointment, event: str) -> None:
    """Hook for client notifications (booking confirmations); see clinic/notifications.py."""

    appointment_notify(appointment=appointment, event=event)
    # Preparation before the visit (a higher package, registered: clinic/booking/hooks.py).
    hooks.appointment_changed(appointment, event)


# --- online requests: holds (decision 0021) ------------------------------------------


def appointment_hold(*, clinic: Clinic, request: BookingRequest, until: datetime) -> Appointment:
    """An online request: the slot is held (the exclusion constraints cover it) until
    ``until`` for the client to confirm by their link. Same checks and gates as a staff
    booking; nothing is sent here but the caller's own e-mail with the link."""
    appointment = _checked_and_saved(
        clinic,
        request,
        status=AppointmentStatus.HELD,
        source=AppointmentSource.ONLINE,
        hold_expires_at=until,
    )
    audit(None, "create", appointment, clinic.pk, kind=appointment.kind, status="held")
    return appointment


class HoldExpired(Conflict):
    code = "hold_expired"


def appointment_confirm_hold(*, appointment: Appointment) -> Appointment:
    """The client confirms their request by the link: the hold becomes a booking (the
    gates asked again, for the day may have changed), and the usual confirmation goes.
    Must run inside a transaction (the caller's)."""
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.status != AppointmentStatus.HELD:
        if locked.status == AppointmentStatus.BOOKED:
            return locked  # confirmed already (a second tap): nothing changes
        raise HoldExpired(
            "This request was not confirmed in time and its time was released; "
            "choose a time again.",
        )
    if locked.hold_expires_at is None or locked.hold_expires_at <= timezone.now():
        _release(locked)
        raise HoldExpired(
            "This request was not confirmed in time and its time was released; "
            "choose a time again.",
        )
    if locked.kind == AppointmentKind.TREATMENT:
        locked.screening = _gate(
            locked.clinic,
            BookingRequest(
                client=locked.client,
                practitioner=locked.practitioner,
                room=locked.room,
                device=locked.device,
                start=locked.start,
                end=locked.end,
                kind=locked.kind,
                treatment_plan=locked.treatment_plan,
            ),
            locked.pk,
        )
    locked.status = AppointmentStatus.BOOKED
    locked.hold_expires_at = None
    locked.save()
    audit(None, "update", locked, locked.clinic_id, status="booked")
    _notify(locked, "booked")
    hooks.hold_confirmed(locked)
    return locked


HOLD_EXPIRED_REASON = "The online request was not confirmed in time."


def _release(locked: Appointment, *, channel: str = "task") -> None:
    locked.status = AppointmentStatus.CANCELLED
    locked.cancel_reason = HOLD_EXPIRED_REASON
    locked.cancelled_at = timezone.now()
    locked.hold_expires_at = None
    locked.save()
    audit(None, "update", locked, locked.clinic_id, status="cancelled", channel=channel)
    hooks.slot_freed(locked)


def holds_release_expired(*, near: BookingRequest | None = None, limit: int = 500) -> int:
    """Release held requests past their expiry: all of them (the beat task), or those in
    the way of ``near`` (before a booking, so the constraint never refuses a slot that
    every reader already shows as free). Returns how many were released."""
    now = timezone.now()
    held = Appointment.objects.filter(status=AppointmentStatus.HELD, hold_expires_at__lte=now)
    if near is not None:
        resources = Q(practitioner=near.practitioner) | Q(room=near.room)
        if near.device is not None:
            resources |= Q(device=near.device)
        held = held.filter(
            resources, start__gt=near.start - BUSY_LOOKBACK, start__lt=near.end + BUSY_LOOKBACK
        )
    released = 0
    with transaction.atomic():
        for appointment in held.select_for_update(skip_locked=True).order_by("id")[:limit]:
            _release(appointment)
            released += 1
    return released


def appointments_for_calendar(
    *, clinic: Clinic, start: datetime, end: datetime
) -> QuerySet[Appointment]:
    return (
        appointment_list(clinic=clinic, start_from=start, start_before=end)
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(status=AppointmentStatus.HELD, hold_expires_at__lte=timezone.now())
    )
