"""The client's readiness page on a phone (390×844), in a real browser with axe: nothing
changed, then a changed answer that flags the appointment. Set ``SCREENSHOT_DIR`` to
keep screenshots."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from precare import readiness
from precare.models import ReadinessResponse
from tests.e2e.conftest import assert_accessible
from tests.factories import (
    DeviceFactory,
    RoomFactory,
    appointment_for,
    practitioner_for,
    screening_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


@pytest.fixture
def link_path(practitioner, clinic, client_record):
    performer = practitioner_for(practitioner.membership)
    start = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    screening_for(client_record, actor=practitioner.user, planned_date=start.date())
    appointment = appointment_for(
        client_record, practitioner=performer, room=RoomFactory(clinic=clinic),
        device=DeviceFactory(clinic=clinic), start=start,
    )  # fmt: skip
    url = readiness.page_url_for(readiness.readiness_link_for(appointment))
    return "/" + url.split("/", 3)[-1]


def test_the_client_confirms_then_reports_a_change_on_a_phone(page, link_path, client_record):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(link_path)
    expect(page.get_by_role("heading", level=1)).to_contain_text(client_record.first_name)
    assert_accessible(page)
    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "readiness-phone.png")

    page.get_by_role("button", name="Nothing has changed").click()
    expect(page.get_by_role("status")).to_contain_text("nothing has changed")
    assert_accessible(page)

    page.get_by_role("group", name="Are you currently taking isotretinoin").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("status")).to_contain_text("will call you")
    assert_accessible(page)
    _shot(page, "readiness-phone-blocked.png")
    assert [r.status for r in ReadinessResponse.objects.order_by("id")] == [
        "confirmed",
        "blocked",
    ]


@pytest.fixture
def flagged(practitioner, clinic, client_record):
    """A treatment in two days, 10:00 clinic time, whose client's readiness answers block."""
    from datetime import datetime, time

    from precare.services import precare_plan
    from tests.screening.answers import all_no_answers

    performer = practitioner_for(practitioner.membership)
    day = clinic.local_today() + timedelta(days=2)
    start = datetime.combine(day, time(10, 0), tzinfo=clinic.zone)
    screening_for(client_record, actor=practitioner.user, planned_date=day)
    appointment = appointment_for(
        client_record, practitioner=performer, room=RoomFactory(clinic=clinic),
        device=DeviceFactory(clinic=clinic), start=start,
    )  # fmt: skip
    precare_plan(appointment=appointment)
    readiness.readiness_respond(
        link=readiness.readiness_link_for(appointment),
        unchanged=False,
        raw_answers=all_no_answers(isotretinoin_current=True),
    )
    return appointment


def test_reception_sees_the_flag_on_the_calendar_and_revokes_the_link(
    page, signed_in, reception, flagged
):
    signed_in(reception)
    page.set_viewport_size({"width": 1280, "height": 900})
    day = flagged.start.astimezone(flagged.clinic.zone).date()
    page.goto(f"/calendar/?date={day:%Y-%m-%d}&view=day&by=practitioner")
    badge = page.locator('[data-readiness="blocked"]').first
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("Flagged")  # words, not colour alone
    expect(page.locator(".cal-legend")).to_contain_text("Readiness answers block")
    assert_accessible(page)
    _shot(page, "readiness-calendar.png")

    page.goto(f"/appointments/{flagged.pk}/")
    expect(page.locator(".title-row")).to_contain_text("Readiness flagged")
    page.get_by_role("button", name="Show or print the readiness link").click()
    url_field = page.get_by_role("textbox", name="Link")
    expect(url_field).to_have_value(readiness.page_url_for(readiness.readiness_link_for(flagged)))
    assert_accessible(page)
    _shot(page, "readiness-link.png")

    page.goto(f"/appointments/{flagged.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke link").click()
    expect(page.get_by_role("status")).to_contain_text("The readiness link was revoked")
    expect(page.get_by_role("button", name="Revoke link")).to_have_count(0)
    assert_accessible(page)
    _shot(page, "readiness-appointment.png")
