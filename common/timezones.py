"""Time-zone helpers: one validated list of IANA names for every form and serializer."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError


@lru_cache(maxsize=1)
def timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(timezone_names())]


def validate_timezone(value: str) -> None:
    if value and value not in timezone_names():
        raise ValidationError(
            "%(value)s is not a known time zone (use a name such as Europe/London).",
            code="invalid_timezone",
            params={"value": value},
        )
