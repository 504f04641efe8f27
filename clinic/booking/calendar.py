"""Calendar layout: pure functions, no database, no clock.

Plain inputs in (columns, appointments, time off, working hours, the time zone and
"now"), layout out: where each block sits in its column, in minutes after the first hour
shown. The page turns that into links and CSS.

A column is drawn on the clinic's wall clock, like its hour axis: a block starts at the
wall-clock minute of its start and ends at the wall-clock minute of its end, so on a
daylight-saving change day 09:00 is still level with the 09:00 line. Only when the end's
wall-clock time is not after the start's (inside the repeated autumn hour) does the
block take its real length instead, so it never has a negative or zero height.

Appointments go in the column of the local day they start on, clipped at midnight.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from clinic.booking.availability import (
    STEP_MINUTES,
    WeeklyHours,
    local_to_utc,
    overlaps,
    subtract,
)

DAY = 24 * 60
#: The calendar never shows more than this much of a day (minutes after midnight).
DAY_FIRST, DAY_LAST = 7 * 60, 21 * 60
#: Shown when nobody has working hours on the days in view.
DEFAULT_HOURS = (9 * 60, 17 * 60)
#: A free gap shorter than the shortest appointment is not offered for booking.
SHORTEST_BOOKING = 30

Span = tuple[int, int]  # minutes after local midnight, half-open [first, last)


# --- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Booked:
    """An appointment as the calendar needs it."""

    ref: Any  # handed back untouched on its block (the page's appointment)
    owner: Hashable  # whose column: a practitioner's or a room's id
    start: datetime
    end: datetime
    occupies: bool = True  # an active status: its time is not free


@dataclass(frozen=True)
class Away:
    """A practitioner's time off."""

    owner: Hashable
    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True)
class Column:
    """One column to lay out: an owner on a local day.

    ``hours`` is the owner's week for a practitioner column: its working time is drawn
    as bands, its time off as blocks, and (from today on, if ``bookable``) the free gaps
    are offered. A room column has ``hours=None`` and shows appointments only.
    """

    owner: Hashable
    day: date
    hours: WeeklyHours | None = None
    bookable: bool = False


# --- output ------------------------------------------------------------------------------


@dataclass
class Item:
    """A block drawn ``top`` minutes below the first hour shown, ``height`` minutes tall."""

    kind: str  # "appointment", "off" or "free"
    top: int
    height: int
    start: str  # wall-clock labels, "HH:MM"
    end: str
    ref: Any = None  # Booked.ref, for an appointment
    label: str = ""  # the reason, for time off
    lane: int = 0  # side by side where appointments overlap
    lanes: int = 1
    url: str = ""  # filled in by the page


@dataclass
class ColumnLayout:
    column: Column
    bands: list[Span] = field(default_factory=list)  # working time as (top, height)
    items: list[Item] = field(default_factory=list)
    outside: list[Item] = field(default_factory=list)  # appointments outside the hours shown
    now_top: int | None = None

    @property
    def appointment_count(self) -> int:
        return sum(1 for item in self.items + self.outside if item.kind == "appointment")


