"""Aftercare e-mails end to end: a real SMTP server in the test process, frozen time.

The signing transaction schedules the messages; beat's sweep (called here at the frozen
times) starts the senders, which Celery, eager in tests, runs inline: they send through
Django's SMTP backend to the aiosmtpd server of the ``smtp_server`` fixture.
"""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aftercare.models import AftercareSchedule
from aftercare.schedules import aftercare_cancel_session, aftercare_schedule_session
from clinic.booking.models import Appointment
from clinic.messaging import services
from clinic.messaging.models import OutgoingMessage
from clinic.messaging.services import messages_cancel, messages_sweep
from tests.factories import ClientFactory, appointment_for, plan_for

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
ENDED = datetime(2026, 3, 26, 16, 0, tzinfo=LONDON)  # GMT; BST from 29 March
INSTRUCTION_24H = "makeup, exercise and swimming may resume"


@pytest.fixture
def clock():
    with time_machine.travel(ENDED + timedelta(minutes=5), tick=False) as traveller:
        yield traveller


@pytest.fixture
def sign(signed_session, django_capture_on_commit_callbacks):
    """Sign a session the way the signing service does: schedule in its transaction."""

    def do(client, *, ended_at=ENDED, **fields):
        session = signed_session(client, ended_at=ended_at, **fields)
        with django_capture_on_commit_callbacks(execute=True):
            aftercare_schedule_session(session=session)
        return session

    return do


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()


def body(message, subtype: str) -> str:
    return message.get_body(preferencelist=(subtype,)).get_content()


def pdf_of(message) -> bytes:
    (attachment,) = [p for p in message.iter_attachments()]
    assert attachment.get_content_type() == "application/pdf"
    return attachment.get_content()


def kinds(smtp_server) -> list[str]:
    return [str(m["Subject"]).split(":")[0] for m in smtp_server.messages]


def sweep_at(clock, when: datetime) -> int:
    clock.move_to(when)
    return messages_sweep()


def message(session, code: str) -> OutgoingMessage:
    return OutgoingMessage.objects.get(dedupe_key=f"aftercare:session:{session.pk}:{code}")


# --- the right messages at the right times ------------------------------------------------


def test_the_aftercare_sheet_goes_out_on_signing_with_the_personalised_pdf(
    clock, smtp_server, sign, client_record
):
    session = sign(client_record)

    (email,) = smtp_server.messages
    assert email["To"] == client_record.email
    assert (
        email["Subject"] == "Straight after your treatment: your aftercare from Harbour Skin Clinic"
    )
    text, html = body(email, "plain"), body(email, "html")
    for part in (text, html):
        assert "Redness like a mild sunburn is expected" in part
        assert "A cold-sore outbreak" in part  # the warning signs
        assert client_record.clinic.phone in part and client_record.clinic.email in part
        assert "/aftercare/" in part  # the signed link to the client's page
        assert "/aftercare/unsubscribe/" not in part  # the sheet is not optional
    assert "List-Unsubscribe" not in email
    pdf = pdf_text(pdf_of(email))
    assert "Amelia Hughes" in pdf
    assert INSTRUCTION_24H in " ".join(pdf.split())
    assert "Thursday 26 March 2026" in pdf
    assert "Sun 29 Mar 2026, 09:00" in pdf  # a local date and time from the timeline
    assert "Cheeks and chin" in pdf or session.areas.first().area.replace("_", " ") in pdf.lower()
    assert message(session, "immediate").status == "sent"
    # The PDF task ran after the commit; the e-mail used the cached file.
    schedule = AftercareSchedule.objects.get(session=session)
    assert schedule.pdf_key.startswith("v1-") and schedule.pdf_file.name.endswith(".pdf")


