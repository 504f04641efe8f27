"""Preparation in the browser: the appointment's schedule, the template page, publishing."""

from __future__ import annotations

import os
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from precare.models import PrecareTemplate
from precare.services import precare_plan
from tests.e2e.conftest import assert_accessible
from tests.factories import DeviceFactory, RoomFactory, appointment_for, practitioner_for

pytestmark = pytest.mark.django_db(transaction=True)


def shot(page, name: str) -> None:
    """A screenshot to look at, when SCREENSHOT_DIR names a folder for them."""
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.fixture
def planned(practitioner, client_record, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    clinic = client_record.clinic
    day = clinic.local_today() + timedelta(days=10)
    appointment = appointment_for(
        client_record,
        practitioner=practitioner_for(practitioner.membership),
        room=RoomFactory(clinic=clinic),
        device=DeviceFactory(clinic=clinic),
        start=datetime.combine(day, time(10, 0), tzinfo=clinic.zone),
    )
    precare_plan(appointment=appointment)
    return appointment


def test_the_appointment_page_shows_the_preparation(signed_in, reception, planned):
    page = signed_in(reception)
    page.goto(f"/appointments/{planned.pk}/")
    section = page.get_by_role("region", name="Preparation")
    expect(section).to_be_visible()
    expect(section.get_by_role("cell", name="Has anything changed?")).to_be_visible()
    expect(section.get_by_text("Not sent: past at booking")).to_be_visible()  # the 14-day one
    expect(section.get_by_role("link", name="Preparation PDF")).to_be_visible()
    shot(page, "precare-appointment")
    assert_accessible(page)


def test_a_manager_publishes_new_texts_with_the_keyboard(signed_in, manager, clinic):
    page = signed_in(manager)
    page.goto("/precare/")
    expect(page.get_by_role("heading", name="Preparation before the visit")).to_be_visible()
    expect(page.get_by_text("(RETINOIDS_ACIDS)")).to_be_visible()
    shot(page, "precare-template")
    assert_accessible(page)
    page.get_by_role("link", name="Publish a new version").click()
    field = page.get_by_label("What to bring")
    field.fill("Your sunscreen\nA hat")
    page.get_by_label("What changed").fill("Shorter list")
    assert_accessible(page)
    page.get_by_label("What changed").press("Enter")
    expect(page.get_by_text("Version 2 published.")).to_be_visible()
    assert PrecareTemplate.objects.filter(clinic=clinic).latest("version").parsed().bring == [
        "Your sunscreen",
        "A hat",
    ]
