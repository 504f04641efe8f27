"""The preparation timeline and the dated list: pure, no database, no clock (DOMAIN.md §6)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from precare import timeline
from precare.defaults import DEFAULT_PRECARE
from treatments.screening.defaults import DEFAULT_RULE_SET
from treatments.screening.rules.model import RuleSet

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
ITEMS = timeline.parse_template(DEFAULT_PRECARE).items
THINGS = DEFAULT_PRECARE["things"]


def wall(entry: timeline.Entry) -> str:
    """The entry's time on the client's wall clock."""
    return entry.local.strftime("%Y-%m-%d %H:%M")


def build(start: datetime, planned_at: datetime, zone=LONDON) -> dict[str, timeline.Entry]:
    entries = timeline.build(ITEMS, start=start, planned_at=planned_at, zone=zone)
    return {e.code: e for e in entries}


def rules(**periods: dict) -> RuleSet:
    data = copy.deepcopy(DEFAULT_RULE_SET)
    for rule in data["rules"]:
        if rule["code"] in periods:
            condition = rule["condition"]
            condition.pop("days", None)
            condition.pop("months", None)
            condition.update(periods[rule["code"]])
    return RuleSet.from_data(data, version=1)


# --- offsets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("at booking", timeline.Offset(type="booking")),
        ("-48h", timeline.Offset(type="hours", hours=48)),
        ("- 48 h", timeline.Offset(type="hours", hours=48)),
        ("-7 days 09:00", timeline.Offset(type="days", days=7, at=time(9, 0))),
        ("-1 day 18:00", timeline.Offset(type="days", days=1, at=time(18, 0))),
    ],
)
def test_offsets_are_read_from_their_written_form(text, expected):
    assert timeline.parse_offset(text) == expected


@pytest.mark.parametrize("text", ["", "+24h", "-0h", "-7 days 25:00", "-400 days 09:00", "soon"])
def test_unusable_offsets_are_refused(text):
    with pytest.raises(timeline.TemplateError):
        timeline.parse_offset(text)


def test_the_default_template_has_the_five_moments_of_domain_section_6():
    assert [(i.kind, i.offset.describe()) for i in ITEMS] == [
        ("precare_booking", "at booking"),
        ("precare_14d", "14 days before, 09:00"),
        ("precare_7d", "7 days before, 09:00"),
        ("readiness_check", "48 hours before the start"),
        ("precare_day_before", "1 day before, 18:00"),
    ]


def test_readiness_is_not_optional_and_the_reminders_are():
    optional = {i.kind: i.optional for i in ITEMS}
    assert optional == {
        "precare_booking": False,
        "precare_14d": True,
        "precare_7d": True,
        "readiness_check": False,
        "precare_day_before": True,
    }


def test_a_template_without_the_readiness_check_is_refused():
    data = copy.deepcopy(DEFAULT_PRECARE)
    data["items"] = [i for i in data["items"] if i["kind"] != "readiness_check"]
    with pytest.raises(timeline.TemplateError, match="readiness_check"):
        timeline.parse_template(data)


def test_a_template_with_a_kind_twice_or_an_empty_text_is_refused():
    twice = copy.deepcopy(DEFAULT_PRECARE)
    twice["items"].append(copy.deepcopy(twice["items"][1]))
    with pytest.raises(timeline.TemplateError, match="twice"):
        timeline.parse_template(twice)
    empty = copy.deepcopy(DEFAULT_PRECARE)
    empty["items"][2]["text"] = "  "
    with pytest.raises(timeline.TemplateError, match="empty"):
        timeline.parse_template(empty)


# --- due times across daylight-saving changes ----------------------------------------------


def test_london_spring_forward_seven_days_09_00_stays_09_00_local_and_48h_is_real_hours():
    # BST starts Sunday 29 March 2026; the treatment is Monday 30 March 10:00 BST.
    start = datetime(2026, 3, 30, 10, 0, tzinfo=LONDON)
    entries = build(start, planned_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    seven = entries["precare_7d"]
    assert wall(seven) == "2026-03-23 09:00"
    assert seven.due_at == datetime(2026, 3, 23, 9, 0, tzinfo=UTC)  # GMT then
    ready = entries["readiness_check"]
    assert start.astimezone(UTC) - ready.due_at == timedelta(hours=48)
    # 48 real hours before 10:00 BST is 09:00 GMT on Saturday: the clock moved in between.
    assert wall(ready) == "2026-03-28 09:00"
    day_before = entries["precare_day_before"]
    assert wall(day_before) == "2026-03-29 18:00"
    assert day_before.due_at == datetime(2026, 3, 29, 17, 0, tzinfo=UTC)


def test_london_fall_back_seven_days_09_00_in_bst_and_48h_crosses_the_change():
    # GMT returns Sunday 25 October 2026; the treatment is Monday 26 October 10:00 GMT.
    start = datetime(2026, 10, 26, 10, 0, tzinfo=LONDON)
    entries = build(start, planned_at=datetime(2026, 9, 1, 12, 0, tzinfo=UTC))
    seven = entries["precare_7d"]
    assert wall(seven) == "2026-10-19 09:00"
    assert seven.due_at == datetime(2026, 10, 19, 8, 0, tzinfo=UTC)  # BST then
    ready = entries["readiness_check"]
    assert ready.due_at == datetime(2026, 10, 24, 10, 0, tzinfo=UTC)
    assert wall(ready) == "2026-10-24 11:00"  # BST clock


def test_the_clients_zone_counts_not_utc_new_york_spring_forward():
    # New York's DST starts Sunday 8 March 2026; treatment Monday 9 March 09:30 EDT.
    start = datetime(2026, 3, 9, 9, 30, tzinfo=NEW_YORK)
    entries = build(start, planned_at=datetime(2026, 2, 1, tzinfo=UTC), zone=NEW_YORK)
    assert wall(entries["precare_7d"]) == "2026-03-02 09:00"
    assert entries["precare_7d"].due_at == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # EST
    ready = entries["readiness_check"]
    assert wall(ready) == "2026-03-07 08:30"  # EST, an hour earlier
    assert entries["precare_14d"].due_at == datetime(2026, 2, 23, 14, 0, tzinfo=UTC)


def test_southern_hemisphere_dst_ends_in_april():
    # Sydney leaves daylight time on Sunday 5 April 2026; treatment Monday 6 April 09:00.
    start = datetime(2026, 4, 6, 9, 0, tzinfo=SYDNEY)
    entries = build(start, planned_at=datetime(2026, 3, 1, tzinfo=UTC), zone=SYDNEY)
    assert wall(entries["precare_7d"]) == "2026-03-30 09:00"
    assert entries["precare_7d"].due_at == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # AEDT
    # 48 real hours before 09:00 AEST is 10:00 AEDT on the Saturday.
    assert wall(entries["readiness_check"]) == "2026-04-04 10:00"


def test_a_late_evening_appointment_counts_days_from_the_local_date_not_utc():
    # 23:30 in New York is the next day in UTC; "7 days before" is from the local date.
    start = datetime(2026, 6, 15, 23, 30, tzinfo=NEW_YORK)
    entries = build(start, planned_at=datetime(2026, 5, 1, tzinfo=UTC), zone=NEW_YORK)
    assert entries["precare_7d"].local.date() == date(2026, 6, 8)


# --- booking close to the visit ------------------------------------------------------------


START = datetime(2026, 6, 20, 11, 0, tzinfo=LONDON)  # a Saturday in BST


def past_codes(planned_at: datetime) -> set[str]:
    return {code for code, e in build(START, planned_at).items() if e.past_at_planning}


def test_booked_more_than_14_days_ahead_every_moment_is_ahead():
    assert past_codes(datetime(2026, 6, 6, 8, 59, tzinfo=LONDON)) == set()


def test_booked_just_after_the_14_day_moment_it_is_not_sent():
    assert past_codes(datetime(2026, 6, 6, 9, 0, tzinfo=LONDON)) == {"precare_14d"}


def test_booked_less_than_7_days_ahead_the_14_and_7_day_moments_are_past():
    assert past_codes(datetime(2026, 6, 13, 9, 1, tzinfo=LONDON)) == {"precare_14d", "precare_7d"}


def test_booked_less_than_48_hours_ahead_only_the_day_before_remains():
    planned = START - timedelta(hours=47)
    assert past_codes(planned) == {"precare_14d", "precare_7d", "readiness_check"}


def test_booked_the_evening_before_only_the_sheet_goes():
    planned = datetime(2026, 6, 19, 19, 0, tzinfo=LONDON)
    entries = build(START, planned)
    assert [e.code for e in entries.values() if not e.past_at_planning] == ["precare_booking"]
    assert entries["precare_booking"].due_at == planned.astimezone(UTC)


# --- the dated list from the rule set -----------------------------------------------------


def test_every_dated_deferral_rule_becomes_from_appointment_date_minus_its_period():
    items = timeline.dated_items(
        rules(), things=THINGS, appointment_date=date(2026, 6, 20), planned_on=date(2026, 1, 5)
    )
    by_rule = {i.rule_code: i.from_date for i in items}
    assert by_rule == {
        "RETINOIDS_ACIDS": date(2026, 6, 13),
        "SUN_EXPOSURE": date(2026, 6, 6),
        "BOTULINUM_TOXIN": date(2026, 6, 6),
        "LASER_OR_PEEL": date(2026, 6, 6),
        "DERMAL_FILLER": date(2026, 5, 23),
        "ISO_RECENT": date(2025, 12, 20),
        "CANCER_TREATMENT_RECENT": date(2025, 6, 20),
    }
    retinoids = next(i for i in items if i.rule_code == "RETINOIDS_ACIDS")
    assert retinoids.sentence(on=date(2026, 1, 5)) == (
        "From Saturday 13 June 2026, no retinoids (retinol, tretinoin, adapalene) or "
        "exfoliating acids (glycolic, lactic, salicylic) on the area."
    )


def test_a_clinic_period_of_14_days_for_retinoids_moves_the_date():
    items = timeline.dated_items(
        rules(RETINOIDS_ACIDS={"days": 14}),
        things=THINGS,
        appointment_date=date(2026, 6, 20),
        planned_on=date(2026, 5, 1),
    )
    retinoids = next(i for i in items if i.rule_code == "RETINOIDS_ACIDS")
    assert retinoids.from_date == date(2026, 6, 6)
    assert retinoids.period == "14 days"


def test_months_are_calendar_months_clamped_to_the_end_of_a_shorter_month():
    items = timeline.dated_items(
        rules(ISO_RECENT={"months": 6}),
        things=THINGS,
        appointment_date=date(2026, 8, 31),
        planned_on=date(2026, 8, 1),
    )
    iso = next(i for i in items if i.rule_code == "ISO_RECENT")
    assert iso.from_date == date(2026, 2, 28)
    leap = timeline.dated_items(
        rules(ISO_RECENT={"months": 6}),
        things=THINGS,
        appointment_date=date(2028, 8, 31),
        planned_on=date(2028, 8, 1),
    )
    assert next(i for i in leap if i.rule_code == "ISO_RECENT").from_date == date(2028, 2, 29)


def test_a_date_already_past_at_booking_asks_the_client_to_tell_the_clinic():
    items = timeline.dated_items(
        rules(), things=THINGS, appointment_date=date(2026, 6, 20), planned_on=date(2026, 6, 16)
    )
    sun = next(i for i in items if i.rule_code == "SUN_EXPOSURE")
    assert sun.past_at_planning
    assert sun.sentence(on=date(2026, 6, 16)) == (
        "If you have had sunburn or tanning on the area (sun, sunbeds or self-tan) since "
        "Saturday 6 June 2026, tell us before your visit: it may need to move."
    )
    retinoids = next(i for i in items if i.rule_code == "RETINOIDS_ACIDS")
    assert retinoids.past_at_planning  # from 13 June: also before the 16th


def test_the_day_of_booking_itself_is_from_today_not_past():
    items = timeline.dated_items(
        rules(), things=THINGS, appointment_date=date(2026, 6, 20), planned_on=date(2026, 6, 13)
    )
    retinoids = next(i for i in items if i.rule_code == "RETINOIDS_ACIDS")
    assert not retinoids.past_at_planning
    assert retinoids.sentence(on=date(2026, 6, 13)).startswith("From today (Saturday 13 June")
    assert retinoids.sentence(on=date(2026, 6, 15)).startswith("Since Saturday 13 June 2026, no")


def test_a_rule_the_clinic_adds_is_worded_from_its_title():
    data = copy.deepcopy(DEFAULT_RULE_SET)
    data["questions"].append(
        {
            "code": "tattoo_last",
            "text": "When did you last have a tattoo?",
            "type": "date",
            "past_date": True,
            "group": "skincare_and_sun",
            "help": "",
        }
    )
    data["rules"].append(
        {
            "code": "TATTOO",
            "title": "Tattoo in the last 21 days",
            "severity": "defer",
            "condition": {"type": "date_within", "question": "tattoo_last", "days": 21},
            "explanation": "Wait 21 days.",
            "sources": ["C2"],
        }
    )
    items = timeline.dated_items(
        RuleSet.from_data(data, version=2),
        things=THINGS,
        appointment_date=date(2026, 6, 20),
        planned_on=date(2026, 5, 1),
    )
    tattoo = next(i for i in items if i.rule_code == "TATTOO")
    assert tattoo.sentence(on=date(2026, 5, 1)) == "From Saturday 30 May 2026, no tattoo."
