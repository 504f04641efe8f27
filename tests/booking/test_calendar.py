"""Calendar layout (clinic/booking/calendar.py): plain inputs in, layout out.

Minutes are wall-clock minutes after local midnight; ``top`` counts from the first hour
shown. No database and no clock: "now" is an argument.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from clinic.booking import calendar
from clinic.booking.availability import local_to_utc
from clinic.booking.calendar import Away, Booked, Column, Item

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")

MONDAY = date(2026, 3, 9)  # London on GMT (UTC+0)
NINE_TO_FIVE = {d: [(time(9), time(17))] for d in range(7)}
#: Long before every day in these tests: no "today" rules apply.
EARLIER = datetime(2026, 1, 1, 8, tzinfo=UTC)
#: Long after: every day is in the past, so no free gaps are offered.
LATER = datetime(2027, 1, 1, 8, tzinfo=UTC)


def at(day: date, hhmm: str, zone: ZoneInfo = LONDON) -> datetime:
    return local_to_utc(day, time.fromisoformat(hhmm), zone)


def booked(ref, day, start, end, *, owner=1, zone=LONDON, occupies=True, end_day=None):
    return Booked(
        ref=ref,
        owner=owner,
        start=at(day, start, zone),
        end=at(end_day or day, end, zone),
        occupies=occupies,
    )


def practitioner_column(day=MONDAY, *, owner=1, hours=NINE_TO_FIVE, bookable=True):
    return Column(owner, day, hours=hours, bookable=bookable)


def lay_out(columns, booked=(), away=(), *, zone=LONDON, now=EARLIER, also_show=()):
    return calendar.lay_out(
        columns, booked=booked, away=away, zone=zone, now=now, also_show=also_show
    )


def blocks(layout, kind=None, column=0):
    return [
        (i.kind, i.start, i.end, i.top, i.height)
        for i in layout.columns[column].items
        if kind is None or i.kind == kind
    ]


def appointments(layout, column=0):
    return {i.ref: i for i in layout.columns[column].items if i.kind == "appointment"}


# --- the visible range ----------------------------------------------------------------


def test_the_range_runs_in_whole_hours_from_the_earliest_to_the_latest():
    assert calendar.visible_range([(9 * 60 + 15, 12 * 60), (13 * 60, 16 * 60 + 45)]) == (
        9 * 60,
        17 * 60,
    )


def test_the_range_never_goes_before_seven_or_after_nine():
    assert calendar.visible_range([(5 * 60, 23 * 60)]) == (7 * 60, 21 * 60)


def test_an_empty_day_shows_nine_to_five():
    assert calendar.visible_range([]) == calendar.DEFAULT_HOURS == (9 * 60, 17 * 60)


def test_a_range_entirely_outside_seven_to_nine_shows_nine_to_five():
    assert calendar.visible_range([(22 * 60, 23 * 60)]) == (9 * 60, 17 * 60)
    assert calendar.visible_range([(60, 2 * 60)]) == (9 * 60, 17 * 60)


def test_the_range_follows_working_hours_and_appointments_outside_them():
    early = booked("early", MONDAY, "07:30", "08:00")
    late = booked("late", MONDAY, "18:00", "18:20")
    layout = lay_out([practitioner_column()], [early, late])
    assert (layout.first, layout.last) == (7 * 60, 19 * 60)
    assert layout.total == 12 * 60
    assert layout.hours[0] == (0, "07:00")
    assert layout.hours[-1] == (11 * 60, "18:00")
    assert len(layout.hours) == 12


def test_an_empty_day_has_no_blocks_and_shows_nine_to_five():
    layout = lay_out([practitioner_column(hours={})])
    assert (layout.first, layout.last) == (9 * 60, 17 * 60)
    column = layout.columns[0]
    assert column.items == [] and column.outside == [] and column.bands == []
    assert column.appointment_count == 0


def test_no_columns_is_an_empty_layout():
    layout = lay_out([], [booked("a", MONDAY, "10:00", "11:00")])
    assert layout.columns == []
    assert (layout.first, layout.last) == calendar.DEFAULT_HOURS


def test_the_room_view_shows_the_hours_of_everyone_bookable():
    rooms = [Column("r1", MONDAY), Column("r2", MONDAY)]
    early_bird = {0: [(time(8), time(12))]}
    night_owl = {0: [(time(12), time(20))]}
    layout = lay_out(rooms, also_show=[early_bird, night_owl])
    assert (layout.first, layout.last) == (8 * 60, 20 * 60)
    # Working time is drawn in practitioner columns only.
    assert all(c.bands == [] for c in layout.columns)


# --- appointments ---------------------------------------------------------------------


def test_an_appointment_sits_at_its_wall_clock_start():
    layout = lay_out([practitioner_column()], [booked("a", MONDAY, "10:15", "11:00")])
    item = appointments(layout)["a"]
    assert (item.kind, item.start, item.end, item.top, item.height) == (
        "appointment",
        "10:15",
        "11:00",
        75,
        45,
    )
    assert item.ref == "a"
    assert layout.columns[0].appointment_count == 1


def test_appointments_go_to_their_owners_column_on_their_local_day():
    tuesday = MONDAY + timedelta(days=1)
    columns = [practitioner_column(MONDAY), practitioner_column(tuesday)]
    other = booked("other", MONDAY, "10:00", "11:00", owner=2)
    mine = booked("mine", tuesday, "10:00", "11:00")
    layout = lay_out(columns, [other, mine])
    assert appointments(layout, 0) == {}
    assert list(appointments(layout, 1)) == ["mine"]


def test_a_late_evening_in_new_york_is_that_local_day_not_the_utc_one():
    # 20:00 on Monday in New York is 00:00 on Tuesday in UTC.
    columns = [practitioner_column(MONDAY), practitioner_column(MONDAY + timedelta(days=1))]
    evening = booked("evening", MONDAY, "20:00", "20:30", zone=NEW_YORK)
    assert evening.start == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    layout = lay_out(columns, [evening], zone=NEW_YORK)
    assert list(appointments(layout, 0)) == ["evening"]
    assert appointments(layout, 1) == {}


def test_an_appointment_outside_the_hours_shown_is_listed_below_the_column():
    dawn = booked("dawn", MONDAY, "05:00", "05:30")
    layout = lay_out([practitioner_column()], [dawn])
    column = layout.columns[0]
    assert (layout.first, layout.last) == (7 * 60, 17 * 60)  # never before 07:00
    assert appointments(layout) == {}
    (item,) = column.outside
    assert (item.ref, item.start, item.end, item.top, item.height) == (
        "dawn",
        "05:00",
        "05:30",
        0,
        0,
    )
    assert column.appointment_count == 1


def test_an_appointment_partly_outside_the_hours_shown_is_cut_at_the_edge():
    layout = lay_out([practitioner_column()], [booked("a", MONDAY, "06:30", "07:30")])
    item = appointments(layout)["a"]
    assert (item.top, item.height) == (0, 30)
    assert (item.start, item.end) == ("06:30", "07:30")  # the labels say the real times


def test_an_appointment_crossing_midnight_stays_on_its_first_day_cut_at_midnight():
    tuesday = MONDAY + timedelta(days=1)
    late = booked("late", MONDAY, "20:00", "01:00", end_day=tuesday)
    columns = [practitioner_column(MONDAY), practitioner_column(tuesday)]
    layout = lay_out(columns, [late])
    assert layout.last == 21 * 60
    item = appointments(layout, 0)["late"]
    assert (item.start, item.end) == ("20:00", "00:00")
    assert (item.top, item.height) == (11 * 60, 60)  # 20:00–21:00 of what is shown
    assert layout.columns[1].appointment_count == 0
    part = calendar.day_part(late.start, late.end, MONDAY, LONDON)
    assert (part.first, part.last) == (20 * 60, 24 * 60)


# --- lanes ----------------------------------------------------------------------------


def lanes(layout) -> dict[str, tuple[int, int]]:
    return {ref: (i.lane, i.lanes) for ref, i in appointments(layout).items()}


def test_overlapping_appointments_sit_side_by_side():
    no_show = booked("no-show", MONDAY, "10:00", "11:00", occupies=False)
    replacement = booked("replacement", MONDAY, "10:15", "10:45")
    layout = lay_out([practitioner_column()], [no_show, replacement])
    assert lanes(layout) == {"no-show": (0, 2), "replacement": (1, 2)}


def test_back_to_back_appointments_share_one_lane():
    first = booked("first", MONDAY, "10:00", "11:00")
    second = booked("second", MONDAY, "11:00", "12:00")
    layout = lay_out([practitioner_column()], [first, second])
    assert lanes(layout) == {"first": (0, 1), "second": (0, 1)}


def test_a_lane_is_reused_once_its_appointment_has_ended():
    long = booked("long", MONDAY, "10:00", "12:00")
    early = booked("early", MONDAY, "10:00", "10:30")
    later = booked("later", MONDAY, "11:00", "11:30")
    layout = lay_out([practitioner_column()], [early, later, long])
    # The longer block of two starting together takes the first lane.
    assert lanes(layout) == {"long": (0, 2), "early": (1, 2), "later": (1, 2)}


def test_three_at_once_take_three_lanes_and_a_later_cluster_starts_afresh():
    three = [booked(f"x{n}", MONDAY, "10:00", "11:00") for n in range(3)]
    alone = booked("alone", MONDAY, "13:00", "14:00")
    layout = lay_out([practitioner_column()], [*three, alone])
    got = lanes(layout)
    assert sorted(got[f"x{n}"][0] for n in range(3)) == [0, 1, 2]
    assert {got[f"x{n}"][1] for n in range(3)} == {3}
    assert got["alone"] == (0, 1)


def test_assign_lanes_chains_a_cluster_through_overlaps():
    items = [
        Item("appointment", 0, 60, "", "", ref="a"),
        Item("appointment", 30, 60, "", "", ref="b"),
        Item("appointment", 70, 30, "", "", ref="c"),  # overlaps b only
    ]
    calendar.assign_lanes(items)
    assert [(i.ref, i.lane, i.lanes) for i in items] == [
        ("a", 0, 2),
        ("b", 1, 2),
        ("c", 0, 2),
    ]


# --- working time, time off, free gaps ------------------------------------------------


def test_working_hours_are_bands_and_the_rest_of_the_day_is_free():
    layout = lay_out([practitioner_column()], [booked("a", MONDAY, "10:00", "11:00")])
    column = layout.columns[0]
    assert column.bands == [(0, 480)]
    assert blocks(layout, "free") == [
        ("free", "09:00", "10:00", 0, 60),
        ("free", "11:00", "17:00", 120, 360),
    ]


def test_a_lunch_break_is_two_bands():
    hours = {0: [(time(9), time(12, 30)), (time(13, 30), time(17))]}
    layout = lay_out([practitioner_column(hours=hours)])
    assert layout.columns[0].bands == [(0, 210), (270, 210)]
    assert [b[1:3] for b in blocks(layout, "free")] == [("09:00", "12:30"), ("13:30", "17:00")]


def test_a_cancelled_or_no_show_appointment_is_drawn_but_does_not_take_the_time():
    no_show = booked("no-show", MONDAY, "09:00", "10:00", occupies=False)
    layout = lay_out([practitioner_column()], [no_show])
    assert "no-show" in appointments(layout)
    assert blocks(layout, "free") == [("free", "09:00", "17:00", 0, 480)]


def test_time_off_is_drawn_and_is_not_free():
    off = Away(1, at(MONDAY, "13:00"), at(MONDAY, "14:00"), "Training")
    layout = lay_out([practitioner_column()], away=[off])
    assert blocks(layout, "off") == [("off", "13:00", "14:00", 240, 60)]
    assert layout.columns[0].items[1].label == "Training"
    assert [b[1:3] for b in blocks(layout, "free")] == [("09:00", "13:00"), ("14:00", "17:00")]


def test_time_off_without_a_reason_is_called_time_off():
    off = Away(1, at(MONDAY, "13:00"), at(MONDAY, "14:00"))
    layout = lay_out([practitioner_column()], away=[off])
    (item,) = [i for i in layout.columns[0].items if i.kind == "off"]
    assert item.label == "Time off"


def test_time_off_over_several_days_covers_the_days_between_whole():
    holiday = Away(1, at(MONDAY, "12:00"), at(MONDAY + timedelta(days=2), "12:00"), "Holiday")
    tuesday = MONDAY + timedelta(days=1)
    layout = lay_out([practitioner_column(tuesday)], away=[holiday])
    assert blocks(layout, "off") == [("off", "00:00", "00:00", 0, 480)]
    assert blocks(layout, "free") == []


def test_someone_elses_time_off_is_not_in_my_column():
    off = Away(2, at(MONDAY, "13:00"), at(MONDAY, "14:00"))
    layout = lay_out([practitioner_column()], away=[off])
    assert blocks(layout, "off") == []
    assert len(blocks(layout, "free")) == 1


def test_a_gap_shorter_than_the_shortest_booking_is_not_offered():
    a = booked("a", MONDAY, "09:00", "10:00")
    b = booked("b", MONDAY, "10:25", "17:00")
    layout = lay_out([practitioner_column()], [a, b])
    assert blocks(layout, "free") == []
    c = booked("b", MONDAY, "10:30", "17:00")
    assert blocks(lay_out([practitioner_column()], [a, c]), "free") == [
        ("free", "10:00", "10:30", 60, 30)
    ]


def test_no_free_gaps_on_past_days_or_for_someone_not_taking_bookings():
    assert blocks(lay_out([practitioner_column()], now=LATER), "free") == []
    assert blocks(lay_out([practitioner_column(bookable=False)]), "free") == []
    # Their working time is still drawn.
    assert lay_out([practitioner_column(bookable=False)]).columns[0].bands == [(0, 480)]


def test_today_free_time_starts_at_the_next_slot_step_after_now():
    now = at(MONDAY, "10:07")
    layout = lay_out([practitioner_column()], now=now)
    assert blocks(layout, "free") == [("free", "10:15", "17:00", 75, 405)]
    assert layout.columns[0].now_top == 67


def test_today_on_the_step_the_gap_starts_now():
    layout = lay_out([practitioner_column()], now=at(MONDAY, "10:30"))
    assert blocks(layout, "free")[0][1] == "10:30"


def test_the_now_line_only_on_today_and_inside_the_hours_shown():
    assert lay_out([practitioner_column()], now=at(MONDAY, "18:00")).columns[0].now_top is None
    tomorrow = lay_out([practitioner_column(MONDAY + timedelta(days=1))], now=at(MONDAY, "10:00"))
    assert tomorrow.columns[0].now_top is None
    rooms = lay_out([Column("r1", MONDAY)], now=at(MONDAY, "10:00"))
    assert rooms.columns[0].now_top == 60  # rooms show the now line too


def test_a_room_column_shows_appointments_only():
    off = Away("r1", at(MONDAY, "13:00"), at(MONDAY, "14:00"))
    layout = lay_out(
        [Column("r1", MONDAY)], [booked("a", MONDAY, "10:00", "11:00", owner="r1")], [off]
    )
    column = layout.columns[0]
    assert [i.kind for i in column.items] == ["appointment"]
    assert column.bands == []


def test_blocks_are_in_time_order_appointments_first_at_the_same_time():
    off = Away(1, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    a = booked("a", MONDAY, "10:00", "10:30")
    layout = lay_out([practitioner_column()], [a], [off])
    assert [(i.kind, i.start) for i in layout.columns[0].items] == [
        ("free", "09:00"),
        ("appointment", "10:00"),
        ("off", "10:00"),
        ("free", "11:00"),
    ]


# --- daylight saving ------------------------------------------------------------------

LONDON_SPRING = date(2026, 3, 29)  # 01:00 GMT becomes 02:00 BST
LONDON_AUTUMN = date(2026, 10, 25)  # 02:00 BST becomes 01:00 GMT
NEW_YORK_SPRING = date(2026, 3, 8)  # 02:00 EST becomes 03:00 EDT
NEW_YORK_AUTUMN = date(2026, 11, 1)  # 02:00 EDT becomes 01:00 EST


@pytest.mark.parametrize(
    "zone, day",
    [
        (LONDON, LONDON_SPRING),
        (LONDON, LONDON_AUTUMN),
        (NEW_YORK, NEW_YORK_SPRING),
        (NEW_YORK, NEW_YORK_AUTUMN),
    ],
)
def test_on_a_change_day_the_wall_clock_decides_where_a_block_sits(zone, day):
    a = booked("a", day, "10:00", "11:30", zone=zone)
    off = Away(1, at(day - timedelta(days=1), "18:00", zone), at(day, "12:00", zone), "Away")
    layout = lay_out([practitioner_column(day)], [a], [off], zone=zone, now=at(day, "09:45", zone))
    assert (layout.first, layout.last) == (9 * 60, 17 * 60)
    item = appointments(layout)["a"]
    assert (item.start, item.end, item.top, item.height) == ("10:00", "11:30", 60, 90)
    # Time off from the evening before ends level with the 12:00 line, not an hour off.
    assert blocks(layout, "off") == [("off", "00:00", "12:00", 0, 180)]
    assert blocks(layout, "free") == [("free", "12:00", "17:00", 180, 300)]
    assert layout.columns[0].now_top == 45


def test_across_the_spring_gap_a_block_runs_to_its_wall_clock_end():
    # 00:30 GMT to 02:30 BST is one hour, drawn from 00:30 to 02:30 on the clock.
    start, end = at(LONDON_SPRING, "00:30"), at(LONDON_SPRING, "02:30")
    assert end - start == timedelta(hours=1)
    part = calendar.day_part(start, end, LONDON_SPRING, LONDON)
    assert (part.first, part.last, part.start, part.end) == (30, 150, "00:30", "02:30")


def test_in_the_repeated_autumn_hour_a_block_keeps_its_real_length():
    # 01:30 EDT to 01:30 EST: one hour that starts and ends at 01:30 on the clock.
    start = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    end = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert start.astimezone(NEW_YORK).strftime("%H:%M") == "01:30"
    assert end.astimezone(NEW_YORK).strftime("%H:%M") == "01:30"
    part = calendar.day_part(start, end, NEW_YORK_AUTUMN, NEW_YORK)
    assert (part.first, part.last, part.start, part.end) == (90, 150, "01:30", "01:30")
    layout = lay_out(
        [practitioner_column(NEW_YORK_AUTUMN)],
        [Booked("night", 1, start, end)],
        zone=NEW_YORK,
    )
    (item,) = layout.columns[0].outside  # before 07:00: listed below the column
    assert (item.start, item.end) == ("01:30", "01:30")


def test_a_week_across_the_change_keeps_every_day_on_the_wall_clock():
    monday = LONDON_SPRING - timedelta(days=6)
    days = [monday + timedelta(days=n) for n in range(7)]
    appts = [booked(str(d), d, "09:00", "10:00") for d in days]
    layout = lay_out([practitioner_column(d) for d in days], appts)
    for n in range(7):
        item = appointments(layout, n)[str(days[n])]
        assert (item.top, item.start) == (0, "09:00"), days[n]
