"""Preparation e-mails end to end: booking through the API, a real SMTP server, frozen time.

Booking plans the moments in its own transaction; beat's sweep (called at the frozen
times) hands them out; Celery, eager in tests, sends them through Django's SMTP backend.
"""

from __future__ import annotations

import copy
import re
import shutil
from datetime import UTC, datetime

import pytest

from clinic.messaging.services import client_unsubscribe, messages_sweep
from common.errors import ApplicationError
from precare.models import PrecareSchedule
from tests.factories import sign_off_for
from tests.precare.conftest import body, pdf_text, precare_messages, preparation_mails
from treatments.screening.defaults import DEFAULT_RULE_SET
from treatments.screening.services import rule_set_publish

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed"
)

# Monday 30 March 2026, 10:00 BST (BST began on Sunday 29 March).
START, END = "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"
RETINOIDS = "retinoids (retinol, tretinoin, adapalene) or exfoliating acids"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def sweep_at(clock, when: datetime) -> int:
    clock.move_to(when)
    return messages_sweep()


def publish_retinoids_at(days: int, manager) -> None:
    data = copy.deepcopy(DEFAULT_RULE_SET)
    for rule in data["rules"]:
        if rule["code"] == "RETINOIDS_ACIDS":
            rule["condition"]["days"] = days
    rule_set_publish(
        clinic=manager.clinic, actor=manager.user, data=data, note=f"Retinoids {days} days"
    )


def test_booking_a_treatment_plans_every_moment_and_sends_the_sheet_at_once(book, smtp_server):
    appointment = book(START, END)
    messages = precare_messages(appointment["id"])
    assert {k: (m.status, m.due_at) for k, m in messages.items()} == {
        "precare_booking": ("sent", utc(2026, 3, 2, 8, 0)),
        "precare_14d": ("pending", utc(2026, 3, 16, 9, 0)),  # 09:00 GMT
        "precare_7d": ("pending", utc(2026, 3, 23, 9, 0)),
        "readiness_check": ("pending", utc(2026, 3, 28, 9, 0)),  # 48 real hours before
        "precare_day_before": ("pending", utc(2026, 3, 29, 17, 0)),  # 18:00 BST
    }
    (sheet,) = preparation_mails(smtp_server)
    assert sheet["Subject"] == (
        "Preparing for your treatment: your treatment on 30 March at Harbour Skin Clinic"
    )
    text = body(sheet)
    assert "Monday 30 March 2026 at 10:00 (Europe/London)" in text
    assert f"From Monday 23 March 2026, no {RETINOIDS}" in text
    assert "From Monday 16 March 2026, no sunburn or tanning" in text
    assert "From today (Monday 2 March 2026), no dermal filler in the area" in text
    assert "version 1" in text
    assert "WHAT TO BRING" in text and "TELL US BEFORE YOUR VISIT" in text
    assert "Unsubscribe" not in sheet and "unsubscribe" not in text  # not optional


@needs_pdftotext
def test_the_sheet_carries_the_preparation_pdf(book, smtp_server, client_record):
    book(START, END)
    (sheet,) = preparation_mails(smtp_server)
    (attachment,) = list(sheet.iter_attachments())
    assert attachment.get_filename() == "preparation-2026-03-30.pdf"
    text = " ".join(pdf_text(attachment.get_content()).split())
    assert client_record.full_name in text
    assert "Microneedling on Monday 30 March 2026, 10:00–11:00" in text
    assert "From Monday 23 March 2026, no retinoids" in text
    assert "From today (Monday 2 March 2026), no dermal filler in the area" in text  # 28 days
    assert "What to bring" in text and "A list of the medicines" in text
    assert "Tell the clinic before your visit" in text and "isotretinoin" in text
    assert "screening rules, version 1" in text


def test_a_consultation_gets_no_preparation(book, smtp_server):
    appointment = book(START, END, kind="consultation")
    assert precare_messages(appointment["id"]) == {}
    assert not PrecareSchedule.objects.filter(appointment_id=appointment["id"]).exists()
    assert preparation_mails(smtp_server) == []


def test_booked_ten_days_ahead_the_14_day_moment_is_not_sent_and_past_dates_ask_to_tell(
    book, smtp_server
):
    # Thursday 12 March 10:00 GMT: "−14 days" was 26 February, before today.
    appointment = book("2026-03-12T10:00:00Z", "2026-03-12T11:00:00Z")
    assert set(precare_messages(appointment["id"])) == {
        "precare_booking",
        "precare_7d",
        "readiness_check",
        "precare_day_before",
    }
    text = body(preparation_mails(smtp_server)[0])
    assert (
        "If you have had sunburn or tanning on the area (sun, sunbeds or self-tan) since "
        "Thursday 26 February 2026, tell us before your visit: it may need to move." in text
    )
    assert f"From Thursday 5 March 2026, no {RETINOIDS}" in text