def test_each_reminder_arrives_at_its_frozen_time_and_not_before(
    clock, smtp_server, sign, client_record
):
    session = sign(client_record)
    assert len(smtp_server.messages) == 1

    # +24 h: exactly 24 hours after the end, not a minute before.
    assert sweep_at(clock, datetime(2026, 3, 27, 15, 59, tzinfo=UTC)) == 0
    assert sweep_at(clock, datetime(2026, 3, 27, 16, 0, tzinfo=UTC)) == 1
    latest = smtp_server.messages[-1]
    assert latest["Subject"].startswith("24 hours after")
    assert INSTRUCTION_24H in body(latest, "plain")
    pdf = pdf_text(pdf_of(latest))
    assert "Amelia Hughes" in pdf and INSTRUCTION_24H in " ".join(pdf.split())

    # Day 2, 09:00 GMT: the sun-protection reminder, with an unsubscribe link.
    assert sweep_at(clock, datetime(2026, 3, 28, 9, 0, tzinfo=UTC)) == 1
    sunscreen = smtp_server.messages[-1]
    assert sunscreen["Subject"].startswith("Morning sun protection")
    assert "/aftercare/unsubscribe/" in body(sunscreen, "plain")
    assert sunscreen["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # Day 3 is 29 March, the first day of BST: 09:00 local is 08:00 UTC.
    assert sweep_at(clock, datetime(2026, 3, 29, 7, 59, tzinfo=UTC)) == 0
    assert sweep_at(clock, datetime(2026, 3, 29, 8, 0, tzinfo=UTC)) == 2
    assert kinds(smtp_server)[-2:] == ["Morning sun protection", "Day-3 check-in"]
    assert "For Sunday 29 March, 09:00." in body(smtp_server.messages[-1], "plain")  # local
    assert message(session, "day3").sent_at.astimezone(LONDON).hour == 9

    # Nothing twice: sweeping again sends nothing.
    assert messages_sweep() == 0
    assert len(smtp_server.messages) == 5
    assert len(set(smtp_server.message_ids())) == 5


def test_cancelling_the_appointment_before_a_reminder_is_due_sends_nothing(
    clock, smtp_server, sign, client_record
):
    session = sign(client_record)

    # What booking's cancel does in its transaction (clinic/booking.py).
    cancelled = messages_cancel(appointment_id=session.appointment_id, reason="Cancelled.")

    assert cancelled == 11  # all but the sheet, which went out on signing
    assert sweep_at(clock, datetime(2026, 4, 2, 8, 0, tzinfo=UTC)) == 0
    assert len(smtp_server.messages) == 1


def test_cancelling_the_session_stops_even_a_message_already_claimed(
    clock, smtp_server, sign, client_record, senders
):
    session = sign(client_record)
    clock.move_to(datetime(2026, 3, 29, 8, 0, tzinfo=UTC))
    assert messages_sweep() == 4  # +24 h (too late by now), days 2 and 3, day-3 check-in
    # A sender claimed them before the cancellation: the send-time check stops them.
    batch = services._claim_batch(10, timezone.now())
    assert len(batch) == 4

    aftercare_cancel_session(session=session, reason="Recorded against the wrong client.")
    services._send_batch(batch, deadline=float("inf"), clock=timezone.now)

    assert len(smtp_server.messages) == 1
    day3 = message(session, "day3")
    assert day3.status == "cancelled"
    assert "Recorded against the wrong client" in day3.cancelled_reason


def test_unsubscribing_through_the_signed_link_stops_that_kind_only(
    clock, smtp_server, sign, client_record, client
):
    session = sign(client_record)
    sweep_at(clock, datetime(2026, 3, 28, 9, 0, tzinfo=UTC))
    url = str(smtp_server.messages[-1]["List-Unsubscribe"]).strip().strip("<>")
    path = urlsplit(url).path
    assert path in body(smtp_server.messages[-1], "plain")

    page = client.get(path)
    assert page.status_code == 200 and b"Stop" in page.content  # GET only asks
    assert message(session, "sunscreen:d3").status == "pending"
    assert client.post(path).status_code == 200

    assert message(session, "sunscreen:d3").status == "cancelled"
    sweep_at(clock, datetime(2026, 3, 29, 8, 0, tzinfo=UTC))
    assert kinds(smtp_server)[-1] == "Day-3 check-in"
    assert kinds(smtp_server).count("Morning sun protection") == 1
    assert message(session, "day3").status == "sent"


def test_a_tampered_unsubscribe_link_is_404_and_audited(client, client_record):
    from common.models import AuditEvent

    response = client.post("/aftercare/unsubscribe/eyJjIjoxLCJrIjoiYWZ0ZXJjYXJlX2RheTE0In0:bad/")

    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        object_type="unsubscription", outcome="denied", channel="link"
    ).exists()


@pytest.mark.parametrize(
    ("zone_name", "ended_local", "day3_utc"),
    [
        # London spring: GMT → BST on 29 March 2026.
        ("Europe/London", (2026, 3, 27, 17, 0), (2026, 3, 30, 8, 0)),
        # London autumn: BST → GMT on 25 October 2026.
        ("Europe/London", (2026, 10, 23, 17, 0), (2026, 10, 26, 9, 0)),
        # New York spring: EST → EDT on 8 March 2026.
        ("America/New_York", (2026, 3, 6, 17, 0), (2026, 3, 9, 13, 0)),
        # New York autumn: EDT → EST on 1 November 2026.
        ("America/New_York", (2026, 10, 30, 17, 0), (2026, 11, 2, 14, 0)),
    ],
)
def test_the_day_3_reminder_lands_at_09_00_local_across_daylight_saving_changes(
    smtp_server, signed_session, django_capture_on_commit_callbacks, clinic,
    zone_name, ended_local, day3_utc,
):  # fmt: skip
    zone = ZoneInfo(zone_name)
    ended = datetime(*ended_local, tzinfo=zone)
    client_record = ClientFactory(clinic=clinic, timezone=zone_name)
    with time_machine.travel(ended + timedelta(minutes=10), tick=False) as clock:
        session = signed_session(client_record, ended_at=ended)
        with django_capture_on_commit_callbacks(execute=True):
            aftercare_schedule_session(session=session)
        day3_utc = datetime(*day3_utc, tzinfo=UTC)

        clock.move_to(day3_utc - timedelta(minutes=1))
        messages_sweep()
        assert message(session, "day3").status == "pending"
        clock.move_to(day3_utc)
        messages_sweep()

        day3 = message(session, "day3")
        assert day3.status == "sent"
        assert day3.sent_at == day3_utc
        local = day3.sent_at.astimezone(zone)
        assert (local.hour, local.minute) == (9, 0)
        assert (local.date() - ended.date()).days == 3
        assert any(str(m["Subject"]).startswith("Day-3 check-in") for m in smtp_server.messages)


