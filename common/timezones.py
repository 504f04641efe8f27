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


def _tz_table(name: str) -> list[list[str]]:
    """Rows of one of the tz database's tables (shipped with the tzdata package)."""
    from importlib.resources import files

    text = files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code → the country's name, as the tz database lists them."""
    return {row[0]: row[1] for row in _tz_table("iso3166.tab") if len(row) >= 2}


@lru_cache(maxsize=1)
def _zones_by_country() -> dict[str, frozenset[str]]:
    zones: dict[str, set[str]] = {}
    for row in _tz_table("zone.tab"):
        if len(row) >= 3:
            zones.setdefault(row[0], set()).add(row[2])
    return {code: frozenset(names) for code, names in zones.items()}


def country_zones(code: str) -> frozenset[str]:
    """The time zones the tz database lists for a country (empty if it lists none)."""
    return _zones_by_country().get(code.upper(), frozenset())


def validate_country(value: str) -> None:
    if value and value not in country_names():
        raise ValidationError(
            "%(value)s is not an ISO country code (two capital letters, e.g. IE or GB).",
            code="invalid_country",
            params={"value": value},
        )


def zone_fits_country(zone: str, code: str) -> bool:
    """False when the tz database places ``zone`` in other countries only.

    Zones it lists for no country (UTC, aliases such as Europe/Belfast) are accepted.
    """
    if not code:
        return True
    listed_anywhere = any(zone in zones for zones in _zones_by_country().values())
    return not listed_anywhere or zone in country_zones(code)
