"""The clinic is e-mailed when a client's readiness answers block the treatment.

DOMAIN.md §6: a blocking answer flags the appointment, never cancels it, and reception
"is e-mailed". The e-mail goes through the outbox like every other (decision 0003),
exactly once per blocking response, to the clinic's own address: the client's e-mail
consent and unsubscriptions are about e-mails to the client and do not apply.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from clinic.messaging import kinds
from clinic.messaging.models import OutgoingMessage, Unsubscription
from clinic.messaging.services import message_send
from precare import readiness
from precare.models import ReadinessResponse
from tests.precare.conftest import body
from tests.screening.answers import all_no_answers

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday 10:00, London on GMT
ISOTRETINOIN = all_no_answers(isotretinoin_current=True)


@pytest.fixture
def booked(book):
    from clinic.booking.models import Appointment

    data = book(START.isoformat(), (START + timedelta(hours=1)).isoformat())
    return Appointment.objects.select_related("clinic", "client").get(pk=data["id"])


def flags() -> list[OutgoingMessage]:
    return list(OutgoingMessage.objects.filter(kind="readiness_flag").order_by("id"))


def flag_mails(smtp_server) -> list:
    return [m for m in smtp_server.messages if m["Subject"].startswith("Readiness check flagged")]


def test_a_blocking_answer_e_mails_the_clinic_once(booked, answer, smtp_server):
    answer(booked, ISOTRETINOIN)
    (row,) = flags()
    assert row.status == "sent"
    (mail,) = flag_mails(smtp_server)
    clinic = booked.clinic
    assert mail["To"] == clinic.effective_reply_to
    assert booked.client.email not in mail["To"]
    assert booked.client.full_name in mail["Subject"]
    assert "Wed 4 Mar, 10:00" in mail["Subject"]
    text = body(mail)
    assert f"{booked.client.full_name} answered the readiness check" in text
    assert "Wednesday 4 March 2026 at 10:00 (Europe/London)" in text
    assert "Taking isotretinoin" in text  # the finding that blocks
    assert "has not been cancelled" in text
    assert booked.client.phone in text  # reception calls the client
    assert f"/appointments/{booked.pk}/" in text
    html = body(mail, "html")
    assert f"/appointments/{booked.pk}/" in html
    assert "Taking isotretinoin" in html


def test_the_clinic_e_mail_names_only_what_blocks_not_every_answer(booked, answer, smtp_server):
    answer(booked, ISOTRETINOIN)
    text = body(flag_mails(smtp_server)[0])
    # No questionnaire in it: the wording of unanswered-yes questions never appears.
    assert "pregnan" not in text.lower()
    assert "explanation" not in text.lower()
    assert "healing is impaired" not in text  # the rule's explanation stays on the page


def test_answers_that_do_not_block_send_the_clinic_nothing(booked, answer, smtp_server):
    answer(booked, unchanged=True)
    answer(booked, all_no_answers())  # changed, clear
    assert flags() == []
    assert flag_mails(smtp_server) == []


def test_each_blocking_response_is_one_e_mail_and_scheduling_again_adds_none(
    booked, answer, smtp_server
):
    answer(booked, ISOTRETINOIN)
    answer(booked, all_no_answers(isotretinoin_current=True, pregnant_or_breastfeeding=True))
    assert len(flags()) == 2
    assert len(flag_mails(smtp_server)) == 2
    response = ReadinessResponse.objects.filter(status="blocked").earliest("id")
    readiness._flag_to_clinic(response, booked)  # a retried request, say
    assert len(flags()) == 2
    assert len(flag_mails(smtp_server)) == 2


def test_the_client_withdrawing_e_mail_consent_does_not_stop_the_clinics_e_mail(
    booked, answer, smtp_server
):
    client = booked.client
    client.email_consent = False
    client.email = ""
    client.save()
    Unsubscription.objects.create(client=client, kind="readiness_flag")
    answer(booked, ISOTRETINOIN)
    assert [row.status for row in flags()] == ["sent"]
    assert len(flag_mails(smtp_server)) == 1


def test_a_flag_for_an_appointment_cancelled_before_it_went_is_not_sent(
    booked, answer, smtp_server, settings, reception
):
    from clinic.booking.services import appointment_cancel

    settings.EMAIL_PORT = 1  # the mail server is down: the flag waits for a retry
    answer(booked, ISOTRETINOIN)
    (row,) = flags()
    assert row.status == "pending"
    appointment_cancel(appointment=booked, actor=reception.user, reason="Client called")
    settings.EMAIL_PORT = smtp_server.port
    row.refresh_from_db()
    assert message_send(message_id=row.pk, now=row.due_at + timedelta(minutes=5)) == ("cancelled")
    row.refresh_from_db()
    assert "cancelled" in row.cancelled_reason
    assert flag_mails(smtp_server) == []


def test_booking_superseding_the_appointments_messages_leaves_a_waiting_flag(
    booked, answer, smtp_server, settings
):
    """Moving an appointment cancels its pending confirmations (booking's
    ``messages_cancel``); a move does not resolve the flag, so the flag is not among them."""
    from clinic.messaging.services import messages_cancel

    settings.EMAIL_PORT = 1  # the mail server is down: the flag waits for a retry
    answer(booked, ISOTRETINOIN)
    messages_cancel(appointment_id=booked.pk, reason="Superseded: appointment rescheduled.")
    settings.EMAIL_PORT = smtp_server.port
    (row,) = flags()
    assert row.status == "pending"
    assert message_send(message_id=row.pk, now=row.due_at + timedelta(minutes=5)) == "sent"
    assert len(flag_mails(smtp_server)) == 1


def test_a_message_kind_for_the_clinic_ignores_the_clients_consent():
    kind = kinds.get("readiness_flag")
    assert kind.audience == "clinic"
    assert not kind.optional


def test_a_clinic_kind_cannot_be_optional():
    with pytest.raises(ValueError, match="cannot be optional"):
        kinds.MessageKind(
            name="x",
            render=lambda m: None,
            still_wanted=lambda m: None,  # type: ignore[arg-type,return-value]
            optional=True,
            audience="clinic",
        )
    with pytest.raises(ValueError, match="audience"):
        kinds.MessageKind(
            name="x",
            render=lambda m: None,
            still_wanted=lambda m: None,  # type: ignore[arg-type,return-value]
            audience="everyone",
        )
