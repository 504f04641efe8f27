"""Booking resources: who can be booked when, rooms and devices. Managers' writes.

One service per resource, used by the API and the resources page alike; each is one
transaction and audited. Room names and device serial numbers are unique in a clinic
ignoring case: the database enforces it (migration 0006), these services say which
field is taken.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower

from clinic.booking.models import (
    DEVICE_SERIAL_TAKEN,
    ROOM_NAME_TAKEN,
    Device,
    Practitioner,
    Room,
    TimeOff,
    WorkingHours,
)
from clinic.booking.selectors import practitioner_get
from clinic.booking.services import audit
from clinic.models import Clinic, Membership, Role, User
from common.errors import ApplicationError, Conflict, NotFound


def _check_hours(hours: list[dict[str, Any]]) -> list[tuple[int, time, time]]:
    blocks = sorted((h["weekday"], h["start"], h["end"]) for h in hours)
    errors = []
    for index, (weekday, start, end) in enumerate(blocks):
        if end <= start:
            errors.append(f"Block {index + 1}: the end must be after the start.")
        if index and blocks[index - 1][0] == weekday and blocks[index - 1][2] > start:
            errors.append(f"Block {index + 1}: overlaps the previous block on the same day.")
    if errors:
        raise ApplicationError("Working hours are not valid.", fields={"working_hours": errors})
    return blocks


@transaction.atomic
def practitioner_save(
    *,
    clinic: Clinic,
    actor: User,
    practitioner: Practitioner | None = None,
    membership: Membership | None = None,
    display_name: str | None = None,
    is_bookable: bool | None = None,
    working_hours: list[dict[str, Any]] | None = None,
) -> Practitioner:
    if practitioner is None:
        if membership is None or membership.clinic_id != clinic.pk:
            raise NotFound("No such staff member.")
        if membership.role != Role.PRACTITIONER:
            raise ApplicationError(
                "Only practitioners can be booked.",
                fields={"membership": ["This staff member is not a practitioner."]},
            )
        if Practitioner.objects.filter(membership=membership).exists():
            raise Conflict("This practitioner already has a booking profile.", code="exists")
        practitioner = Practitioner(
            clinic=clinic,
            membership=membership,
            display_name=display_name or membership.user.full_name,
        )
    if display_name is not None:
        practitioner.display_name = display_name
    if is_bookable is not None:
        practitioner.is_bookable = is_bookable
    practitioner.save()
    if working_hours is not None:
        blocks = _check_hours(working_hours)
        practitioner.working_hours.all().delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(practitioner=practitioner, weekday=w, start=s, end=e) for w, s, e in blocks
        )
    audit(actor, "update", practitioner, clinic.pk)
    return practitioner_get(clinic=clinic, practitioner_id=practitioner.pk)


def _save_unique(obj: Room | Device, *, field: str, constraint: str, taken: str) -> None:
    """Save a room or device whose ``field`` must be unique in its clinic, ignoring case.

    Checked first to say which field is taken; the database constraint decides when two
    managers save the same value at the same moment.
    """
    error = ApplicationError(taken, fields={field: [taken]})
    others = (
        type(obj)
        .objects.filter(clinic_id=obj.clinic_id)
        .alias(key=Lower(field))
        .filter(key=Lower(Value(getattr(obj, field))))
    )
    if obj.pk is not None:
        others = others.exclude(pk=obj.pk)
    if others.exists():
        raise error
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError as exc:
        if constraint in str(exc):
            raise error from exc
        raise


def _resource_write(
    obj: Room | Device,
    *,
    clinic: Clinic,
    actor: User,
    changes: dict[str, Any],
    required: tuple[str, ...],
    unique: tuple[str, str, str],
) -> None:
    creating = obj.pk is None
    if not creating and obj.clinic_id != clinic.pk:
        raise NotFound(f"No such {type(obj).__name__.lower()}.")
    changes = {k: v.strip() if isinstance(v, str) else v for k, v in changes.items()}
    changed = sorted(k for k, v in changes.items() if creating or getattr(obj, k) != v)
    for name, value in changes.items():
        setattr(obj, name, value)
    blank = {name: ["This field may not be blank."] for name in required if not getattr(obj, name)}
    if blank:
        raise ApplicationError("Some details are missing.", fields=blank)
    obj.clinic = clinic
    field, constraint, taken = unique
    _save_unique(obj, field=field, constraint=constraint, taken=taken)
    audit(actor, "create" if creating else "update", obj, clinic.pk, fields=changed)


@transaction.atomic
def room_save(
    *,
    clinic: Clinic,
    actor: User,
    room: Room | None = None,
    name: str | None = None,
    is_active: bool | None = None,
) -> Room:
    """Add a room, or change one (only what is given); its name is unique ignoring case."""
    room = room if room is not None else Room()
    changes = {"name": name, "is_active": is_active}
    _resource_write(
        room,
        clinic=clinic,
        actor=actor,
        changes={k: v for k, v in changes.items() if v is not None},
        required=("name",),
        unique=("name", "room_clinic_name_ci", ROOM_NAME_TAKEN),
    )
    return room


@transaction.atomic
def device_save(
    *,
    clinic: Clinic,
    actor: User,
    device: Device | None = None,
    name: str | None = None,
    kind: str | None = None,
    serial_number: str | None = None,
    cleanup_minutes: int | None = None,
    is_active: bool | None = None,
) -> Device:
    """Add a device, or change one (only what is given); its serial is unique ignoring case."""
    device = device if device is not None else Device()
    changes = {
        "name": name,
        "kind": kind,
        "serial_number": serial_number,
        "cleanup_minutes": cleanup_minutes,
        "is_active": is_active,
    }
    _resource_write(
        device,
        clinic=clinic,
        actor=actor,
        changes={k: v for k, v in changes.items() if v is not None},
        required=("name", "serial_number"),
        unique=("serial_number", "device_clinic_serial_ci", DEVICE_SERIAL_TAKEN),
    )
    return device


@transaction.atomic
def time_off_add(
    *, practitioner: Practitioner, actor: User, start: datetime, end: datetime, reason: str = ""
) -> TimeOff:
    if end <= start:
        raise ApplicationError("The end must be after the start.", fields={"end": ["Too early."]})
    time_off = TimeOff.objects.create(
        practitioner=practitioner, start=start, end=end, reason=reason
    )
    audit(actor, "create", time_off, practitioner.clinic_id)
    return time_off
