"""Every kind of e-mail the product sends renders cleanly in every part.

The messages are made by the product's own flows (booking, moving and cancelling an
appointment; signing a session with a template that uses every aftercare kind), then
each is rendered as the sender would. No part may show template code to a client, and
every registered kind must be covered here, so a new kind cannot skip this test.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from aftercare.defaults import DEFAULT_AFTERCARE
from aftercare.schedules import aftercare_schedule_session, aftercare_template_publish
from clinic.booking.notifications import appointment_notify
from clinic.messaging import kinds
from clinic.messaging.models import OutgoingMessage
from precare.services import precare_plan
from tests.factories import appointment_for

pytestmark = pytest.mark.django_db

LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
ENDED = datetime(2026, 3, 30, 16, 45, tzinfo=UTC)


def _with_a_note_item(data: dict) -> dict:
    data = copy.deepcopy(data)
    data["items"].append(
        {
            "code": "note_day5",
            "kind": "aftercare_note",
            "offset": "day 5 09:00",
            "label": "A note from your practitioner",
            "text": "Keep using the gentle cleanser until your next visit.",
            "email": True,
            "optional": True,
        }
    )
    return data


@pytest.fixture
def every_message(clinic, client_record, manager, signed_session):
    client_record.email = "amelia@example.com"
    client_record.email_consent = True
    client_record.timezone = "America/New_York"  # differs from the clinic's zone
    client_record.save()
    clinic.address = "12 Harbour Street\nPortsmouth\nPO1 2AB"
    clinic.phone = "023 9200 0000"
    clinic.email = "hello@harbour.example"
    clinic.save()

    # a signed session whose template uses every aftercare kind
    aftercare_template_publish(
        clinic=clinic,
        data=_with_a_note_item(DEFAULT_AFTERCARE),
        actor=manager.user,
        note="adds a note",
    )
    session = signed_session(client_record, ended_at=ENDED)
    aftercare_schedule_session(session=session)

    # booking, moving and cancelling an appointment
    appointment = appointment_for(
        client_record,
        practitioner=session.appointment.practitioner,
        room=session.appointment.room,
        device=session.appointment.device,
        start=ENDED + timedelta(days=7),
        status="booked",
    )
    for event in ("booked", "rescheduled"):
        appointment_notify(appointment=appointment, event=event)
    appointment.status = "cancelled"
    appointment.cancel_reason = "The client asked to move to another week."
    appointment.save()
    appointment_notify(appointment=appointment, event="cancelled")

    # a treatment a month ahead: every preparation moment is still to come
    ahead = appointment_for(
        client_record,
        practitioner=session.appointment.practitioner,
        room=session.appointment.room,
        device=session.appointment.device,
        start=timezone.now() + timedelta(days=30),
        status="booked",
    )
    precare_plan(appointment=ahead)
    return OutgoingMessage.objects.filter(client=client_record).order_by("due_at", "id")


def test_no_part_of_any_email_shows_template_code(every_message):
    rendered = set()
    for message in every_message:
        content = kinds.get(message.kind).render(message)
        for part_name, part in (
            ("subject", content.subject),
            ("text", content.text),
            ("html", content.html),
        ):
            assert part.strip(), f"{message.kind}: empty {part_name}"
            leftover = LEFTOVER.search(part)
            assert leftover is None, (
                f"{message.kind} {part_name} shows template code near "
                f"{part[max(0, leftover.start() - 60) : leftover.end() + 60]!r}"
            )
        assert "\n" not in content.subject, f"{message.kind}: a subject is one line"
        rendered.add(message.kind)

    product_kinds = {kind.name for kind in kinds.registered() if not kind.name.startswith("test_")}
    assert product_kinds - rendered == set(), "extend this test to make the missing kinds"


def test_the_clinic_address_is_one_readable_line_in_plain_text(every_message):
    booked = every_message.get(kind="appointment_booked")
    text = kinds.get("appointment_booked").render(booked).text
    assert "12 Harbour Street, Portsmouth, PO1 2AB" in text


def test_an_aftercare_email_names_the_moment_and_the_treatment_date_once(every_message):
    day3 = every_message.get(kind="aftercare_day3")
    text = kinds.get("aftercare_day3").render(day3).text
    assert text.count("Your microneedling treatment was on Monday 30 March 2026") == 1
    assert "after your microneedling treatment on" not in text
