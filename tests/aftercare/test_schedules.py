"""Signing a session creates its aftercare schedule and one message row per e-mailed moment."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from aftercare.defaults import DEFAULT_AFTERCARE
from aftercare.models import AftercareSchedule, AftercareTemplate
from aftercare.schedules import (
    aftercare_cancel_session,
    aftercare_schedule_session,
    aftercare_template_current,
    aftercare_template_publish,
)
from clinic.messaging.models import OutgoingMessage
from common.errors import ApplicationError
from tests.factories import ClientFactory, plan_for

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
ENDED = datetime(2026, 3, 26, 16, 0, tzinfo=LONDON)  # GMT; BST from 29 March


@pytest.fixture
def at_signing():
    with time_machine.travel(ENDED + timedelta(minutes=5), tick=False) as traveller:
        yield traveller


def due_times(session) -> dict[str, datetime]:
    prefix = f"aftercare:session:{session.pk}:"
    rows = OutgoingMessage.objects.filter(session_id=session.pk)
    return {row.dedupe_key.removeprefix(prefix): row.due_at for row in rows}


def test_signing_creates_the_schedule_and_one_message_per_emailed_moment(
    at_signing, signed_session, client_record
):
    session = signed_session(client_record, ended_at=ENDED)

    schedule = aftercare_schedule_session(session=session)

    assert schedule.session_id == session.pk
    assert schedule.timezone == "Europe/London"
    assert schedule.template.version == 1
    assert schedule.interval_days == session.plan.interval_days
    rows = OutgoingMessage.objects.filter(session_id=session.pk).order_by("due_at", "id")
    # 0 h, +24 h, sunscreen days 2–7, day 3, day 7, day 14, next session.
    assert rows.count() == 12
    assert {r.appointment_id for r in rows} == {session.appointment_id}
    assert {r.status for r in rows} == {"pending"}
    assert {r.client_id for r in rows} == {client_record.pk}
    due = due_times(session)
    assert due["immediate"] == ENDED  # the moment it speaks of, sent at once on signing
    assert due["24h"] == datetime(2026, 3, 27, 16, 0, tzinfo=UTC)
    assert due["sunscreen:d2"] == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)  # 09:00 GMT
    assert due["day3"] == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 BST
    assert due["day14"] == datetime(2026, 4, 9, 8, 0, tzinfo=UTC)
    interval = session.plan.interval_days
    expected_next = datetime.combine(
        ENDED.date() + timedelta(days=interval - 7), datetime.min.time().replace(hour=9),
        tzinfo=LONDON,
    )  # fmt: skip
    assert due["next_session"] == expected_next.astimezone(UTC)
    assert rows.first().context == {
        "schedule_id": schedule.pk,
        "session_id": session.pk,
        "entry": "immediate",
    }


def test_scheduling_twice_creates_nothing_more(at_signing, signed_session, client_record):
    session = signed_session(client_record, ended_at=ENDED)
    first = aftercare_schedule_session(session=session)

    again = aftercare_schedule_session(session=session)

    assert again.pk == first.pk
    assert AftercareSchedule.objects.count() == 1
    assert OutgoingMessage.objects.filter(session_id=session.pk).count() == 12


def test_the_database_refuses_the_same_message_or_schedule_twice(
    at_signing, signed_session, client_record
):
    session = signed_session(client_record, ended_at=ENDED)
    schedule = aftercare_schedule_session(session=session)
    day3 = OutgoingMessage.objects.get(dedupe_key=f"aftercare:session:{session.pk}:day3")

    with pytest.raises(IntegrityError), transaction.atomic():
        OutgoingMessage.objects.create(
            clinic=day3.clinic, client=day3.client, kind=day3.kind,
            dedupe_key=day3.dedupe_key, due_at=day3.due_at,
        )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        AftercareSchedule.objects.create(
            clinic=schedule.clinic, client=schedule.client, session=session,
            template=schedule.template, timezone="UTC", ended_at=ENDED,
        )  # fmt: skip


def test_the_clients_own_time_zone_is_used(at_signing, signed_session, clinic):
    client = ClientFactory(clinic=clinic, timezone="America/New_York")
    session = signed_session(client, ended_at=ENDED)  # 12:00 in New York

    aftercare_schedule_session(session=session)

    # Day 3 after 26 March in New York is 29 March, 09:00 EDT.
    assert due_times(session)["day3"] == datetime(2026, 3, 29, 9, tzinfo=NEW_YORK)
    assert AftercareSchedule.objects.get(session=session).timezone == "America/New_York"


def test_without_a_client_zone_the_clinics_is_used(at_signing, signed_session, other_clinic):
    client = ClientFactory(clinic=other_clinic, timezone="")
    session = signed_session(client, ended_at=ENDED)

    aftercare_schedule_session(session=session)

    assert AftercareSchedule.objects.get(session=session).timezone == "America/New_York"
    assert due_times(session)["day7"] == datetime(2026, 4, 2, 9, tzinfo=NEW_YORK)


def test_the_last_session_of_a_course_gets_no_next_session_invitation(
    at_signing, signed_session, client_record
):
    plan = plan_for(client_record, planned_sessions=1)
    session = signed_session(client_record, ended_at=ENDED, plan=plan)

    schedule = aftercare_schedule_session(session=session)

    assert schedule.interval_days is None
    assert "next_session" not in due_times(session)
    assert OutgoingMessage.objects.filter(session_id=session.pk).count() == 11


def test_the_second_of_three_sessions_still_gets_the_invitation(
    at_signing, signed_session, client_record
):
    plan = plan_for(client_record, planned_sessions=3, interval_days=30)
    signed_session(client_record, ended_at=ENDED - timedelta(days=30), plan=plan)
    second = signed_session(client_record, ended_at=ENDED, plan=plan)

    aftercare_schedule_session(session=second)

    assert due_times(second)["next_session"] == datetime(2026, 4, 18, 9, tzinfo=LONDON)


def test_moments_not_sent_by_email_get_no_message(at_signing, signed_session, client_record):
    data = copy.deepcopy(DEFAULT_AFTERCARE)
    for item in data["items"]:
        item["email"] = item["code"] in {"immediate", "day3"}
    aftercare_template_publish(
        clinic=client_record.clinic, data=data, actor=None, note="Fewer e-mails"
    )
    session = signed_session(client_record, ended_at=ENDED)

    schedule = aftercare_schedule_session(session=session)

    assert schedule.template.version == 2
    assert set(due_times(session)) == {"immediate", "day3"}
    assert len(schedule.entries()) == 12  # the timeline still shows every moment


def test_a_template_version_is_immutable_and_a_bad_one_is_refused(client_record):
    template = aftercare_template_current(clinic=client_record.clinic)
    with pytest.raises(RuntimeError):
        template.save()
    bad = {"items": [{"code": "x", "kind": "aftercare_day3", "offset": "soon", "text": "t"}]}
    with pytest.raises(ApplicationError) as error:
        aftercare_template_publish(clinic=client_record.clinic, data=bad, actor=None)
    assert error.value.code == "invalid_aftercare_template"
    assert AftercareTemplate.objects.filter(clinic=client_record.clinic).count() == 1


def test_cancelling_the_session_cancels_its_pending_messages(
    at_signing, signed_session, client_record
):
    session = signed_session(client_record, ended_at=ENDED)
    aftercare_schedule_session(session=session)

    cancelled = aftercare_cancel_session(session=session, reason="Recorded in error.")

    assert cancelled == 12
    assert set(
        OutgoingMessage.objects.filter(session_id=session.pk).values_list("status", flat=True)
    ) == {"cancelled"}
    assert AftercareSchedule.objects.get(session=session).cancelled_reason == "Recorded in error."


def test_an_unsigned_session_has_no_aftercare(at_signing, signed_session, client_record):
    session = signed_session(client_record, ended_at=ENDED)
    session.signed_at = None
    with pytest.raises(ValueError, match="signed"):
        aftercare_schedule_session(session=session)


# --- too late, per kind (decision 0013) -----------------------------------------------


def statuses(session) -> dict[str, tuple[str, str]]:
    prefix = f"aftercare:session:{session.pk}:"
    rows = OutgoingMessage.objects.filter(session_id=session.pk)
    return {r.dedupe_key.removeprefix(prefix): (r.status, r.cancelled_reason) for r in rows}


def test_every_aftercare_kind_says_how_late_it_may_go_out():
    from aftercare.timeline import AFTERCARE_KINDS
    from clinic.messaging import kinds

    for name, spec in AFTERCARE_KINDS.items():
        assert isinstance(spec["late_after"], timedelta) and spec["late_after"] > timedelta(0)
        assert kinds.get(name).max_lateness == spec["late_after"]


def test_signed_soon_after_the_end_the_sheet_goes_out_at_once(
    signed_session, client_record, enqueued, django_capture_on_commit_callbacks
):
    with time_machine.travel(ENDED + timedelta(hours=2), tick=False):
        session = signed_session(client_record, ended_at=ENDED)
        with django_capture_on_commit_callbacks(execute=True):
            aftercare_schedule_session(session=session)

    assert statuses(session)["immediate"] == ("pending", "")
    immediate = OutgoingMessage.objects.get(dedupe_key__endswith=":immediate")
    assert immediate.pk in enqueued


def test_signed_hours_after_the_end_the_straight_after_sheet_is_skipped_with_the_reason(
    signed_session, client_record
):
    with time_machine.travel(ENDED + timedelta(hours=7), tick=False):
        session = signed_session(client_record, ended_at=ENDED)
        aftercare_schedule_session(session=session)

    status = statuses(session)
    assert status["immediate"] == (
        "skipped",
        "Too late: it was due 7 hours ago; this kind goes out at most 6 hours after its time.",
    )
    assert status["24h"] == ("pending", "")
    assert status["day3"] == ("pending", "")


def test_signed_the_next_day_each_moment_is_judged_by_its_own_kind(signed_session, client_record):
    # Ended Thursday 16:00; signed on Saturday 28 March at 10:30.
    with time_machine.travel(datetime(2026, 3, 28, 10, 30, tzinfo=LONDON), tick=False):
        session = signed_session(client_record, ended_at=ENDED)
        aftercare_schedule_session(session=session)

    status = statuses(session)
    assert status["immediate"][0] == "skipped"
    assert status["24h"][0] == "skipped"  # due Friday 16:00, 18.5 hours ago
    assert status["sunscreen:d2"] == ("pending", "")  # 09:00 today, a morning reminder still
    assert status["sunscreen:d3"] == ("pending", "")
    assert status["day3"] == ("pending", "")
