"""A practitioner cancels a signed session's aftercare, traces a serum lot and reads the
start checklist, in a real browser. Set ``SCREENSHOT_DIR`` to keep screenshots."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aftercare.schedules import aftercare_schedule_session
from clinic.messaging.models import OutgoingMessage
from tests.e2e.conftest import assert_accessible
from tests.factories import (
    DeviceFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    consent_text_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)
from treatments.records.models import SessionProduct

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


@pytest.fixture
def signed(practitioner, clinic, client_record):
    """A session that ended an hour ago, signed, with its aftercare scheduled."""
    performer = practitioner_for(practitioner.membership)
    room = RoomFactory(clinic=clinic, name="Room 1")
    pen = DeviceFactory(clinic=clinic, name="SkinPen", serial_number="SP-24680")
    plan = plan_for(client_record)
    screening = screening_for(client_record, actor=practitioner.user)
    consent = consent_for(
        client_record, witnessed_by=practitioner.user, text=consent_text_for(clinic)
    )
    start = timezone.now() - timedelta(hours=2)
    appointment = appointment_for(
        client_record, practitioner=performer, room=room, device=pen, start=start,
        treatment_plan=plan, status="completed",
    )  # fmt: skip
    session = treatment_session_for(
        appointment, plan=plan, screening=screening, consent=consent, signed=True,
        ended_at=start + timedelta(minutes=60), signed_at=start + timedelta(minutes=65),
    )  # fmt: skip
    SessionProduct.objects.create(
        session=session, product="Hyaluronic serum", lot="HA-2611", timing="during", position=0
    )
    aftercare_schedule_session(session=session)
    return session


def test_a_practitioner_cancels_the_aftercare_with_a_reason(signed_in, practitioner, signed):
    page = signed_in(practitioner)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/sessions/{signed.pk}/")
    link = page.get_by_role("link", name="Cancel the aftercare…")
    expect(link).to_be_visible()
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/sessions/{signed.pk}/aftercare/cancel/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cancel the aftercare of")
    expect(page.get_by_text("Not sent if you cancel")).to_be_visible()
    assert_accessible(page)

    # No reason: the summary lists the error and links to the field.
    page.get_by_role("button", name="Cancel the aftercare").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Reason: This field is required.")
    summary.get_by_role("link", name=re.compile("Reason")).click()
    expect(page.get_by_label("Reason")).to_be_focused()
    assert_accessible(page)
    _shot(page, "aftercare-cancel-error.png")

    page.keyboard.type("The client asked for no further e-mails.")
    page.get_by_role("button", name="Cancel the aftercare").click()
    page.wait_for_url(re.compile(rf"/sessions/{signed.pk}/#aftercare$"))
    expect(page.locator(".messages")).to_contain_text("The aftercare is cancelled")
    expect(page.locator("#aftercare")).to_contain_text(
        "Cancelled: The client asked for no further e-mails."
    )
    expect(page.get_by_role("link", name="Cancel the aftercare…")).to_have_count(0)
    assert_accessible(page)
    _shot(page, "aftercare-cancelled.png")
    assert not OutgoingMessage.objects.filter(session_id=signed.pk, status="pending").exists()


def test_the_lot_trace_finds_a_serum_lot(signed_in, reception, signed):
    page = signed_in(reception)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/")
    page.get_by_role("link", name="Lot trace").click()
    page.wait_for_url("**/lot-trace/")
    page.get_by_role("textbox", name=re.compile("^Lot")).fill("ha-2611")
    page.get_by_role("button", name="Search").click()
    results = page.locator("[data-lot-trace-results]")
    expect(results).to_contain_text("Serum or product: Hyaluronic serum")
    expect(page.get_by_role("heading", name="1 session found")).to_be_visible()
    assert_accessible(page)
    _shot(page, "lot-trace.png")
