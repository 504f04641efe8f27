"""Free-slot search: pure functions, no database.

Working hours are wall-clock times in the clinic's time zone, so they are turned into
UTC per local date: on a daylight-saving change day "09:00–17:00" is still 09:00–17:00
on the clock, and 7 or 9 hours may separate midnight from 09:00 in UTC.

The interval arithmetic (``overlaps``, ``subtract``) and the slot ``STEP`` are shared
with the calendar layout (``calendar.py``), which works in minutes of a local day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

Interval = tuple[datetime, datetime]  # aware, half-open [start, end)

#: A practitioner's week: weekday (Monday 0) → wall-clock (start, end) blocks.
WeeklyHours = Mapping[int, Sequence[tuple[time, time]]]

#: Free slots start every STEP; the calendar rounds "now" up to it, and the forms'
#: time inputs step by it.
STEP = timedelta(minutes=15)
STEP_MINUTES = STEP // timedelta(minutes=1)


class _Ordered(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...


T = TypeVar("T", bound=_Ordered)


def overlaps(start: T, end: T, busy: Iterable[tuple[T, T]]) -> bool:
    """Whether half-open [start, end) meets any of the half-open ``busy`` intervals."""
    return any(b_start < end and start < b_end for b_start, b_end in busy)


def subtract(free: Iterable[tuple[T, T]], busy: Iterable[tuple[T, T]]) -> list[tuple[T, T]]:
    """What is left of the ``free`` intervals once every ``busy`` one is taken out."""
    left = list(free)
    for b_start, b_end in busy:
        out: list[tuple[T, T]] = []
        for f_start, f_end in left:
            if not overlaps(f_start, f_end, [(b_start, b_end)]):
                out.append((f_start, f_end))
                continue
            if f_start < b_start:
                out.append((f_start, b_start))
            if b_end < f_end:
                out.append((b_end, f_end))
        left = out
    return left


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    room_id: int | None
    device_id: int | None


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A wall-clock time on a local date as UTC (a time in a DST gap moves forward)."""
    local = datetime.combine(day, at, tzinfo=zone)
    # Round-trip through UTC normalises a non-existent wall time (spring gap).
    return local.astimezone(UTC)


def working_intervals(
    *,
    date_from: date,
    date_to: date,
    hours_by_weekday: WeeklyHours,
    zone: ZoneInfo,
) -> list[Interval]:
    """The practitioner's working time between two local dates (inclusive), in UTC."""
    out: list[Interval] = []
    day = date_from
    while day <= date_to:
        for start, end in hours_by_weekday.get(day.weekday(), ()):
            out.append((local_to_utc(day, start, zone), local_to_utc(day, end, zone)))
        day += timedelta(days=1)
    return sorted(out)


def free_slots(
    *,
    working: Sequence[Interval],
    practitioner_busy: Sequence[Interval],
    duration: timedelta,
    not_before: datetime,
    rooms_busy: Mapping[int, Sequence[Interval]] | None = None,
    device_id: int | None = None,
    device_busy: Sequence[Interval] = (),
    device_cleanup: timedelta = timedelta(0),
    step: timedelta = STEP,
) -> list[Slot]:
    """Start times every ``step`` inside working time where everything needed is free.

    ``rooms_busy`` maps each candidate room to its busy intervals (the first free room,
    in the given order, is offered); ``None`` means no room is required. The device must
    also be free for its clean-up time after the slot.
    """
    slots: list[Slot] = []
    for work_start, work_end in working:
        start = max(work_start, _ceil_to_step(not_before, step, work_start))
        while start + duration <= work_end:
            end = start + duration
            if not overlaps(start, end, practitioner_busy) and (
                device_id is None or not overlaps(start, end + device_cleanup, device_busy)
            ):
                room_id = None
                room_ok = rooms_busy is None
                if rooms_busy is not None:
                    for candidate, busy in rooms_busy.items():
                        if not overlaps(start, end, busy):
                            room_id, room_ok = candidate, True
                            break
                if room_ok:
                    slots.append(Slot(start, end, room_id, device_id))
            start += step
    return slots


def _ceil_to_step(moment: datetime, step: timedelta, anchor: datetime) -> datetime:
    """The first ``anchor + k*step`` at or after ``moment`` (k ≥ 0)."""
    if moment <= anchor:
        return anchor
    steps = -(-(moment - anchor) // step)  # ceiling division of timedeltas
    return anchor + steps * step
