"""Every kind of e-mail the product sends renders cleanly in every part.

The messages are made by the product's own flows (booking, moving and cancelling an
appointment; signing a session with a template that uses every aftercare kind), then
each is rendered and built as the sender would. No part may show template code to a
client; every e-mail comes from the clinic's name, answers to the clinic, links only to
``SITE_URL`` and names the zone of its times when the client lives in another zone.
Every registered kind must be covered here, so a new kind cannot skip this test. The
staff e-mails (invitation, password reset) follow the same sender and link rules.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime, timedelta
from email.utils import getaddresses, parseaddr

import pytest
import time_machine
from django.utils import timezone

from aftercare.defaults import DEFAULT_AFTERCARE
from aftercare.models import AftercareSchedule
from aftercare.schedules import aftercare_schedule_session, aftercare_template_publish
from clinic.booking.notifications import appointment_notify
from clinic.messaging import kinds
from clinic.messaging.models import OutgoingMessage
from clinic.messaging.services import _build_email
from precare import readiness
from precare.services import precare_plan
from tests.factories import appointment_for
from tests.screening.answers import all_no_answers
from treatments.screening.intake import intake_link_send

pytestmark = pytest.mark.django_db

LEFTOVER = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")
LINK = re.compile(r"https?://[^\s\"'<>)]+")
ENDED = datetime(2026, 3, 30, 16, 45, tzinfo=UTC)
SITE_URL = "https://harbour.clinic.example"


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
def every_message(clinic, client_record, manager, signed_session, settings):
    settings.SITE_URL = SITE_URL
    settings.DEFAULT_FROM_EMAIL = "Needlework <no-reply@mail.clinic.example>"
    with time_machine.travel(ENDED + timedelta(minutes=10), tick=False):
        yield _make_every_message(clinic, client_record, manager, signed_session)


def _make_every_message(clinic, client_record, manager, signed_session):
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

    # an online intake link sent from the client page (decision 0020)
    intake_link_send(client=client_record, actor=manager.user)
    # an online request waiting for the client's confirmation (decision 0021)
    from clinic.booking.links import link_for_appointment
    from clinic.messaging.services import message_schedule

    held = appointment_for(
        client_record,
        practitioner=session.appointment.practitioner,
        room=session.appointment.room,
        device=None,
        kind="consultation",
        start=ENDED + timedelta(days=8),
        status="held",
        source="online",
        hold_expires_at=timezone.now() + timedelta(minutes=15),
    )
    message_schedule(
        clinic=clinic,
        client=client_record,
        kind="portal_request",
        due_at=timezone.now(),
        dedupe_key=f"portal-request:{held.pk}",
        context={"appointment_id": held.pk, "link_id": link_for_appointment(held).pk},
        appointment_id=held.pk,
    )

    # the waitlist (decision 0022): a place on the list, and a freed time offered
    from waitlist.models import WaitlistOffer
    from waitlist.services import waitlist_join

    entry = waitlist_join(
        clinic=clinic,
        client=client_record,
        kind="consultation",
        date_from=(ENDED + timedelta(days=1)).date(),
        date_to=(ENDED + timedelta(days=10)).date(),
    )
    offered = appointment_for(
        client_record,
        practitioner=session.appointment.practitioner,
        room=session.appointment.room,
        device=None,
        kind="consultation",
        start=ENDED + timedelta(days=9),
        status="held",
        source="online",
        hold_expires_at=timezone.now() + timedelta(minutes=30),
    )
    offer = WaitlistOffer.objects.create(
        clinic=clinic,
        entry=entry,
        appointment=offered,
        link=link_for_appointment(offered),
        expires_at=offered.hold_expires_at,
    )
    message_schedule(
        clinic=clinic,
        client=client_record,
        kind="waitlist_offer",
        due_at=timezone.now(),
        dedupe_key=f"waitlist-offer:{offer.pk}",
        context={"offer_id": offer.pk},
        appointment_id=offered.pk,
    )

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
    # the client's readiness answers block it: the clinic is e-mailed
    readiness.readiness_respond(
        link=readiness.readiness_link_for(ahead),
        unchanged=False,
        raw_answers=all_no_answers(isotretinoin_current=True),
    )
    return OutgoingMessage.objects.filter(client=client_record).order_by("due_at", "id")


def built(message):
    """The e-mail exactly as the sender hands it to the mail server."""
    return _build_email(message, kinds.get(message.kind).render(message))


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


def test_the_clinics_readiness_flag_goes_to_the_clinic_not_the_client(every_message):
    flag = every_message.get(kind="readiness_flag")
    email = built(flag)
    assert email.to == ["hello@harbour.example"]
    assert "amelia@example.com" not in email.message().as_string()
    assert "Taking isotretinoin" in email.body
    assert f"{SITE_URL}/appointments/{flag.context['appointment_id']}/" in email.body


def test_the_clinic_address_is_one_readable_line_in_plain_text(every_message):
    booked = every_message.get(kind="appointment_booked")
    text = kinds.get("appointment_booked").render(booked).text
    assert "12 Harbour Street, Portsmouth, PO1 2AB" in text


def test_an_aftercare_email_names_the_moment_and_the_treatment_date_once(every_message):
    day3 = every_message.get(kind="aftercare_day3")
    text = kinds.get("aftercare_day3").render(day3).text
    assert text.count("Your microneedling treatment was on Monday 30 March 2026") == 1
    assert "after your microneedling treatment on" not in text


def test_every_email_comes_from_the_clinics_name_and_answers_to_the_clinic(every_message):
    for message in every_message:
        email = built(message)
        headers = email.message()
        assert parseaddr(headers["From"]) == (
            "Harbour Skin Clinic",
            "no-reply@mail.clinic.example",
        ), message.kind
        assert getaddresses([headers["Reply-To"]]) == [("", "hello@harbour.example")]


def test_every_link_in_every_email_starts_with_the_site_url(every_message):
    for message in every_message:
        content = kinds.get(message.kind).render(message)
        links = LINK.findall(content.text) + LINK.findall(content.html)
        links += [v.strip("<>") for k, v in content.headers.items() if k == "List-Unsubscribe"]
        for link in links:
            assert link.startswith(SITE_URL + "/"), f"{message.kind}: {link}"
        if message.kind.startswith("aftercare_"):
            assert any("/aftercare/" in link for link in links), message.kind


def test_times_name_the_zone_when_the_client_lives_in_another(every_message, client_record):
    day3 = every_message.get(kind="aftercare_day3")
    content = kinds.get("aftercare_day3").render(day3)
    # 09:00 in New York, the client's zone, not the clinic's (Europe/London).
    assert "For Thursday 2 April, 09:00 (America/New_York time)." in content.text
    assert "(America/New_York time)" in content.html
    booked = every_message.get(kind="appointment_booked")
    assert "(Europe/London)" in kinds.get("appointment_booked").render(booked).subject
    cancelled = every_message.get(kind="appointment_cancelled")
    assert "(Europe/London) has been cancelled" in kinds.get(cancelled.kind).render(cancelled).text

    # A client in the clinic's zone: no zone names needed.
    client_record.timezone = ""
    client_record.save()
    AftercareSchedule.objects.filter(client=client_record).update(timezone="Europe/London")
    day3 = OutgoingMessage.objects.get(pk=day3.pk)  # a send reads its schedule afresh
    assert "time)" not in kinds.get("aftercare_day3").render(day3).text
    assert "(Europe/London)" not in kinds.get("appointment_booked").render(booked).subject


# --- staff e-mails ----------------------------------------------------------------------


@pytest.fixture
def mail_settings(settings):
    settings.SITE_URL = SITE_URL
    settings.DEFAULT_FROM_EMAIL = "Needlework <no-reply@mail.clinic.example>"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_the_staff_invitation_reads_properly_and_comes_from_the_clinic(
    clinic, manager, mail_settings, mailoutbox, django_capture_on_commit_callbacks, rf
):
    from clinic.services import invitation_create

    clinic.email = "hello@harbour.example"
    clinic.save()
    request = rf.get("/staff/", HTTP_HOST="evil.example")  # a forged Host header
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            clinic=clinic,
            actor=manager.user,
            email="new.person@example.com",
            role="reception",
            request=request,
        )

    (email,) = mailoutbox
    assert email.subject == "Harbour Skin Clinic invites you to Needlework"
    assert parseaddr(email.from_email) == ("Harbour Skin Clinic", "no-reply@mail.clinic.example")
    assert email.reply_to == ["hello@harbour.example"]
    links = LINK.findall(email.body)
    assert links and all(link.startswith(SITE_URL + "/invitations/") for link in links)
    assert LEFTOVER.search(email.body) is None


def test_a_subject_written_on_several_lines_is_joined_with_spaces(
    clinic, mail_settings, mailoutbox, django_capture_on_commit_callbacks, settings, tmp_path
):
    from clinic.services import account_email_send

    (tmp_path / "subject.txt").write_text("Your\nNeedlework\naccount\n")
    (tmp_path / "body.txt").write_text("Hello")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    with django_capture_on_commit_callbacks(execute=True):
        account_email_send(
            to="a@example.com", subject_template="subject.txt", body_template="body.txt",
            context={}, clinic=clinic,
        )  # fmt: skip
    assert mailoutbox[0].subject == "Your Needlework account"


def test_the_password_reset_links_to_the_site_url(
    client, reception, mail_settings, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/forgot-password/", {"email": reception.user.email})
    assert response.status_code == 302
    (email,) = mailoutbox
    assert email.from_email == "Needlework <no-reply@mail.clinic.example>"
    links = LINK.findall(email.body)
    assert links and all(link.startswith(SITE_URL + "/") for link in links)


def test_a_clinic_without_a_phone_yet_is_never_printed_as_an_empty_number(every_message, clinic):
    """A clinic made by clinic_create has no phone until its manager saves the settings."""
    clinic.phone = ""
    clinic.save()
    for message in every_message:
        message.clinic.phone = ""
        content = kinds.get(message.kind).render(message)
        for part in (content.text, content.html):
            lowered = part.lower()
            for broken in (
                "call us on .",
                "call us on <",
                "call  or",
                "call <a",
                " ·  · ",
                "\n · ",
            ):
                assert broken not in lowered, f"{message.kind}: empty phone shows as {broken!r}"
            assert 'href="tel:"' not in part


def test_the_next_session_invitation_books_online_when_the_clinic_allows(every_message):
    from clinic.models import Clinic

    invitation = every_message.get(kind="aftercare_next_session")
    assert "/book/manage/" not in kinds.get(invitation.kind).render(invitation).text
    Clinic.objects.filter(pk=invitation.clinic_id).update(
        slug="harbour", portal_enabled=True, portal_treatments=True
    )
    invitation = type(invitation).objects.get(pk=invitation.pk)  # read the clinic afresh
    content = kinds.get(invitation.kind).render(invitation)
    assert "Book your next session online" in content.text
    assert "/book/manage/" in content.text and "/book/manage/" in content.html
    # The other aftercare e-mails do not carry it.
    day3 = every_message.filter(kind="aftercare_day3").first()
    if day3 is not None:
        assert "/book/manage/" not in kinds.get(day3.kind).render(day3).text
