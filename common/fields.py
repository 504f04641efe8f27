"""Input fields with the bounds the database and calendar arithmetic can hold."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from rest_framework import serializers

MAX_ID = 2**63 - 1  # bigint
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


class ObjectIdField(serializers.IntegerField):
    """The id of an object: a positive 64-bit integer (larger ones cannot exist)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class BoundedDateField(serializers.DateField):
    """A date between 1900 and 2199, so day arithmetic never overflows."""

    def to_internal_value(self, value: date | str) -> date:
        parsed = super().to_internal_value(value)
        if not EARLIEST <= parsed <= LATEST:
            raise serializers.ValidationError("Enter a date between 1900 and 2199.")
        return parsed


class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value: datetime | str) -> datetime:
        parsed = super().to_internal_value(value)
        if not EARLIEST <= parsed.date() <= LATEST:
            raise serializers.ValidationError("Enter a time between 1900 and 2199.")
        return parsed


def parse_id(value: object) -> int | None:
    """An id from a URL or query string, or None when it cannot name a row."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 1 <= number <= MAX_ID else None


def api_datetime(value: datetime | None) -> str | None:
    """A datetime as DRF's DateTimeField writes it (current zone, ISO 8601, "Z" for UTC).

    For serializers that build a list's rows in one pass instead of field by field.
    """
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def api_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
