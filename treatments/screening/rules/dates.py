"""Calendar arithmetic the engine needs (DOMAIN.md §1, "Date arithmetic"): exact and tested."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def add_months(d: date, months: int) -> date:
    """Add calendar months, clamping the day to the end of a shorter month.

    31 Aug + 6 months is 28 Feb (29 Feb in a leap year); 29 Feb + 12 months is 28 Feb.
    """
    month_index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on the day ``on``.

    Someone born on 29 February becomes a year older on 1 March in non-leap years
    (the legal convention in e.g. England and Wales, and most US states): on 28 February
    of a non-leap year they have not reached their birthday yet.
    """
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def parse_iso_date(value: object) -> date | None:
    """A date object or a strict ISO ``YYYY-MM-DD`` string; None if it is neither."""
    if isinstance(value, datetime):
        return None  # a timestamp is not a calendar date; refuse rather than guess a zone
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def iso(d: date | None) -> str | None:
    """``YYYY-MM-DD``, or None for no date (the JSON form of a date)."""
    return d.isoformat() if d is not None else None
