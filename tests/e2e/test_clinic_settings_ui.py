"""The Clinic settings page in a real browser (decision 0016)."""

from __future__ import annotations

import io
import os
import re

import pytest
from playwright.sync_api import expect

from clinic.models import Clinic
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "")


def _png_file(tmp_path):
    from PIL import Image

    path = tmp_path / "logo.png"
    image = Image.new("RGB", (240, 80), (18, 94, 104))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_a_manager_edits_the_clinic_with_the_keyboard_and_uploads_a_logo(
    signed_in, manager, tmp_path
):
    page = signed_in(manager)
    page.get_by_role("link", name="Clinic", exact=True).click()
    expect(page.get_by_role("heading", name="Clinic settings")).to_be_visible()
    expect(page.get_by_text("keeps its moment")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Contact phone").fill("+353 1 555 0100")
    page.get_by_label("Sender name").fill("Liffey Skin")
    page.get_by_label("Country").select_option(label="Ireland")
    page.get_by_label("Time zone").fill("Europe/Dublin")
    page.get_by_label("Time zone").press("Enter")  # submits the form from the keyboard
    expect(page.get_by_text("The clinic's settings are saved.")).to_be_visible()
    expect(page.get_by_text("Times are now shown in Europe/Dublin")).to_be_visible()
    expect(page.get_by_text("Clients see e-mails from Liffey Skin")).to_be_visible()

    page.get_by_label("Image file").set_input_files(_png_file(tmp_path))
    page.get_by_role("button", name="Upload the logo").click()
    expect(page.get_by_text("The new logo is saved.")).to_be_visible()
    header_logo = page.locator("header img.clinic-logo")
    expect(header_logo).to_be_visible()
    # (page.evaluate runs outside the page's policy; wait_for_function would need eval)
    for _ in range(100):
        if page.evaluate("document.querySelector('header img.clinic-logo').complete"):
            break
        page.wait_for_timeout(100)
    assert page.evaluate("document.querySelector('header img.clinic-logo').naturalWidth") == 240
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "clinic-settings.png"), full_page=True)

    clinic = Clinic.objects.get(pk=manager.clinic.pk)
    assert (clinic.timezone, clinic.country, clinic.sender_name) == (
        "Europe/Dublin",
        "IE",
        "Liffey Skin",
    )


def test_bad_input_shows_errors_at_the_fields(signed_in, manager):
    page = signed_in(manager)
    page.goto("/clinic/settings/")
    page.get_by_label("Contact e-mail").fill("not an address")
    page.get_by_label("Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Save settings").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(re.compile("Please correct these 2 things"))
    expect(alert.get_by_role("link", name=re.compile("Contact e-mail"))).to_be_visible()
    expect(page.locator("#id_timezone_error")).to_contain_text("Not a known time zone")
    assert_accessible(page)
    assert Clinic.objects.get(pk=manager.clinic.pk).timezone == "Europe/London"


def test_reception_has_no_clinic_link(signed_in, reception):
    page = signed_in(reception)
    expect(page.get_by_role("link", name="Clinic", exact=True)).to_have_count(0)
