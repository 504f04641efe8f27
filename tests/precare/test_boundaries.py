"""The preparation moments at their boundaries, end to end (DOMAIN.md §6, issue 13 item 5).

Booked through the API, swept by beat at frozen instants, sent through a real SMTP server.
The client lives in Dublin: Irish time moves in the same hours as London's, but the
zone is its own (its summer time is "standard" in the time-zone database, with a
negative offset in winter), so the client's zone, not the clinic's, is what is counted.

- "-14 days 09:00" and "-7 days 09:00" are 09:00 on the client's wall clock that day;
- "-48h" is 48 real hours before the start, whatever the clocks did meanwhile;
- "-1 day 18:00" is 18:00 on the client's wall clock the day before.
Each goes out at its exact instant, not a second before, and once.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from clinic.messaging.services import client_unsubscribe, messages_sweep
from tests.precare.conftest import body, precare_messages, preparation_mails
from tests.screening.answers import all_no_answers
from treatments.screening import services as screening_services

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

SUBJECTS = {
    "precare_14d": "Two weeks to go",
    "precare_7d": "One week to go",
    "readiness_check": "Has anything changed?",
    "precare_day_before": "See you tomorrow",
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def dubliner(screened):
    screened.timezone = "Europe/Dublin"
    screened.save()
    return screened


def sends_exactly_at(clock, smtp_server, due: datetime) -> object:
    """Nothing a second before ``due``; one e-mail at ``due``; nothing more after."""
    clock.move_to(due - timedelta(seconds=1))
    before = len(preparation_mails(smtp_server))
    assert messages_sweep() == 0, f"something was due before {due}"
    clock.move_to(due)
    assert messages_sweep() == 1
    assert len(preparation_mails(smtp_server)) == before + 1
    clock.move_to(due + timedelta(minutes=5))
    assert messages_sweep() == 0
    return preparation_mails(smtp_server)[-1]


def test_dublin_spring_forward_wall_clock_moments_and_48_real_hours(
    book, dubliner, clock, smtp_server
):
    # Irish summer time begins Sunday 29 March 2026 at 01:00 UTC.
    # The treatment: Monday 30 March 10:00 IST = 09:00 UTC.
    appointment = book("2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z")
    due = {k: m.due_at for k, m in precare_messages(appointment["id"]).items()}
    assert due["precare_14d"] == utc(2026, 3, 16, 9, 0)  # 09:00 GMT
    assert due["precare_7d"] == utc(2026, 3, 23, 9, 0)  # 09:00 GMT
    # 48 real hours before 09:00 UTC on Monday: 09:00 UTC on Saturday, 09:00 on the
    # client's clock (still GMT then), although the wall clock at the start says 10:00.
    assert due["readiness_check"] == utc(2026, 3, 28, 9, 0)
    assert due["precare_day_before"] == utc(2026, 3, 29, 17, 0)  # 18:00 IST
    for kind in ("precare_14d", "precare_7d", "readiness_check", "precare_day_before"):
        mail = sends_exactly_at(clock, smtp_server, due[kind])
        assert mail["Subject"].startswith(SUBJECTS[kind]), (kind, mail["Subject"])
    readiness = preparation_mails(smtp_server)[-2]
    assert "Monday 30 March 2026 at 10:00 (Europe/Dublin)" in body(readiness)


def test_dublin_fall_back_wall_clock_moments_and_48_real_hours(
    book, dubliner, clock, smtp_server, reception
):
    # Irish summer time ends Sunday 25 October 2026 at 01:00 UTC.
    # The treatment: Monday 26 October 10:00 GMT = 10:00 UTC; booked on 1 October.
    clock.move_to(utc(2026, 10, 1, 8, 0))
    screening_services.screening_take(
        client=dubliner,
        actor=reception.user,
        planned_date=date(2026, 10, 1),
        raw_answers=all_no_answers(),
    )
    appointment = book("2026-10-26T10:00:00Z", "2026-10-26T11:00:00Z")
    due = {k: m.due_at for k, m in precare_messages(appointment["id"]).items()}
    assert due["precare_14d"] == utc(2026, 10, 12, 8, 0)  # 09:00 IST
    assert due["precare_7d"] == utc(2026, 10, 19, 8, 0)  # 09:00 IST
    # 48 real hours: Saturday 24 October 10:00 UTC, 11:00 on the client's (summer) clock.
    assert due["readiness_check"] == utc(2026, 10, 24, 10, 0)
    assert due["precare_day_before"] == utc(2026, 10, 25, 18, 0)  # 18:00 GMT
    for kind in ("precare_14d", "precare_7d", "readiness_check", "precare_day_before"):
        mail = sends_exactly_at(clock, smtp_server, due[kind])
        assert mail["Subject"].startswith(SUBJECTS[kind]), (kind, mail["Subject"])


def test_booked_less_than_48_hours_ahead_no_past_moment_is_sent(book, clock, smtp_server):
    # Tuesday 3 March 10:00 GMT is 26 hours after the clock (Monday 08:00).
    appointment = book("2026-03-03T10:00:00Z", "2026-03-03T11:00:00Z")
    assert set(precare_messages(appointment["id"])) == {"precare_booking", "precare_day_before"}
    for moment in (utc(2026, 3, 2, 18, 0), utc(2026, 3, 3, 9, 0)):
        clock.move_to(moment)
        messages_sweep()
    subjects = [m["Subject"] for m in preparation_mails(smtp_server)]
    assert len(subjects) == 2  # the sheet, then the day before; nothing from the past
    assert not any(s.startswith(("Two weeks", "One week", "Has anything")) for s in subjects)


def test_booked_a_second_before_the_7_day_moment_it_goes_at_that_moment(book, clock, smtp_server):
    # The 7-day moment of Monday 9 March 10:00 GMT is Monday 2 March 09:00 GMT.
    clock.move_to(utc(2026, 3, 2, 8, 59, 59))
    appointment = book("2026-03-09T10:00:00Z", "2026-03-09T11:00:00Z")
    messages = precare_messages(appointment["id"])
    assert "precare_14d" not in messages  # 23 February: past, not sent
    assert messages["precare_7d"].due_at == utc(2026, 3, 2, 9, 0)
    mail = sends_exactly_at(clock, smtp_server, utc(2026, 3, 2, 9, 0))
    assert mail["Subject"].startswith("One week to go")


def test_booked_at_the_7_day_moment_itself_the_sheet_covers_it(book, clock):
    clock.move_to(utc(2026, 3, 2, 9, 0))
    appointment = book("2026-03-09T10:00:00Z", "2026-03-09T11:00:00Z")
    assert set(precare_messages(appointment["id"])) == {
        "precare_booking",
        "readiness_check",
        "precare_day_before",
    }


def test_unsubscribed_from_every_optional_kind_the_readiness_check_still_goes(
    book, clock, smtp_server, screened
):
    appointment = book("2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z")
    for kind in ("precare_14d", "precare_7d", "precare_day_before"):
        client_unsubscribe(client=screened, kind=kind)
    statuses = {k: m.status for k, m in precare_messages(appointment["id"]).items()}
    assert statuses == {
        "precare_booking": "sent",
        "precare_14d": "cancelled",
        "precare_7d": "cancelled",
        "readiness_check": "pending",
        "precare_day_before": "cancelled",
    }
    for moment in (utc(2026, 3, 16, 9, 0), utc(2026, 3, 23, 9, 0), utc(2026, 3, 28, 9, 0)):
        clock.move_to(moment)
        messages_sweep()
    clock.move_to(utc(2026, 3, 29, 17, 0))
    messages_sweep()
    subjects = [m["Subject"] for m in preparation_mails(smtp_server)]
    assert len(subjects) == 2
    assert subjects[1].startswith("Has anything changed?")
    assert "/readiness/" in body(preparation_mails(smtp_server)[1])