def test_booked_less_than_seven_days_ahead_only_readiness_and_day_before_follow(book):
    appointment = book("2026-03-06T10:00:00Z", "2026-03-06T11:00:00Z")  # Friday
    assert set(precare_messages(appointment["id"])) == {
        "precare_booking",
        "readiness_check",
        "precare_day_before",
    }


def test_rescheduling_across_the_boundary_recomputes_every_pending_moment(
    api, reception, book, smtp_server, django_capture_on_commit_callbacks
):
    appointment = book(START, END)
    with django_capture_on_commit_callbacks(execute=True):
        moved = api(reception).patch(
            f"/api/appointments/{appointment['id']}/",
            {"start": "2026-03-06T10:00:00Z", "end": "2026-03-06T11:00:00Z"},
        )
    assert moved.status_code == 200, moved.json()
    old = precare_messages(appointment["id"], sequence=0)
    assert {k: m.status for k, m in old.items()} == {
        "precare_booking": "sent",
        "precare_14d": "cancelled",
        "precare_7d": "cancelled",
        "readiness_check": "cancelled",
        "precare_day_before": "cancelled",
    }
    new = precare_messages(appointment["id"], sequence=1)
    assert {k: (m.status, m.due_at) for k, m in new.items()} == {
        "precare_booking": ("sent", utc(2026, 3, 2, 8, 0)),  # the new dates, at once
        "readiness_check": ("pending", utc(2026, 3, 4, 10, 0)),
        "precare_day_before": ("pending", utc(2026, 3, 5, 18, 0)),
    }
    second = preparation_mails(smtp_server)[-1]
    assert "Friday 6 March 2026 at 10:00" in body(second)
    assert (
        f"If you have had {RETINOIDS} (glycolic, lactic, salicylic) on the area since Friday 27 "
        "February 2026" in body(second)
    )
    schedule = PrecareSchedule.objects.get(appointment_id=appointment["id"])
    assert schedule.sequence == 1


def test_moving_back_out_restores_the_14_and_7_day_moments(
    api, reception, book, django_capture_on_commit_callbacks
):
    appointment = book("2026-03-06T10:00:00Z", "2026-03-06T11:00:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        api(reception).patch(
            f"/api/appointments/{appointment['id']}/", {"start": START, "end": END}
        )
    new = precare_messages(appointment["id"], sequence=1, status="pending")
    assert set(new) == {"precare_14d", "precare_7d", "readiness_check", "precare_day_before"}


def test_cancelling_cancels_every_pending_moment(
    api, reception, book, clock, smtp_server, django_capture_on_commit_callbacks
):
    appointment = book(START, END)
    with django_capture_on_commit_callbacks(execute=True):
        api(reception).post(f"/api/appointments/{appointment['id']}/cancel/", {"reason": "Unwell"})
    statuses = {k: m.status for k, m in precare_messages(appointment["id"]).items()}
    assert statuses == {
        "precare_booking": "sent",
        "precare_14d": "cancelled",
        "precare_7d": "cancelled",
        "readiness_check": "cancelled",
        "precare_day_before": "cancelled",
    }
    schedule = PrecareSchedule.objects.get(appointment_id=appointment["id"])
    assert schedule.cancelled_at is not None
    sent_before = len(preparation_mails(smtp_server))
    assert sweep_at(clock, utc(2026, 3, 29, 17, 0)) == 0
    assert len(preparation_mails(smtp_server)) == sent_before


def test_each_moment_goes_out_once_at_its_time_with_its_text(book, clock, smtp_server):
    book(START, END)
    assert sweep_at(clock, utc(2026, 3, 16, 8, 59)) == 0
    assert sweep_at(clock, utc(2026, 3, 16, 9, 0)) == 1
    fourteen = preparation_mails(smtp_server)[-1]
    assert fourteen["Subject"].startswith("Two weeks to go:")
    assert "From today (Monday 16 March 2026), no sunburn or tanning" in body(fourteen)
    assert f"From Monday 23 March 2026, no {RETINOIDS}" in body(fourteen)
    assert "List-Unsubscribe" in fourteen  # a reminder: optional
    assert sweep_at(clock, utc(2026, 3, 16, 9, 5)) == 0  # exactly once
    sweep_at(clock, utc(2026, 3, 23, 9, 0))
    assert f"From today (Monday 23 March 2026), no {RETINOIDS}" in body(
        preparation_mails(smtp_server)[-1]
    )
    sweep_at(clock, utc(2026, 3, 28, 9, 0))
    readiness = preparation_mails(smtp_server)[-1]
    assert readiness["Subject"].startswith("Has anything changed?:")
    text = body(readiness)
    assert "confirm that nothing has changed since your screening" in text
    link = re.search(r"Check your answers here: (\S+)", text)
    assert link is not None  # the readiness page (decision 0018)
    assert "/readiness/" in link.group(1)
    assert "reply to this e-mail or call us" not in text
    assert "List-Unsubscribe" not in readiness
    sweep_at(clock, utc(2026, 3, 29, 17, 0))
    day_before = preparation_mails(smtp_server)[-1]
    assert "arrive 15 minutes early" in body(day_before)
    assert len(preparation_mails(smtp_server)) == 5


