"""The aftercare timeline: template items + session end + zone → due times. Pure.

No database and no clock: everything comes in as arguments, so every rule here is
tested exhaustively (tests/aftercare/test_timeline.py).

Offsets (DOMAIN.md §3):

``+24h``
    Exactly that many hours after the session ended (real elapsed time, UTC arithmetic):
    across a daylight-saving change the local clock time moves by an hour.
``day 3 09:00``
    09:00 wall-clock time in the client's zone on the 3rd calendar day after the
    session date (the local date on which the session ended); always 09:00 local.
``days 2-7 09:00``
    The same, once for every day of the inclusive range.
``next session -7 days 09:00``
    09:00 local on (session date + the plan's interval − 7 days); only when another
    session of the course is due (``interval_days`` given).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

#: The aftercare message kinds: label, whether the client may opt out of them, and how
#: late each may still go out after its moment (``late_after``; later it is recorded as
#: skipped). A template item's ``optional`` must agree with its kind (decision 0006);
#: the lateness of each kind, and why, is decision 0013.
AFTERCARE_KINDS: dict[str, dict[str, Any]] = {
    # "For the next 24 hours": the next day, this sheet misleads (the +24 h one follows).
    "aftercare_immediate": {
        "label": "Aftercare sheet",
        "optional": False,
        "late_after": timedelta(hours=6),
    },
    "aftercare_24h": {
        "label": "24-hour update",
        "optional": False,
        "late_after": timedelta(hours=12),
    },
    # A morning reminder: not after 14:00.
    "aftercare_sunscreen": {
        "label": "Morning sun protection",
        "optional": True,
        "late_after": timedelta(hours=5),
    },
    "aftercare_day3": {
        "label": "Day-3 check-in",
        "optional": False,
        "late_after": timedelta(hours=12),
    },
    "aftercare_day7": {
        "label": "Day-7 update",
        "optional": False,
        "late_after": timedelta(hours=12),
    },
    "aftercare_day14": {
        "label": "Day-14 update",
        "optional": True,
        "late_after": timedelta(hours=12),
    },
    # An invitation to book is still useful a few days late.
    "aftercare_next_session": {
        "label": "Next-session invitation",
        "optional": True,
        "late_after": timedelta(days=3),
    },
    "aftercare_note": {
        "label": "Aftercare note",
        "optional": True,
        "late_after": timedelta(hours=12),
    },
}

MAX_DAY = 366
MAX_HOURS = 24 * 30


class TemplateError(ValueError):
    """An aftercare template (or one of its offsets) that cannot be used."""


@dataclass(frozen=True)
class Offset:
    """When an item is due, relative to the session (see the module docstring)."""

    type: str  # "hours" | "days" | "next_session"
    hours: int = 0
    first_day: int = 0
    last_day: int = 0
    days_before: int = 0
    at: time = time(9, 0)

    def describe(self) -> str:
        if self.type == "hours":
            return "at the end of the session" if self.hours == 0 else f"+{self.hours} h"
        clock = self.at.strftime("%H:%M")
        if self.type == "days":
            if self.first_day == self.last_day:
                return f"day {self.first_day}, {clock}"
            return f"every day, days {self.first_day}–{self.last_day}, {clock}"
        return f"{self.days_before} days before the next session is due, {clock}"


@dataclass(frozen=True)
class Item:
    code: str
    kind: str
    label: str
    offset: Offset
    text: str
    email: bool
    optional: bool


@dataclass(frozen=True)
class Entry:
    """One moment of a session's timeline."""

    code: str  # unique within the timeline: the item code, plus ":d<N>" for ranges
    item: Item
    due_at: datetime  # aware, UTC
    local: datetime  # the same instant in the client's zone
    day: int | None = None  # the day number, for day offsets


_HOURS = re.compile(r"^\+\s*(\d{1,4})\s*h$")
_DAYS = re.compile(r"^days?\s+(\d{1,3})(?:\s*-\s*(\d{1,3}))?\s+(\d{1,2}):(\d{2})$")
_NEXT = re.compile(r"^next session\s*-\s*(\d{1,3})\s*days?\s+(\d{1,2}):(\d{2})$")


def _clock(hours: str, minutes: str, text: str) -> time:
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise TemplateError(f"{text!r}: {hours}:{minutes} is not a time of day.")
    return time(h, m)


