"""The pure aftercare timeline: offsets, day arithmetic, DST, month and year ends."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from aftercare import timeline
from aftercare.defaults import DEFAULT_AFTERCARE
from aftercare.timeline import Offset, TemplateError, build, local_at, parse_items, parse_offset

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
KOLKATA = ZoneInfo("Asia/Kolkata")
ITEMS = parse_items(DEFAULT_AFTERCARE)


def entry_map(entries):
    return {e.code: e for e in entries}


def item(code="x", kind="aftercare_day3", offset="day 3 09:00", optional=False, email=True):
    return {
        "code": code,
        "kind": kind,
        "offset": offset,
        "text": "Do this.",
        "optional": optional,
        "email": email,
    }


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+0h", Offset(type="hours", hours=0)),
        ("+24h", Offset(type="hours", hours=24)),
        ("+ 48 H", Offset(type="hours", hours=48)),
        ("day 3 09:00", Offset(type="days", first_day=3, last_day=3, at=time(9))),
        ("Day 14 9:30", Offset(type="days", first_day=14, last_day=14, at=time(9, 30))),
        ("days 2-7 09:00", Offset(type="days", first_day=2, last_day=7, at=time(9))),
        ("days 2 - 7 08:15", Offset(type="days", first_day=2, last_day=7, at=time(8, 15))),
        (
            "next session -7 days 09:00",
            Offset(type="next_session", days_before=7, at=time(9)),
        ),
        ("next session - 1 day 18:00", Offset(type="next_session", days_before=1, at=time(18))),
    ],
)
def test_offsets_are_read_from_their_written_form(text, expected):
    assert parse_offset(text) == expected


@pytest.mark.parametrize(
    "text",
    ["", "24h", "+24", "-3h", "day 0 09:00", "day 3", "day 3 24:00", "day 3 09:60",
     "days 7-2 09:00", "day 400 09:00", "+9999h", "next session +7 days 09:00", "tomorrow"],
)  # fmt: skip
def test_an_unreadable_offset_is_a_template_error(text):
    with pytest.raises(TemplateError):
        parse_offset(text)


def test_the_shipped_template_follows_domain_section_3():
    by_code = {i.code: i for i in ITEMS}
    assert [i.code for i in ITEMS] == [
        "immediate", "24h", "sunscreen", "day3", "day7", "day14", "next_session",
    ]  # fmt: skip
    assert by_code["immediate"].offset == Offset(type="hours", hours=0)
    assert by_code["24h"].offset == Offset(type="hours", hours=24)
    assert by_code["sunscreen"].offset == Offset(type="days", first_day=2, last_day=7)
    assert by_code["day3"].offset.first_day == 3
    assert by_code["day7"].offset.first_day == 7
    assert by_code["day14"].offset.first_day == 14
    assert by_code["next_session"].offset.days_before == 7
    assert "makeup" in by_code["24h"].text and "SPF 30" in by_code["24h"].text
    assert all(i.email for i in ITEMS)
    # Safety information is never optional; reminders and the invitation are.
    assert {i.code for i in ITEMS if i.optional} == {"sunscreen", "day14", "next_session"}
    assert len(DEFAULT_AFTERCARE["warning_signs"]) == 5


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"items": []}, "non-empty"),
        ({"items": [item(kind="aftercare_unknown")]}, "unknown kind"),
        ({"items": [item(), item()]}, "used twice"),
        ({"items": [item(code="Bad Code")]}, "Item code"),
        ({"items": [item(kind="aftercare_day3", optional=True)]}, "cannot be opted out"),
        ({"items": [item(kind="aftercare_sunscreen", optional=False)]}, "always optional"),
        ({"items": [{**item(), "text": "  "}]}, "empty"),
        ({"items": [item(offset="someday")]}, "not an offset"),
        ({"items": ["not an object"]}, "object"),
    ],
)
def test_a_template_that_cannot_be_used_is_refused(raw, message):
    with pytest.raises(TemplateError, match=message):
        parse_items(raw)


def test_every_aftercare_kind_has_a_label():
    assert all(spec["label"] for spec in timeline.AFTERCARE_KINDS.values())


# --- the shipped timeline ---------------------------------------------------------------------


def test_a_london_winter_session_gets_the_whole_timeline_in_local_time():
    ended = datetime(2026, 1, 12, 14, 30, tzinfo=LONDON)
    entries = build(ITEMS, ended_at=ended, zone=LONDON, interval_days=28)
    by_code = entry_map(entries)

    assert by_code["immediate"].due_at == ended.astimezone(UTC)
    assert by_code["24h"].due_at == datetime(2026, 1, 13, 14, 30, tzinfo=UTC)
    assert [by_code[f"sunscreen:d{n}"].local for n in range(2, 8)] == [
        datetime(2026, 1, day, 9, 0, tzinfo=LONDON) for day in range(14, 20)
    ]
    assert by_code["day3"].local == datetime(2026, 1, 15, 9, 0, tzinfo=LONDON)
    assert by_code["day7"].local == datetime(2026, 1, 19, 9, 0, tzinfo=LONDON)
    assert by_code["day14"].local == datetime(2026, 1, 26, 9, 0, tzinfo=LONDON)
    # 12 Jan + 28 − 7 = 2 Feb, 09:00.
    assert by_code["next_session"].local == datetime(2026, 2, 2, 9, 0, tzinfo=LONDON)
    assert len(entries) == 12
    assert [e.due_at for e in entries] == sorted(e.due_at for e in entries)
    assert all(e.due_at.tzinfo is UTC for e in entries)


def test_the_day3_sunscreen_reminder_comes_before_the_day3_check_in_at_the_same_time():
    entries = build(ITEMS, ended_at=datetime(2026, 1, 12, 12, tzinfo=UTC), zone=LONDON)
    codes = [e.code for e in entries]
    assert codes.index("sunscreen:d3") + 1 == codes.index("day3")


def test_no_next_session_invitation_when_the_course_is_complete():
    entries = build(ITEMS, ended_at=datetime(2026, 1, 12, 12, tzinfo=UTC), zone=LONDON)
    assert "next_session" not in entry_map(entries)


def test_a_next_session_invitation_that_would_fall_before_the_end_is_left_out():
    entries = build(
        ITEMS, ended_at=datetime(2026, 1, 12, 12, tzinfo=UTC), zone=LONDON, interval_days=7
    )
    assert "next_session" not in entry_map(entries)
    entries = build(
        ITEMS, ended_at=datetime(2026, 1, 12, 12, tzinfo=UTC), zone=LONDON, interval_days=8
    )
    assert entry_map(entries)["next_session"].local == datetime(2026, 1, 13, 9, tzinfo=LONDON)


def test_items_not_sent_by_email_are_still_on_the_timeline():
    items = parse_items({"items": [item(email=False)]})
    (entry,) = build(items, ended_at=datetime(2026, 3, 1, 12, tzinfo=UTC), zone=LONDON)
    assert entry.item.email is False
    assert entry.code == "x" and entry.day == 3


# --- daylight saving ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "session_day", "expected_day", "change"),
    [
        # Spring forward between the session and day 3.
        (LONDON, date(2026, 3, 27), date(2026, 3, 30), "BST starts 29 Mar"),
        (NEW_YORK, date(2026, 3, 6), date(2026, 3, 9), "EDT starts 8 Mar"),
        # Fall back between the session and day 3.
        (LONDON, date(2026, 10, 23), date(2026, 10, 26), "GMT returns 25 Oct"),
        (NEW_YORK, date(2026, 10, 30), date(2026, 11, 2), "EST returns 1 Nov"),
        # Day 3 is the change day itself.
        (LONDON, date(2026, 3, 26), date(2026, 3, 29), "on the change day"),
        (NEW_YORK, date(2026, 10, 29), date(2026, 11, 1), "on the change day"),
        # Southern hemisphere: the changes go the other way.
        (SYDNEY, date(2026, 4, 3), date(2026, 4, 6), "AEST returns 5 Apr"),
        (SYDNEY, date(2026, 10, 2), date(2026, 10, 5), "AEDT starts 4 Oct"),
        # No DST at all.
        (KOLKATA, date(2026, 3, 27), date(2026, 3, 30), "none"),
    ],
)
def test_day_3_at_09_00_lands_at_09_00_local_across_a_dst_change(
    zone, session_day, expected_day, change
):
    ended = datetime.combine(session_day, time(16, 0), tzinfo=zone)
    day3 = entry_map(build(ITEMS, ended_at=ended, zone=zone))["day3"]
    assert day3.local.date() == expected_day, change
    assert (day3.local.hour, day3.local.minute) == (9, 0), change
    assert day3.due_at == datetime.combine(expected_day, time(9), tzinfo=zone).astimezone(UTC)


def test_every_morning_reminder_is_at_09_00_local_through_the_london_spring_change():
    ended = datetime(2026, 3, 26, 16, 0, tzinfo=LONDON)  # GMT; BST from 29 March
    by_code = entry_map(build(ITEMS, ended_at=ended, zone=LONDON))
    utc_hours = [by_code[f"sunscreen:d{n}"].due_at.hour for n in range(2, 8)]
    assert utc_hours == [9, 8, 8, 8, 8, 8]  # 28 March is still GMT, 29 March is BST
    assert all(by_code[f"sunscreen:d{n}"].local.hour == 9 for n in range(2, 8))


def test_every_morning_reminder_is_at_09_00_local_through_the_new_york_autumn_change():
    ended = datetime(2026, 10, 30, 16, 0, tzinfo=NEW_YORK)  # EDT; EST from 1 November
    by_code = entry_map(build(ITEMS, ended_at=ended, zone=NEW_YORK))
    utc_hours = [by_code[f"sunscreen:d{n}"].due_at.hour for n in range(2, 8)]
    assert utc_hours == [14, 14, 14, 14, 14, 14]  # 09:00 EST = 14:00 UTC from 1 Nov
    assert by_code["sunscreen:d2"].local == datetime(2026, 11, 1, 9, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("zone", "ended", "local_24h"),
    [
        # 24 real hours across spring forward: the clock shows an hour later.
        (LONDON, (2026, 3, 28, 15, 0), (2026, 3, 29, 16, 0)),
        (NEW_YORK, (2026, 3, 7, 15, 0), (2026, 3, 8, 16, 0)),
        # Across fall back: an hour earlier.
        (LONDON, (2026, 10, 24, 15, 0), (2026, 10, 25, 14, 0)),
        (NEW_YORK, (2026, 10, 31, 15, 0), (2026, 11, 1, 14, 0)),
        # No change: same clock time the next day.
        (LONDON, (2026, 6, 10, 15, 0), (2026, 6, 11, 15, 0)),
    ],
)
def test_plus_24_hours_is_exactly_24_hours_even_across_a_dst_change(zone, ended, local_24h):
    ended = datetime(*ended, tzinfo=zone)
    entry = entry_map(build(ITEMS, ended_at=ended, zone=zone))["24h"]
    assert entry.due_at - ended.astimezone(UTC) == timedelta(hours=24)
    assert entry.local == datetime(*local_24h, tzinfo=zone)


def test_a_time_in_the_spring_gap_is_taken_with_the_offset_before_the_change():
    # 01:30 does not exist in London on 29 March 2026: it is 01:30 GMT = 02:30 BST.
    due = local_at(date(2026, 3, 29), time(1, 30), LONDON)
    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert due.astimezone(LONDON).hour == 2


def test_a_time_that_happens_twice_in_autumn_is_the_first_of_the_two():
    due = local_at(date(2026, 10, 25), time(1, 30), LONDON)
    assert due == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST


# --- calendar days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("session_day", "day", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 1)),
        (date(2026, 1, 30), 3, date(2026, 2, 2)),
        (date(2026, 2, 27), 3, date(2026, 3, 2)),  # not a leap year
        (date(2028, 2, 27), 3, date(2028, 3, 1)),  # 29 February 2028 exists
        (date(2028, 2, 29), 14, date(2028, 3, 14)),
        (date(2026, 4, 30), 7, date(2026, 5, 7)),
        (date(2026, 12, 28), 7, date(2027, 1, 4)),  # over the year end
        (date(2026, 12, 31), 14, date(2027, 1, 14)),
    ],
)
def test_day_n_is_the_nth_calendar_day_after_the_session_date(session_day, day, expected):
    items = parse_items({"items": [item(offset=f"day {day} 09:00")]})
    ended = datetime.combine(session_day, time(11), tzinfo=LONDON)
    (entry,) = build(items, ended_at=ended, zone=LONDON)
    assert entry.local == datetime.combine(expected, time(9), tzinfo=LONDON)


def test_the_session_date_is_the_clients_local_date_not_the_utc_date():
    # 22:30 on 12 Jan in New York is 03:30 on 13 Jan in UTC: day 3 is 15 Jan in New York.
    ended = datetime(2026, 1, 12, 22, 30, tzinfo=NEW_YORK)
    day3 = entry_map(build(ITEMS, ended_at=ended, zone=NEW_YORK))["day3"]
    assert day3.local == datetime(2026, 1, 15, 9, 0, tzinfo=NEW_YORK)
    # A London session that ends just after midnight local counts from the new day.
    ended = datetime(2026, 7, 1, 0, 15, tzinfo=LONDON)  # 30 June 23:15 UTC
    day3 = entry_map(build(ITEMS, ended_at=ended, zone=LONDON))["day3"]
    assert day3.local == datetime(2026, 7, 4, 9, 0, tzinfo=LONDON)


def test_the_same_end_gives_different_instants_in_different_zones():
    ended = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
    london = entry_map(build(ITEMS, ended_at=ended, zone=LONDON))["day3"]
    new_york = entry_map(build(ITEMS, ended_at=ended, zone=NEW_YORK))["day3"]
    assert london.due_at == datetime(2026, 6, 13, 8, 0, tzinfo=UTC)
    assert new_york.due_at == datetime(2026, 6, 13, 13, 0, tzinfo=UTC)


def test_the_next_session_invitation_counts_calendar_days_across_dst_and_month_end():
    ended = datetime(2026, 10, 20, 12, tzinfo=NEW_YORK)
    entry = entry_map(build(ITEMS, ended_at=ended, zone=NEW_YORK, interval_days=28))
    # 20 Oct + 21 days = 10 Nov (after the change), 09:00 EST.
    assert entry["next_session"].local == datetime(2026, 11, 10, 9, tzinfo=NEW_YORK)
    assert entry["next_session"].due_at.hour == 14


def test_a_naive_end_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        build(ITEMS, ended_at=datetime(2026, 1, 1, 12), zone=LONDON)  # noqa: DTZ001


@pytest.mark.parametrize("zone", [LONDON, NEW_YORK, SYDNEY])
def test_every_day_of_a_year_gives_09_00_local_for_every_day_offset(zone):
    start = date(2026, 1, 1)
    for n in range(366):
        ended = datetime.combine(start + timedelta(days=n), time(17, 45), tzinfo=zone)
        for entry in build(ITEMS, ended_at=ended, zone=zone, interval_days=28):
            if entry.item.offset.type != "hours":
                assert entry.local.time() == time(9, 0), (ended, entry.code)
                assert (entry.local.date() - ended.date()).days == entry.day
            else:
                assert entry.due_at - ended == timedelta(hours=entry.item.offset.hours)
