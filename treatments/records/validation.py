"""Validation of the scalar fields of a session record, shared by edits and amendments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.booking.models import Device
from treatments.plans.defaults import ADVERSE_EVENT_CODES
from treatments.records.models import TreatmentSession

_TEXT_FIELDS = {
    "cartridge": 120,
    "cartridge_lot": 60,
    "anaesthetic_product": 120,
    "anaesthetic_lot": 60,
    "anaesthetic_area": 200,
    "adverse_events_note": 4000,
    "notes": 10000,
    "endpoint_reached": 40,
}
_INT_RANGES = {
    "needle_count": (1, 100),
    "pain_score": (0, 10),
    "glogau": (1, 4),
    "goodman_baron": (1, 4),
    "gais": (1, 5),
}
_TIME_FIELDS = ("anaesthetic_applied_at", "anaesthetic_removed_at", "ended_at")

#: Scalar fields an update (and an amendment) may set.
SCALAR_FIELDS = frozenset({"device", "adverse_events", *_TEXT_FIELDS, *_INT_RANGES, *_TIME_FIELDS})


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_datetime(value.strip())
        except ValueError:
            return None
    return None


def clean_session_fields(
    *, session: TreatmentSession, data: dict[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validated model values for the scalar fields in ``data``, and errors by field."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(prefix + name, []).append(message)

    for name, raw in data.items():
        if name not in SCALAR_FIELDS:
            err(name, "This field cannot be set here.")
            continue
        if name == "device":
            if raw is None or raw == "":
                values["device"] = None
                continue
            device_id = raw.pk if isinstance(raw, Device) else as_int(raw)
            device = (
                Device.objects.filter(clinic_id=session.clinic_id, pk=device_id).first()
                if device_id
                else None
            )
            if device is None:
                err(name, "No such device in this clinic.")
            else:
                values["device"] = device
        elif name in _TEXT_FIELDS:
            if raw is None:
                raw = ""
            if not isinstance(raw, str):
                err(name, "Expected text.")
                continue
            text = raw.strip()
            if len(text) > _TEXT_FIELDS[name]:
                err(name, f"At most {_TEXT_FIELDS[name]} characters.")
                continue
            if name == "endpoint_reached" and text:
                endpoints = session.plan.protocol_set.engine().endpoints
                if text not in endpoints:
                    err(name, "Choose one of: " + ", ".join(sorted(endpoints)) + ".")
                    continue
            values[name] = text
        elif name in _INT_RANGES:
            if raw is None or raw == "":
                values[name] = None
                continue
            number = as_int(raw)
            low, high = _INT_RANGES[name]
            if number is None or not low <= number <= high:
                err(name, f"A whole number from {low} to {high}.")
            else:
                values[name] = number
        elif name in _TIME_FIELDS:
            if raw is None or raw == "":
                values[name] = None
                continue
            moment = _as_datetime(raw)
            if moment is None or timezone.is_naive(moment):
                err(name, "A time in ISO 8601 with its UTC offset.")
            elif not 1900 <= moment.year <= 2199:
                err(name, "Enter a time between 1900 and 2199.")
            else:
                values[name] = moment
        elif name == "adverse_events":
            if raw is None:
                raw = []
            if not isinstance(raw, list | tuple) or not all(isinstance(c, str) for c in raw):
                err(name, "Expected a list of adverse-event codes.")
                continue
            unknown = [c for c in raw if c not in ADVERSE_EVENT_CODES]
            if unknown:
                err(name, "Unknown adverse events: " + ", ".join(unknown[:10]) + ".")
                continue
            values[name] = list(dict.fromkeys(raw))

    # Times, on the record as it would be after the change.
    def merged(name: str) -> Any:
        return values[name] if name in values else getattr(session, name)

    ended_at = merged("ended_at")
    if ended_at is not None and "ended_at" not in errors and ended_at <= session.started_at:
        err("ended_at", "The end must be after the start of the session.")
    applied, removed = merged("anaesthetic_applied_at"), merged("anaesthetic_removed_at")
    if applied is not None and removed is not None and removed <= applied:
        err("anaesthetic_removed_at", "The anaesthetic is removed after it was applied.")
    return values, errors
