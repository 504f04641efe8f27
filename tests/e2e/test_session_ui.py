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
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible
from tests.factories import (
    PASSWORD,
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
from treatments.records.start import session_start

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


@pytest.fixture
def today(practitioner, clinic, client_record):
    """A treatment appointment this hour, every start gate passed; returns it."""
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
    return appointment_for(
        client_record,
        practitioner=performer,
        room=room,
        device=pen,
        start=start,
        treatment_plan=plan,
    )


@pytest.fixture
def started(today, practitioner, clinic) -> TreatmentSession:
    return session_start(clinic=clinic, actor=practitioner.user, appointment=today)


def test_practitioner_records_and_signs_a_session(signed_in, practitioner, clinic, today):
    appointment, pen = today, today.device
    zone = clinic.zone

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

    # The server checks the row as it is typed; a deeper setting asks for a justification.
    depth = page.locator("#id_areas-0-depth_mm")
    why = page.locator("#id_areas-0-justification")
    row = page.locator("[data-area-row]").first
    limit = row.locator("[data-limit]")
    expect(limit).to_have_text(re.compile(r"^Limit 0\.5 mm"))
    expect(why).to_be_hidden()
    depth.fill("0.75")
    expect(limit).to_have_text(
        "0.75 mm is deeper than the 0.5 mm maximum for forehead (thin skin). Write why below."
    )
    expect(why).to_be_visible()
    expect(why).to_have_attribute("aria-required", "true")
    expect(row.locator("[data-why-hint]")).to_have_text("required")
    _shot(page, "session-form-depth-warning.png")
    page.locator("#id_areas-0-skin").select_option("thick")  # forehead thick: 0.75 mm
    expect(limit).to_have_text(re.compile(r"^Limit 0\.75 mm"))
    expect(why).to_be_hidden()
    expect(row.locator("[data-why-hint]")).to_have_text("needed only above the limit")
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

    # Vitamin C during needling is flagged at once, in the words the server refuses it with.
    page.locator("#id_products-0-product").fill("Vitamin C serum 15%")
    page.locator("#id_products-0-timing").select_option("during")
    warning = page.locator("[data-product-row]").first.locator("[data-vitc-warning]")
    expect(warning).to_have_text(
        "Vitamin C serum 15% cannot be recorded as applied during needling: vitamin C serum "
        "is never applied to needled skin (A2, GR1)."
    )
    expect(warning).to_be_visible()
    _shot(page, "session-form-vitamin-c.png")
    page.locator("#id_products-0-timing").select_option("after")
    expect(warning).to_have_text("")
    expect(warning).to_be_hidden()

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
    # Signing is the practitioner's signature: a wrong password signs nothing.
    password = page.get_by_label("Your password")
    password.fill("not-my-password")
    page.get_by_role("button", name="Sign record").click()
    # in the summary at the top (a link to the field) and at the field itself
    expect(page.get_by_text("That is not your password. Nothing was done.")).to_have_count(2)
    expect(page.get_by_role("alert")).to_contain_text("That is not your password.")
    expect(page.get_by_label("Your password")).to_have_attribute("aria-invalid", "true")
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    assert_accessible(page)
    _shot(page, "session-sign-wrong-password.png")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_label("Your password").press("Enter")

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


def test_an_added_row_gets_its_own_live_check(signed_in, practitioner, started):
    page = signed_in(practitioner)
    page.goto(f"/sessions/{started.pk}/record/")
    rows = page.locator("[data-area-row]")
    before = rows.count()
    page.get_by_role("button", name="+ Add area").click()
    added = rows.nth(before)
    expect(added.locator("[data-limit]")).to_have_text("Choose an area to see its depth limit.")
    added.locator("select[name$='-area']").select_option("nose")
    expect(added.locator("[data-limit]")).to_have_text(re.compile(r"^Limit 0\.25 mm"))
    added.locator("input[name$='-depth_mm']").fill("0.5")
    expect(added.locator("[data-limit]")).to_contain_text(
        "0.5 mm is deeper than the 0.25 mm maximum for nose (thin skin)."
    )
    justification = added.locator("textarea[name$='-justification']")
    expect(justification).to_be_visible()
    justification.fill("Thick sebaceous skin; tolerated 0.5 mm on a test spot.")
    added.locator("input[name$='-passes']").fill("2")
    assert_accessible(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Saved. The session is still in progress.")
    nose = started.areas.get(area="nose")
    assert (str(nose.depth_mm), str(nose.limit_mm)) == ("0.50", "0.25")
    assert nose.justification.startswith("Thick sebaceous skin")


def test_without_javascript_the_form_still_refuses_and_explains(
    browser, live_server, practitioner, started
):
    from tests.factories import PASSWORD

    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/login/")
        page.get_by_label("E-mail").fill(practitioner.user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"/sessions/{started.pk}/record/")
        why = page.locator("#id_areas-0-justification")
        expect(why).to_be_visible()  # every justification box shows without the script
        expect(page.locator("[data-area-row]").first.locator("[data-limit]")).to_have_text(
            re.compile(r"^Limit 0\.5 mm")
        )
        page.locator("#id_areas-0-depth_mm").fill("0.75")
        page.locator("#id_products-0-product").fill("Vitamin C serum 15%")
        page.locator("#id_products-0-timing").select_option("during")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".alert--error")).to_contain_text("Nothing was saved.")
        first = page.locator("[data-area-row]").first
        expect(first.locator("[data-limit]")).to_contain_text(
            "0.75 mm is deeper than the 0.5 mm maximum for forehead (thin skin)."
        )
        expect(first.locator(".area-row__why .error")).to_contain_text("Write why this depth")
        _shot(page, "session-form-no-js.png")
    finally:
        context.close()
    started.refresh_from_db()
    assert not started.products.exists()
    assert started.areas.get(area="forehead").depth_mm == Decimal("0.50")


def test_the_start_checklist_says_a_review_is_not_needed_without_a_caution(
    signed_in, practitioner, today
):
    page = signed_in(practitioner)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/appointments/{today.pk}/session/")
    expect(page.locator('[data-gate="review"] .gate__state')).to_have_text("Not needed")
    expect(page.locator('[data-gate="screening"] .gate__state')).to_have_text("Done")
    assert_accessible(page)
    _shot(page, "session-start.png")
