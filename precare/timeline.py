"""Preparation before the visit: template items + appointment → due times and the dated list. Pure.

No database and no clock: everything comes in as arguments (tests/precare/test_timeline.py).

Offsets (DOMAIN.md §6), relative to the appointment:

``at booking``
    When the booking (or the last reschedule) is made.
``-48h``
    That many real hours before the start (UTC arithmetic: across a daylight-saving
    change the local clock time moves by an hour).
``-7 days 09:00``
    09:00 wall-clock time in the client's zone on the calendar day 7 days before the
    appointment's local date; always 09:00 local.

The dated list comes from the screening rule set in force: every top-level
``date_within`` rule of severity ``defer`` gives "from <appointment date − period>,
no <thing>" (calendar months clamp to the end of a shorter month, as in §1).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from treatments.screening.rules.model import DateWithin, Period, RuleSet

#: The preparation kinds: label, and whether the client may opt out (reminders only).
PRECARE_KINDS: dict[str, dict[str, Any]] = {
    "precare_booking": {"label": "Preparation sheet", "optional": False},
    "precare_14d": {"label": "Preparation: two weeks before", "optional": True},
    "precare_7d": {"label": "Preparation: one week before", "optional": True},
    "readiness_check": {"label": "Readiness check", "optional": False},
    "precare_day_before": {"label": "Preparation: the day before", "optional": True},
}

MAX_DAYS = 366
MAX_HOURS = 24 * 30
MAX_TEXT = 2000


class TemplateError(ValueError):
    """A preparation template (or one of its offsets) that cannot be used."""


@dataclass(frozen=True)
class Offset:
    type: str  # "booking" | "hours" | "days"
    hours: int = 0
    days: int = 0
    at: time = time(9, 0)

    def describe(self) -> str:
        if self.type == "booking":
            return "at booking"
        if self.type == "hours":
            return f"{self.hours} hours before the start"
        day = "day" if self.days == 1 else "days"
        return f"{self.days} {day} before, {self.at:%H:%M}"


@dataclass(frozen=True)
class Item:
    code: str
    kind: str
    label: str
    offset: Offset
    text: str

    @property
    def optional(self) -> bool:
        return bool(PRECARE_KINDS[self.kind]["optional"])


@dataclass(frozen=True)
class Template:
    items: list[Item]
    bring: list[str]
    tell: list[str]
    things: dict[str, str]


@dataclass(frozen=True)
class Entry:
    """One moment of an appointment's preparation."""

    item: Item
    due_at: datetime  # aware, UTC
    local: datetime  # the same instant in the client's zone
    past_at_planning: bool  # its moment had passed when the booking was made: not sent

    @property
    def code(self) -> str:
        return self.item.code


@dataclass(frozen=True)
class DatedItem:
    """ "From <from_date>, no <thing>", derived from one dated deferral rule."""

    rule_code: str
    question: str
    thing: str
    period: str  # "7 days", "6 months"
    from_date: date
    past_at_planning: bool  # from_date was before the day of booking: "tell us" wording

    def sentence(self, *, on: date) -> str:
        """What the client is told, in a message written on the local date ``on``."""
        when = f"{self.from_date:%A} {self.from_date.day} {self.from_date:%B %Y}"
        if self.past_at_planning:
            return (
                f"If you have had {self.thing} since {when}, tell us before your visit: "
                "it may need to move."
            )
        if self.from_date == on:
            return f"From today ({when}), no {self.thing}."
        if self.from_date < on:
            return f"Since {when}, no {self.thing}."
        return f"From {when}, no {self.thing}."


_BOOKING = re.compile(r"^at booking$")
_HOURS = re.compile(r"^-\s*(\d{1,4})\s*h$")
_DAYS = re.compile(r"^-\s*(\d{1,3})\s*days?\s+(\d{1,2}):(\d{2})$")


def parse_offset(text: object) -> Offset:
    """An offset from its written form; TemplateError if it is none of them."""
    value = " ".join(str(text).strip().lower().split())
    if _BOOKING.match(value):
        return Offset(type="booking")
    if match := _HOURS.match(value):
        hours = int(match[1])
        if not 1 <= hours <= MAX_HOURS:
            raise TemplateError(f"{text!r}: between 1 and {MAX_HOURS} hours before.")
        return Offset(type="hours", hours=hours)
    if match := _DAYS.match(value):
        days = int(match[1])
        if not 1 <= days <= MAX_DAYS:
            raise TemplateError(f"{text!r}: between 1 and {MAX_DAYS} days before.")
        h, m = int(match[2]), int(match[3])
        if not (0 <= h <= 23 and 0 <= m <= 59):
            raise TemplateError(f"{text!r}: {match[2]}:{match[3]} is not a time of day.")
        return Offset(type="days", days=days, at=time(h, m))
    raise TemplateError(f"{text!r} is not an offset; write at booking, -48h or -7 days 09:00.")


