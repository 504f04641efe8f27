"""Reads for booking, always scoped to a clinic: resources and appointments."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from clinic.booking import availability
from clinic.booking.models import (
    BUSY_LOOKBACK,
    MAX_APPOINTMENT,
    Appointment,
    Device,
    Practitioner,
    Room,
    TimeOff,
    occupying,
)
from clinic.models import Clinic
from common.errors import ApplicationError, NotFound
from common.fields import parse_id

_M = TypeVar("_M", bound=Model)


def _get(qs: QuerySet[_M], pk: object, what: str) -> _M:
    number = parse_id(pk)
    if number is None:
        raise NotFound(f"No such {what}.")
    obj = qs.filter(pk=number).first()
    if obj is None:
        raise NotFound(f"No such {what}.")
    return obj


def practitioner_list(*, clinic: Clinic) -> QuerySet[Practitioner]:
    return (
        Practitioner.objects.filter(clinic=clinic)
        .select_related("membership__user")
        .prefetch_related("working_hours")
    )


def practitioner_get(*, clinic: Clinic, practitioner_id: object) -> Practitioner:
    return _get(practitioner_list(clinic=clinic), practitioner_id, "practitioner")


def practitioner_week(practitioner: Practitioner) -> dict[int, list[tuple[time, time]]]:
    """Weekday → the practitioner's wall-clock working blocks (prefetched by practitioner_list)."""
    hours: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for block in practitioner.working_hours.all():
        hours[block.weekday].append((block.start, block.end))
    return dict(hours)


def room_list(*, clinic: Clinic) -> QuerySet[Room]:
    return Room.objects.filter(clinic=clinic)


def room_get(*, clinic: Clinic, room_id: object) -> Room:
    return _get(room_list(clinic=clinic), room_id, "room")


def device_list(*, clinic: Clinic) -> QuerySet[Device]:
    return Device.objects.filter(clinic=clinic)


def device_get(*, clinic: Clinic, device_id: object) -> Device:
    return _get(device_list(clinic=clinic), device_id, "device")


def appointment_list(
    *,
    clinic: Clinic,
    on_date: date | None = None,
    practitioner_id: int | None = None,
    client_id: int | None = None,
    room_id: int | None = None,
    status: str | None = None,
    start_from: datetime | None = None,
    start_before: datetime | None = None,
) -> QuerySet[Appointment]:
    qs = Appointment.objects.filter(clinic=clinic).select_related(
        "client",
        "practitioner",
        "room",
        "device",
        "screening",
        "screening__review",
    )
    if on_date is not None:
        day_start = availability.local_to_utc(on_date, time(0), clinic.zone)
        day_end = availability.local_to_utc(on_date + timedelta(days=1), time(0), clinic.zone)
        qs = qs.filter(start__gte=day_start, start__lt=day_end)
    if start_from is not None:
        qs = qs.filter(start__gte=start_from)
    if start_before is not None:
        qs = qs.filter(start__lt=start_before)
    if practitioner_id is not None:
        qs = qs.filter(practitioner_id=practitioner_id)
    if client_id is not None:
        qs = qs.filter(client_id=client_id)
    if room_id is not None:
        qs = qs.filter(room_id=room_id)
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by("start", "id")


def appointment_get(*, clinic: Clinic, appointment_id: object) -> Appointment:
    return _get(appointment_list(clinic=clinic), appointment_id, "appointment")


def availability_search(
    *,
    clinic: Clinic,
    practitioner: Practitioner,
    date_from: date,
    date_to: date,
    duration: timedelta,
    room: Room | None = None,
    device: Device | None = None,
    now: datetime | None = None,
) -> list[availability.Slot]:
    """Free slots in a fixed number of queries, however many appointments there are."""
    if date_to < date_from:
        raise ApplicationError(
            "date_to is before date_from.", fields={"date_to": ["Must not be before date_from."]}
        )
    if (date_to - date_from).days > 31:
        raise ApplicationError(
            "Search at most 31 days at a time.", fields={"date_to": ["At most 31 days."]}
        )
    if not timedelta(minutes=5) <= duration <= MAX_APPOINTMENT:
        raise ApplicationError(
            "Duration must be between 5 minutes and 8 hours.",
            fields={"duration_minutes": ["Between 5 and 480."]},
        )
    now = now or timezone.now()
    zone = clinic.zone
    working = availability.working_intervals(
        date_from=date_from,
        date_to=date_to,
        hours_by_weekday=practitioner_week(practitioner),
        zone=zone,
    )
    if not working:
        return []
    window_start, window_end = working[0][0], working[-1][1]
    rooms = [room] if room is not None else list(room_list(clinic=clinic).filter(is_active=True))
    cleanup = timedelta(minutes=device.cleanup_minutes) if device else timedelta(0)

    # One query for every appointment that could get in the way, bounded on both sides:
    # nothing that started more than BUSY_LOOKBACK before the window still occupies it,
    # so each resource's (resource, start) index reads only the window's rows.
    resources = Q(practitioner=practitioner) | Q(room__in=rooms)
    if device is not None:
        resources |= Q(device=device)
    busy_rows = Appointment.objects.filter(
        resources,
        occupying(now),
        start__gt=window_start - BUSY_LOOKBACK,
        start__lt=window_end + cleanup,
    ).values_list("practitioner_id", "room_id", "device_id", "start", "end", "device_free_at")
    practitioner_busy: list[availability.Interval] = [
        (t.start, t.end)
        for t in TimeOff.objects.filter(
            practitioner=practitioner, start__lt=window_end, end__gt=window_start
        )
    ]
    rooms_busy: dict[int, list[availability.Interval]] = {r.pk: [] for r in rooms}
    device_busy: list[availability.Interval] = []
    for p_id, r_id, d_id, start, end, free_at in busy_rows:
        if p_id == practitioner.pk:
            practitioner_busy.append((start, end))
        if r_id in rooms_busy:
            rooms_busy[r_id].append((start, end))
        if device is not None and d_id == device.pk:
            device_busy.append((start, free_at or end))
    return availability.free_slots(
        working=working,
        practitioner_busy=practitioner_busy,
        duration=duration,
        not_before=now,
        rooms_busy=rooms_busy,
        device_id=device.pk if device else None,
        device_busy=device_busy,
        device_cleanup=cleanup,
    )