def test_smtp_down_is_retried_and_sent_when_it_is_back_with_nothing_lost(
    clock, smtp_server, sign, client_record
):
    session = sign(client_record)
    smtp_server.stop()

    assert sweep_at(clock, datetime(2026, 3, 27, 16, 0, tzinfo=UTC)) == 1
    row = message(session, "24h")
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert row.due_at == datetime(2026, 3, 27, 16, 1, tzinfo=UTC)  # first backoff step

    assert sweep_at(clock, datetime(2026, 3, 27, 16, 0, 30, tzinfo=UTC)) == 0  # not yet
    smtp_server.start()
    assert sweep_at(clock, datetime(2026, 3, 27, 16, 1, tzinfo=UTC)) == 1

    row = message(session, "24h")
    assert row.status == "sent" and row.attempts == 2
    assert list(row.delivery_attempts.values_list("outcome", flat=True)) == ["retry", "sent"]
    assert [str(m["Subject"]).split(":")[0] for m in smtp_server.messages].count(
        "24 hours after"
    ) == 1


def test_the_next_session_invitation_is_cancelled_if_the_client_has_booked(
    clock, smtp_server, sign, client_record
):
    session = sign(client_record)
    invitation = message(session, "next_session")
    appointment = Appointment.objects.get(pk=session.appointment_id)
    appointment_for(
        client_record,
        practitioner=appointment.practitioner,
        room=appointment.room,
        device=appointment.device,
        start=invitation.due_at + timedelta(days=8),
    )

    clock.move_to(invitation.due_at)
    messages_sweep()

    invitation.refresh_from_db()
    assert invitation.status == "cancelled"
    assert invitation.cancelled_reason == "The client has already booked their next treatment."


def test_the_next_session_invitation_is_sent_when_nothing_is_booked(
    clock, smtp_server, sign, client_record
):
    session = sign(client_record, plan=plan_for(client_record, planned_sessions=3))
    invitation = message(session, "next_session")

    clock.move_to(invitation.due_at)
    messages_sweep()

    invitation.refresh_from_db()
    assert invitation.status == "sent"
    assert smtp_server.messages[-1]["Subject"].startswith("Your next session")


def test_withdrawn_email_consent_stops_aftercare(clock, smtp_server, sign, client_record):
    session = sign(client_record)
    client_record.email_consent = False
    client_record.save()

    sweep_at(clock, datetime(2026, 3, 27, 16, 0, tzinfo=UTC))

    assert message(session, "24h").cancelled_reason == "The client withdrew consent to e-mail."


def test_one_sweep_runs_the_same_number_of_queries_for_few_or_many_aftercare_sessions(
    clock, signed_session, clinic, senders
):
    hours = iter(range(100))  # one practitioner: the appointments must not overlap

    def queries_for(sessions: int) -> int:
        OutgoingMessage.objects.all().delete()
        AftercareSchedule.objects.all().delete()
        for _ in range(sessions):
            client = ClientFactory(clinic=clinic)
            ended = ENDED + timedelta(hours=2 * next(hours))
            aftercare_schedule_session(session=signed_session(client, ended_at=ended))
        clock.move_to(datetime(2026, 4, 30, tzinfo=UTC))  # everything is due
        with CaptureQueriesContext(connection) as queries:
            assert messages_sweep() == sessions * 12
        clock.move_to(ENDED + timedelta(minutes=5))
        return len(queries)

    assert queries_for(1) == queries_for(6)