def test_a_rule_set_change_between_booking_and_sending_reaches_the_next_message(
    book, clock, manager, smtp_server
):
    book(START, END)
    assert f"From Monday 23 March 2026, no {RETINOIDS}" in body(preparation_mails(smtp_server)[0])
    clock.move_to(utc(2026, 3, 10, 12, 0))
    publish_retinoids_at(14, manager)
    sweep_at(clock, utc(2026, 3, 16, 9, 0))
    fourteen = body(preparation_mails(smtp_server)[-1])
    assert f"From today (Monday 16 March 2026), no {RETINOIDS}" in fourteen
    assert "screening rules, version 2" in fourteen


@needs_pdftotext
def test_publishing_retinoids_at_14_days_changes_the_next_preparation_sheet(
    book, manager, smtp_server
):
    publish_retinoids_at(14, manager)
    sign_off_for(manager.clinic, screening_rules=2)  # a new version needs a new sign-off
    book(START, END)
    (sheet,) = preparation_mails(smtp_server)
    (attachment,) = list(sheet.iter_attachments())
    text = " ".join(pdf_text(attachment.get_content()).split())
    assert "From Monday 16 March 2026, no retinoids" in text
    assert "screening rules, version 2" in text


def test_unsubscribing_from_an_optional_reminder_is_honoured(book, clock, smtp_server, screened):
    appointment = book(START, END)
    client_unsubscribe(client=screened, kind="precare_7d")
    assert precare_messages(appointment["id"])["precare_7d"].status == "cancelled"
    sweep_at(clock, utc(2026, 3, 23, 9, 0))
    assert not any(m["Subject"].startswith("One week") for m in preparation_mails(smtp_server))


def test_the_readiness_check_cannot_be_unsubscribed_from(book, clock, smtp_server, screened):
    book(START, END)
    with pytest.raises(ApplicationError) as refused:
        client_unsubscribe(client=screened, kind="readiness_check")
    assert refused.value.code == "message_kind_not_optional"
    sweep_at(clock, utc(2026, 3, 28, 9, 0))
    assert preparation_mails(smtp_server)[-1]["Subject"].startswith("Has anything changed?")


def test_a_message_of_a_superseded_sequence_is_stopped_at_send_time(book, clock, smtp_server):
    """A row claimed before a reschedule committed re-checks the appointment when it sends."""
    from clinic.booking.models import Appointment
    from clinic.messaging.services import message_send

    appointment = book(START, END)
    row = precare_messages(appointment["id"])["precare_7d"]
    Appointment.objects.filter(pk=appointment["id"]).update(sequence=5)  # moved meanwhile
    clock.move_to(utc(2026, 3, 23, 9, 0))
    assert message_send(message_id=row.pk) == "cancelled"
    row.refresh_from_db()
    assert "changed since" in row.cancelled_reason


def test_the_clients_own_zone_sets_the_times(book, screened):
    screened.timezone = "America/New_York"  # EDT from 8 March
    screened.save()
    # Monday 9 March 14:30 GMT is 10:30 EDT in New York.
    appointment = book("2026-03-09T14:30:00Z", "2026-03-09T15:30:00Z")
    messages = precare_messages(appointment["id"])
    assert messages["precare_7d"].due_at == utc(2026, 3, 2, 14, 0)  # 09:00 EST
    assert messages["readiness_check"].due_at == utc(2026, 3, 7, 14, 30)  # 09:30 EST
    assert messages["precare_day_before"].due_at == utc(2026, 3, 8, 22, 0)  # 18:00 EDT


def test_changing_a_treatment_into_a_consultation_cancels_its_preparation(
    reception, book, django_capture_on_commit_callbacks
):
    from clinic.booking.models import Appointment
    from clinic.booking.services import appointment_reschedule

    appointment = book(START, END)
    with django_capture_on_commit_callbacks(execute=True):
        appointment_reschedule(
            appointment=Appointment.objects.get(pk=appointment["id"]),
            actor=reception.user,
            changes={"kind": "consultation"},
        )
    assert precare_messages(appointment["id"], status="pending") == {}
    schedule = PrecareSchedule.objects.get(appointment_id=appointment["id"])
    assert schedule.cancelled_reason == "The appointment is not a treatment."


def test_booking_without_a_registered_preparation_handler_is_an_error(monkeypatch, book):
    from django.core.exceptions import ImproperlyConfigured

    from clinic.booking import hooks

    monkeypatch.setattr(hooks, "_handler", None)
    with pytest.raises(ImproperlyConfigured):
        book(START, END)
