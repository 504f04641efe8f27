"""A practitioner starts, records and signs a treatment session in a real browser.

The live server runs on the real clock, so the clinic is put in a time zone where it is
currently daytime: the appointment is today there and the end time typed later the same
day. Set ``SCREENSHOT_DIR`` to keep screenshots of the form and the signed record.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

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
)
from treatments.records.models import SessionStatus, TreatmentSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONES = [
    "Europe/London",
    "Asia/Tokyo",
    "America/New_York",
    "Asia/Kolkata",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Asia/Dubai",
    "Pacific/Honolulu",
]


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def _daytime_zone() -> str:
    """A zone where it is now between 08:00 and 19:00, so "today" has room either side."""
    now = timezone.now()
    for name in ZONES:
        if 8 <= now.astimezone(zoneinfo.ZoneInfo(name)).hour < 19:
            return name
    return "Europe/London"


def test_practitioner_records_and_signs_a_session(signed_in, practitioner, clinic, client_record):
    clinic.timezone = _daytime_zone()
    clinic.save()
    zone = clinic.zone
    local_now = timezone.now().astimezone(zone)
    performer = practitioner_for(practitioner.membership)
    performer.display_name = "Dr Ana Rivera"
    performer.save()
    room = RoomFactory(clinic=clinic, name="Room 1")
    pen = DeviceFactory(clinic=clinic, name="SkinPen", serial_number="SP-24680")
    plan = plan_for(client_record)  # fine lines: forehead, periorbital, cheeks and chin
    screening_for(client_record, actor=practitioner.user, planned_date=clinic.local_today())
    consent_for(client_record, witnessed_by=practitioner.user, text=consent_text_for(clinic))
    start = datetime(local_now.year, local_now.month, local_now.day, local_now.hour, tzinfo=zone)
    appointment = appointment_for(
        client_record,
        practitioner=performer,
        room=room,
        device=pen,
        start=start,
        treatment_plan=plan,
    )

    page = signed_in(practitioner)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/appointments/{appointment.pk}/session/")
    expect(page.get_by_role("heading", name="Start the session for Amelia Hughes")).to_be_visible()
    expect(page.locator('[data-gate="screening"] .gate__state')).to_have_text("Done")
    expect(page.locator('[data-gate="consent"] .gate__state')).to_have_text("Done")
    assert_accessible(page)
    page.get_by_role("button", name="Start session").click()

    page.wait_for_url(re.compile(r"/sessions/\d+/record/$"))
    session = TreatmentSession.objects.get(appointment=appointment)
    expect(page.locator("#id_areas-0-area")).to_have_value("forehead")

    # The limit follows the row as it is typed; a deeper setting asks for a justification.
    depth = page.locator("#id_areas-0-depth_mm")
    why = page.locator("#id_areas-0-justification")
    limit = page.locator("[data-area-row]").first.locator("[data-limit]")
    expect(limit).to_have_text(re.compile(r"^Limit 0\.5 mm"))
    expect(why).to_be_hidden()
    depth.fill("0.75")
    expect(limit).to_have_text("0.75 mm is deeper than the 0.5 mm limit: write why below.")
    expect(why).to_be_visible()
    assert why.get_attribute("aria-required") == "true"
    page.locator("#id_areas-0-skin").select_option("thick")  # forehead thick: 0.75 mm
    expect(limit).to_have_text(re.compile(r"^Limit 0\.75 mm"))
    expect(why).to_be_hidden()
    page.locator("#id_areas-0-skin").select_option("thin")
    depth.fill("0.5")
    page.locator("#id_areas-0-passes").fill("2")

    # Remove the periorbital row; add none.
    page.locator("[data-area-row]").nth(1).get_by_role("button", name=re.compile("^Remove")).click()
    expect(page.locator("[data-area-row]").nth(1)).to_be_hidden()

    page.get_by_label(re.compile(r"^Device")).select_option(str(pen.pk))
    page.get_by_label("Needle cartridge").fill("12-pin nano")
    page.get_by_label("Cartridge lot").fill("LOT-E2E-9")
    page.get_by_label("Needle count").fill("12")
    page.locator("#id_pain_score_4").check()
    page.get_by_label("Clinical endpoint reached").select_option("erythema")
    page.get_by_label("Redness").check()

    # Vitamin C during needling is flagged at once.
    page.locator("#id_products-0-product").fill("Vitamin C serum 15%")
    page.locator("#id_products-0-timing").select_option("during")
    warning = page.locator("[data-product-row]").first.locator("[data-vitc-warning]")
    expect(warning).to_contain_text("never applied during needling")
    page.locator("#id_products-0-timing").select_option("after")
    expect(warning).to_have_text("")

    end = (timezone.now() + timedelta(minutes=5)).astimezone(zone)
    page.get_by_label(re.compile(r"^End time")).fill(end.strftime("%H:%M"))
    assert_accessible(page)
    _shot(page, "session-form.png")

    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/record/$"))
    expect(page.locator(".messages")).to_contain_text("Saved. The session is still in progress.")
    expect(page.get_by_label("Cartridge lot")).to_have_value("LOT-E2E-9")
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    assert list(session.areas.values_list("area", "passes")) == [
        ("forehead", 2),
        ("cheeks_chin", 3),
    ]

    page.get_by_role("button", name="Save and sign…").click()
    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/sign/$"))
    expect(page.get_by_role("heading", name="Sign the record for Amelia Hughes?")).to_be_visible()
    page.get_by_role("button", name="Sign record").click()

    page.wait_for_url(re.compile(rf"/sessions/{session.pk}/$"))
    banner = page.locator("[data-signed-banner]")
    expect(banner).to_contain_text(f"Signed by {practitioner.user.full_name} at")
    expect(page.locator("[data-session-form]")).to_have_count(0)
    expect(page.get_by_role("heading", name="Add an amendment")).to_be_visible()
    expect(page.locator("[data-lot]")).to_have_text("LOT-E2E-9")
    assert_accessible(page)
    _shot(page, "session-signed.png")
    session.refresh_from_db()
    assert session.status == SessionStatus.SIGNED
    assert session.pain_score == 4 and session.device_serial == "SP-24680"