def test_a_next_session_invitation_reads_its_schedule_once_when_sent(
    clock, smtp_server, sign, client_record
):
    session = sign(client_record)
    invitation = message(session, "next_session")
    clock.move_to(invitation.due_at)
    OutgoingMessage.objects.exclude(pk=invitation.pk).filter(status="pending").update(
        status="cancelled"
    )

    with CaptureQueriesContext(connection) as queries:
        assert services.messages_send_due().sent == 1

    assert message(session, "next_session").status == "sent"
    schedule_reads = [
        q["sql"]
        for q in queries
        if q["sql"].startswith("SELECT") and ' FROM "aftercare_aftercareschedule"' in q["sql"]
    ]
    assert len(schedule_reads) == 1, schedule_reads


@pytest.mark.django_db(transaction=True)  # ``sent`` as the sender commits it, not in a savepoint
@pytest.mark.parametrize("code", ["24h", "next_session"])
def test_an_aftercare_send_reads_once_and_writes_once_per_message(
    clock, smtp_server, sign, clinic, code
):
    """Each message: one read (client, unsubscription, schedule, session, the areas; for
    the invitation also its two checks) and one statement recording it sent; the claim
    is shared by the batch (decision 0015). SQLite reads the areas apart and records
    ``sent`` in two UPDATEs."""
    hours = iter(range(0, 100, 2))  # one practitioner and device: no overlap

    def queries_to_send(n: int) -> int:
        messages = []
        for _ in range(n):
            ended = ENDED + timedelta(hours=next(hours))
            messages.append(message(sign(ClientFactory(clinic=clinic), ended_at=ended), code))
        OutgoingMessage.objects.filter(status="pending").exclude(
            pk__in=[m.pk for m in messages]
        ).update(status="cancelled")
        clock.move_to(max(m.due_at for m in messages))
        with CaptureQueriesContext(connection) as captured:
            result = services.messages_send_due(batch_size=50)
        assert result.sent == n
        clock.move_to(ENDED + timedelta(minutes=5))  # before the next round's signing
        return len(
            [
                q
                for q in captured
                if not q["sql"].startswith(("BEGIN", "COMMIT")) and "SAVEPOINT" not in q["sql"]
            ]
        )

    two, four = queries_to_send(2), queries_to_send(4)
    per_message = (four - two) / 2
    assert per_message == (2 if connection.vendor == "postgresql" else 4)


def test_the_send_time_read_answers_as_the_models_do(clock, sign, client_record):
    """The one read per send (decision 0015) sees the rows as the ORM sees them: the
    schedule and its relations, the unsubscription, the areas in their order, the
    course's signed sessions and a treatment booked since."""
    from aftercare import notifications, pdf
    from clinic.messaging.models import Unsubscription
    from treatments.records.models import SessionArea

    session = sign(client_record, plan=plan_for(client_record, planned_sessions=3))
    (first,) = SessionArea.objects.filter(session=session)
    first.position = 2
    first.save()
    other = next(a for a in session.plan.protocol_set.data["areas"] if a != first.area)
    SessionArea.objects.create(
        session=session, area=other, depth_mm="0.25", passes=2, limit_mm="0.25", position=1
    )
    invitation = message(session, "next_session")

    def read():
        invitation.__dict__.pop("_aftercare_schedule", None)
        schedule = notifications._schedule(invitation)
        assert schedule is not None
        return schedule

    schedule = read()
    orm = AftercareSchedule.objects.select_related(
        "template", "client", "session__plan__protocol_set"
    ).get(pk=session.aftercare.pk)
    for mine, theirs in [
        (schedule, orm),
        (schedule.template, orm.template),
        (schedule.client, orm.client),
        (schedule.session, orm.session),
        (schedule.session.plan, orm.session.plan),
        (schedule.session.plan.protocol_set, orm.session.plan.protocol_set),
    ]:
        assert [getattr(mine, f.attname) for f in type(mine)._meta.concrete_fields] == [
            getattr(theirs, f.attname) for f in type(theirs)._meta.concrete_fields
        ]
    assert schedule.clinic == invitation.clinic
    assert getattr(schedule, notifications._UNSUBSCRIBED) is False
    assert getattr(schedule, notifications._SIGNED_SESSIONS) == 1
    assert getattr(schedule, notifications._BOOKED) is False
    areas = pdf.area_labels(schedule.session, getattr(schedule, pdf.AREA_CODES, None))
    assert areas == pdf.area_labels(orm.session)  # by position: the later one first
    assert len(areas) == 2

    Unsubscription.objects.create(client=client_record, kind=invitation.kind)
    appointment = Appointment.objects.get(pk=session.appointment_id)
    appointment_for(
        client_record,
        practitioner=appointment.practitioner,
        room=appointment.room,
        device=appointment.device,
        start=timezone.now() + timedelta(days=20),
    )
    schedule = read()
    assert getattr(schedule, notifications._UNSUBSCRIBED) is True
    assert getattr(schedule, notifications._BOOKED) is True

    invitation.context = {**invitation.context, "schedule_id": 0}
    assert notifications._read_schedule(invitation) is None  # no such schedule