def _lines(raw: object, name: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise TemplateError(f"{name} is a list of sentences.")
    lines = [s.strip() for s in raw if s.strip()]
    if any(len(s) > MAX_TEXT for s in lines):
        raise TemplateError(f"{name}: at most {MAX_TEXT} characters per line.")
    return lines


def parse_template(data: object) -> Template:
    """A template version's ``data``; TemplateError on anything unusable.

    Every kind appears exactly once: the send-time checks and the unsubscription
    machinery work per kind, and the readiness check must never be left out.
    """
    if not isinstance(data, dict):
        raise TemplateError("A template is an object.")
    raw_items = data.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise TemplateError("A template needs a list of items.")
    items: list[Item] = []
    for raw in raw_items:
        if not isinstance(raw, dict):
            raise TemplateError("Every item is an object.")
        kind = str(raw.get("kind", ""))
        if kind not in PRECARE_KINDS:
            raise TemplateError(f"Unknown preparation kind {kind!r}.")
        if any(item.kind == kind for item in items):
            raise TemplateError(f"{kind} appears twice.")
        text = str(raw.get("text", "")).strip()
        if not text:
            raise TemplateError(f"{PRECARE_KINDS[kind]['label']}: the text is empty.")
        if len(text) > MAX_TEXT:
            raise TemplateError(f"{PRECARE_KINDS[kind]['label']}: at most {MAX_TEXT} characters.")
        offset = parse_offset(raw.get("offset", ""))
        if (kind == "precare_booking") != (offset.type == "booking"):
            raise TemplateError("Only the preparation sheet is sent at booking, and it is.")
        items.append(
            Item(
                code=kind,
                kind=kind,
                label=str(raw.get("label") or PRECARE_KINDS[kind]["label"]).strip()[:120],
                offset=offset,
                text=text,
            )
        )
    missing = [k for k in PRECARE_KINDS if not any(i.kind == k for i in items)]
    if missing:
        raise TemplateError(f"Missing: {', '.join(missing)}.")
    things = data.get("things") or {}
    if not isinstance(things, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in things.items()
    ):
        raise TemplateError("things maps question codes to the client's wording.")
    return Template(
        items=items,
        bring=_lines(data.get("bring"), "What to bring"),
        tell=_lines(data.get("tell"), "What to tell the clinic"),
        things={k: v.strip() for k, v in things.items() if v.strip()},
    )


def local_at(day: date, at: time, zone: tzinfo) -> datetime:
    """``at`` wall-clock time on ``day`` in ``zone`` as aware UTC (PEP 495 ``fold=0``)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def build(items: list[Item], *, start: datetime, planned_at: datetime, zone: tzinfo) -> list[Entry]:
    """The preparation moments of an appointment starting at ``start``, in due order.

    ``planned_at`` is when the booking (or reschedule) was made: the booking item is
    due then, and any other moment at or before it is marked past (never sent).
    """
    for value in (start, planned_at):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("start and planned_at must be timezone-aware.")
    start_utc = start.astimezone(UTC)
    planned_utc = planned_at.astimezone(UTC)
    appointment_date = start.astimezone(zone).date()
    entries = []
    for item in items:
        offset = item.offset
        if offset.type == "booking":
            due = planned_utc
        elif offset.type == "hours":
            due = start_utc - timedelta(hours=offset.hours)
        else:
            due = local_at(appointment_date - timedelta(days=offset.days), offset.at, zone)
        past = offset.type != "booking" and (due <= planned_utc or due >= start_utc)
        entries.append(Entry(item, due, due.astimezone(zone), past))
    order = {kind: i for i, kind in enumerate(PRECARE_KINDS)}
    entries.sort(key=lambda e: (e.due_at, order[e.item.kind]))
    return entries


def subtract(day: date, period: Period) -> date:
    """``day`` minus the period; calendar months clamp to the end of a shorter month."""
    if period.months is not None:
        index = day.year * 12 + (day.month - 1) - period.months
        year, month = divmod(index, 12)
        month += 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
    return day - timedelta(days=period.days or 0)


def _describe(period: Period) -> str:
    if period.months is not None:
        return f"{period.months} month{'s' if period.months != 1 else ''}"
    days = period.days or 0
    return f"{days} day{'s' if days != 1 else ''}"


_TITLE_TAIL = re.compile(r"\s+(?:in|within)\s+the\s+last\s+.*$", re.IGNORECASE)


def _fallback_thing(title: str) -> str:
    thing = _TITLE_TAIL.sub("", title).strip() or title
    return thing[:1].lower() + thing[1:] if thing[1:2].islower() else thing


def dated_items(
    rules: RuleSet, *, things: dict[str, str], appointment_date: date, planned_on: date
) -> list[DatedItem]:
    """Every dated deferral of the rule set as "from <date>, no <thing>", earliest first.

    ``planned_on`` is the local date of booking (or of the last reschedule): a date
    before it is already past and gets the "tell us" wording.
    """
    found: dict[str, DatedItem] = {}
    for rule in rules.rules:
        condition = rule.condition
        if rule.severity != "defer" or not isinstance(condition, DateWithin):
            continue
        from_date = subtract(appointment_date, condition.period)
        question = condition.question
        previous = found.get(question)
        if previous is not None and previous.from_date <= from_date:
            continue  # two rules on one question: the longer period is the one to keep
        found[question] = DatedItem(
            rule_code=rule.code,
            question=question,
            thing=things.get(question) or _fallback_thing(rule.title),
            period=_describe(condition.period),
            from_date=from_date,
            past_at_planning=from_date < planned_on,
        )
    return sorted(found.values(), key=lambda d: (d.from_date, d.rule_code))
