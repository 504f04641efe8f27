"""Input fields with the bounds the database and calendar arithmetic can hold."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
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


#: A wall-clock time of day to the minute, as the API writes it (``09:00``).
CLOCK_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:00)?$"


@extend_schema_field(
    {
        "type": "string",
        "pattern": CLOCK_TIME_PATTERN,
        "example": "09:00",
        "description": "A time of day, HH:MM (24-hour clock); HH:MM:00 is read too.",
    }
)
class ClockTimeField(serializers.TimeField):
    """A time of day to the minute: answers ``HH:MM``, reads ``HH:MM`` (or ``HH:MM:00``).

    Working hours have no seconds; the schema says exactly this (no ``format: time``,
    which means an RFC 3339 time with seconds and an offset).
    """

    default_error_messages = {"invalid": "Enter a time of day as HH:MM, such as 09:00."}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        kwargs.setdefault("input_formats", ["%H:%M", "%H:%M:%S"])
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> time:
        if isinstance(value, time):
            parsed = value
        elif isinstance(value, str) and len(value) in (5, 8):
            parsed = super().to_internal_value(value)
        else:
            self.fail("invalid")
        if parsed.second or parsed.microsecond:
            self.fail("invalid")
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