@dataclass
class Layout:
    first: int  # minutes after midnight of the first hour shown
    last: int
    columns: list[ColumnLayout]

    @property
    def total(self) -> int:
        return self.last - self.first

    @property
    def hours(self) -> list[tuple[int, str]]:
        """The hour lines: (top, "HH:MM")."""
        whole_hours = range(self.first // 60, -(-self.last // 60))
        return [(h * 60 - self.first, hhmm(h * 60)) for h in whole_hours]


# --- the arithmetic ----------------------------------------------------------------------


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def wall_minutes(moment: datetime) -> int:
    """Wall-clock minutes after local midnight of an aware local datetime."""
    return moment.hour * 60 + moment.minute


def hours_on(hours: WeeklyHours | None, day: date) -> list[Span]:
    """The working blocks of ``day`` as minutes after local midnight."""
    if not hours:
        return []
    return [(wall_minutes_of(s), wall_minutes_of(e)) for s, e in hours.get(day.weekday(), ())]


def wall_minutes_of(at: time) -> int:
    return at.hour * 60 + at.minute


@dataclass(frozen=True)
class DayPart:
    """The part of [start, end) on one local day: where to draw it and what to call it."""

    first: int
    last: int
    start: str
    end: str


def day_part(start: datetime, end: datetime, day: date, zone: ZoneInfo) -> DayPart:
    """The part of [start, end) that falls on ``day``, in wall-clock minutes.

    Clipped at the day's midnights: something running on from the day before starts at
    00:00, something running into the next day ends at "00:00" (minute 1440).
    """
    day_start = local_to_utc(day, time(0), zone)
    day_end = local_to_utc(day + timedelta(days=1), time(0), zone)
    first = 0 if start <= day_start else wall_minutes(start.astimezone(zone))
    last = DAY if end >= day_end else wall_minutes(end.astimezone(zone))
    labels = (hhmm(first), hhmm(last % DAY))
    if last <= first:  # the end falls in the repeated autumn hour
        elapsed = int((end - max(start, day_start)).total_seconds() // 60)
        last = min(first + elapsed, DAY)
    return DayPart(first, last, *labels)


def visible_range(spans: Iterable[Span]) -> Span:
    """Whole hours from the earliest start to the latest end, within 07:00–21:00."""
    spans = list(spans)
    if not spans:
        return DEFAULT_HOURS
    first = min(s for s, _ in spans) // 60 * 60
    last = -(-max(e for _, e in spans) // 60) * 60
    first, last = max(first, DAY_FIRST), min(last, DAY_LAST)
    return (first, last) if first < last else DEFAULT_HOURS


def assign_lanes(items: list[Item]) -> None:
    """Side by side where appointments overlap (a no-show and its replacement).

    Each block takes the lowest lane free at its start; every block of a cluster of
    overlapping blocks gets the cluster's lane count, so they share the width evenly.
    """
    cluster: list[Item] = []
    cluster_end = -1

    def close() -> None:
        lanes = max((i.lane for i in cluster), default=0) + 1
        for i in cluster:
            i.lanes = lanes

    for item in sorted(items, key=lambda i: (i.top, -i.height)):
        if cluster and item.top >= cluster_end:
            close()
            cluster, cluster_end = [], -1
        used = {i.lane for i in cluster if i.top + i.height > item.top}
        item.lane = next(n for n in range(len(cluster) + 1) if n not in used)
        cluster.append(item)
        cluster_end = max(cluster_end, item.top + item.height)
    if cluster:
        close()


def _clip(span: Span, first: int, last: int) -> Span | None:
    """(top, height) of a span inside the hours shown, or None if none of it is."""
    start, end = max(span[0], first), min(span[1], last)
    return (start - first, end - start) if end > start else None


# --- the layout --------------------------------------------------------------------------


def lay_out(
    columns: Sequence[Column],
    *,
    booked: Iterable[Booked],
    away: Iterable[Away] = (),
    zone: ZoneInfo,
    now: datetime,
    also_show: Iterable[WeeklyHours] = (),
) -> Layout:
    """Place appointments, working time, time off and free gaps in their columns.

    The hours shown run from the earliest appointment or working hour to the latest:
    each practitioner column's own hours, plus ``also_show`` (in the room view, every
    bookable practitioner's week) on the days in view.
    """
    by_key = {(c.owner, c.day): n for n, c in enumerate(columns)}
    placed: list[list[tuple[Booked, DayPart]]] = [[] for _ in columns]
    spans: list[Span] = []
    for b in booked:
        day = b.start.astimezone(zone).date()
        n = by_key.get((b.owner, day))
        if n is None:
            continue
        part = day_part(b.start, b.end, day, zone)
        placed[n].append((b, part))
        spans.append((part.first, part.last))
    days = sorted({c.day for c in columns})
    for c in columns:
        spans.extend(hours_on(c.hours, c.day))
    for week in also_show:
        for day in days:
            spans.extend(hours_on(week, day))
    first, last = visible_range(spans)

    now_local = now.astimezone(zone)
    today, now_minutes = now_local.date(), wall_minutes(now_local)
    away = list(away)
    out = []
    for column, appointments in zip(columns, placed, strict=True):
        laid = ColumnLayout(column)
        blocks = []
        for b, part in appointments:
            item = Item("appointment", 0, 0, part.start, part.end, ref=b.ref)
            where = _clip((part.first, part.last), first, last)
            if where is None:
                laid.outside.append(item)
            else:
                item.top, item.height = where
                blocks.append(item)
        assign_lanes(blocks)
        laid.items.extend(blocks)
        if column.day == today and first <= now_minutes < last:
            laid.now_top = now_minutes - first
        if column.hours is not None:
            busy = [(p.first, p.last) for b, p in appointments if b.occupies]
            _working_time(laid, away, busy, zone, first, last, today, now_minutes)
        laid.items.sort(key=lambda i: (i.top, i.kind != "appointment"))
        out.append(laid)
    return Layout(first, last, out)


def _working_time(
    laid: ColumnLayout,
    away: list[Away],
    busy: list[Span],
    zone: ZoneInfo,
    first: int,
    last: int,
    today: date,
    now_minutes: int,
) -> None:
    """A practitioner column's working bands, time off and free gaps."""
    column = laid.column
    working = hours_on(column.hours, column.day)
    laid.bands = [where for span in working if (where := _clip(span, first, last))]
    day_start = local_to_utc(column.day, time(0), zone)
    day_end = local_to_utc(column.day + timedelta(days=1), time(0), zone)
    off_spans = []
    for off in away:
        if off.owner != column.owner or not overlaps(off.start, off.end, [(day_start, day_end)]):
            continue
        part = day_part(off.start, off.end, column.day, zone)
        off_spans.append((part.first, part.last))
        where = _clip((part.first, part.last), first, last)
        if where is not None:
            laid.items.append(
                Item("off", *where, part.start, part.end, label=off.reason or "Time off")
            )
    if column.day < today or not column.bookable:
        return
    # Today, a gap starts no earlier than the next slot step from now.
    floor = -(-now_minutes // STEP_MINUTES) * STEP_MINUTES if column.day == today else 0
    open_time = [(max(s, floor), e) for s, e in working if e > floor]
    for s, e in subtract(open_time, busy + off_spans):
        s, e = max(s, first), min(e, last)
        if e - s >= SHORTEST_BOOKING:
            laid.items.append(Item("free", s - first, e - s, hhmm(s), hhmm(e)))