def parse_offset(text: str) -> Offset:
    """An offset from its written form (``+24h``, ``day 3 09:00``, ``days 2-7 09:00``,
    ``next session -7 days 09:00``); TemplateError if it is none of them."""
    value = " ".join(str(text).strip().lower().split())
    if match := _HOURS.match(value):
        hours = int(match[1])
        if hours > MAX_HOURS:
            raise TemplateError(f"{text!r}: at most {MAX_HOURS} hours.")
        return Offset(type="hours", hours=hours)
    if match := _DAYS.match(value):
        first = int(match[1])
        last = int(match[2]) if match[2] else first
        if not 1 <= first <= last <= MAX_DAY:
            raise TemplateError(f"{text!r}: days run from 1 to {MAX_DAY}, first ≤ last.")
        return Offset(
            type="days", first_day=first, last_day=last, at=_clock(match[3], match[4], text)
        )
    if match := _NEXT.match(value):
        return Offset(
            type="next_session", days_before=int(match[1]), at=_clock(match[2], match[3], text)
        )
    raise TemplateError(
        f"{text!r} is not an offset; write +24h, day 3 09:00, days 2-7 09:00 or "
        "next session -7 days 09:00."
    )


def parse_items(data: dict[str, Any]) -> list[Item]:
    """The items of a template version's ``data``; TemplateError on anything unusable."""
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise TemplateError("A template needs a non-empty list of items.")
    items: list[Item] = []
    codes: set[str] = set()
    for raw in raw_items:
        if not isinstance(raw, dict):
            raise TemplateError("Every item is an object.")
        code = str(raw.get("code", "")).strip()
        if not re.fullmatch(r"[a-z0-9_]{1,40}", code):
            raise TemplateError(f"Item code {code!r}: 1–40 of a–z, 0–9 and _.")
        if code in codes:
            raise TemplateError(f"Item code {code!r} is used twice.")
        codes.add(code)
        kind = str(raw.get("kind", ""))
        if kind not in AFTERCARE_KINDS:
            raise TemplateError(f"Item {code}: unknown kind {kind!r}.")
        optional = bool(raw.get("optional", False))
        if optional and not AFTERCARE_KINDS[kind]["optional"]:
            raise TemplateError(f"Item {code}: {kind} messages cannot be opted out of.")
        if not optional and AFTERCARE_KINDS[kind]["optional"]:
            raise TemplateError(f"Item {code}: {kind} messages are always optional.")
        text = str(raw.get("text", "")).strip()
        if not text:
            raise TemplateError(f"Item {code}: the instruction text is empty.")
        items.append(
            Item(
                code=code,
                kind=kind,
                label=str(raw.get("label") or AFTERCARE_KINDS[kind]["label"]),
                offset=parse_offset(raw.get("offset", "")),
                text=text,
                email=bool(raw.get("email", True)),
                optional=optional,
            )
        )
    return items


def local_at(day: date, at: time, zone: tzinfo) -> datetime:
    """``at`` wall-clock time on ``day`` in ``zone``, as an aware UTC datetime.

    A time that does not exist that day (in a spring-forward gap) is taken with the
    offset before the change, i.e. it lands the length of the gap later on the clock
    (PEP 495, ``fold=0``); a time that happens twice (autumn) is the first of the two.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def build(
    items: list[Item],
    *,
    ended_at: datetime,
    zone: tzinfo,
    interval_days: int | None = None,
) -> list[Entry]:
    """The timeline of a session that ended at ``ended_at``, in due order.

    ``interval_days`` is the plan's interval when another session of the course is due,
    or None (course complete, no plan): then next-session items are left out, as are
    next-session items that would fall before the session's end.
    """
    if ended_at.tzinfo is None or ended_at.utcoffset() is None:
        raise ValueError("ended_at must be timezone-aware.")
    end_utc = ended_at.astimezone(UTC)
    session_date = ended_at.astimezone(zone).date()
    entries: list[Entry] = []
    for item in items:
        offset = item.offset
        if offset.type == "hours":
            due = end_utc + timedelta(hours=offset.hours)
            entries.append(Entry(item.code, item, due, due.astimezone(zone)))
        elif offset.type == "days":
            for n in range(offset.first_day, offset.last_day + 1):
                due = local_at(session_date + timedelta(days=n), offset.at, zone)
                code = item.code if offset.first_day == offset.last_day else f"{item.code}:d{n}"
                entries.append(Entry(code, item, due, due.astimezone(zone), day=n))
        elif offset.type == "next_session":
            if interval_days is None:
                continue
            n = interval_days - offset.days_before
            due = local_at(session_date + timedelta(days=n), offset.at, zone)
            if due <= end_utc:
                continue
            entries.append(Entry(item.code, item, due, due.astimezone(zone), day=n))
    order = {item.code: i for i, item in enumerate(items)}
    entries.sort(key=lambda e: (e.due_at, order[e.item.code], e.code))
    return entries
