"""A client signs the consent on the capture screen in a real browser, drawing with the mouse."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible
from treatments.consent import services as consent_services
from treatments.consent.models import Consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def draw_signature(page) -> None:
    canvas = page.locator("[data-signature-canvas]")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    left, top, width, height = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(left + width * 0.1, top + height * 0.7)
    page.mouse.down()
    for step in range(1, 21):
        x = left + width * (0.1 + 0.04 * step)
        y = top + height * (0.7 - 0.4 * (step % 2))
        page.mouse.move(x, y, steps=4)
    page.mouse.up()


def test_client_signs_on_the_capture_screen_and_gets_a_pdf(signed_in, reception, client_record):
    page = signed_in(reception)
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    page.goto(f"/clients/{client_record.pk}/")
    expect(page.locator("[data-consent-status]")).to_have_text(re.compile("No consent"))
    page.get_by_role("link", name="Take consent").click()

    page.get_by_role(
        "heading", level=1, name=re.compile("Consent to collagen induction")
    ).wait_for()
    expect(page.get_by_role("heading", name="Possible risks and side effects")).to_be_visible()
    for group in ("Expected", "Less common", "Rare"):
        expect(page.get_by_role("heading", name=group, exact=True)).to_be_visible()
    submit = page.get_by_role("button", name="Sign consent")
    expect(submit).to_be_disabled()
    assert_accessible(page)

    # The name alone is not enough; nor is the drawing alone.
    page.get_by_label("Your full name").fill(client_record.full_name)
    expect(submit).to_be_disabled()
    draw_signature(page)
    expect(page.locator("[data-signature-status]")).to_have_text("Signature drawn.")
    expect(submit).to_be_enabled()

    # "Clear signature" empties the pad and disables the button again.
    page.get_by_role("button", name="Clear signature").click()
    expect(submit).to_be_disabled()
    assert page.locator("input[name=signature]").input_value() == ""
    draw_signature(page)
    expect(submit).to_be_enabled()
    assert page.locator("input[name=signature]").input_value().startswith("data:image/png;base64,")
    assert Consent.objects.count() == 0

    submit.click()
    expect(page.get_by_role("heading", name="Thank you, consent signed")).to_be_visible()
    consent = Consent.objects.get()
    assert consent.witnessed_by == reception.user
    assert consent.typed_name == client_record.full_name
    assert consent_services.consent_verify(consent=consent)
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()
    expect(page.get_by_text(consent.content_hash)).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"consent-{consent.pk}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"

    page.get_by_role("link", name="Back to client").click()
    expect(page.locator("[data-consent-status]")).to_have_text(re.compile("Consent signed"))
    assert not script_errors


def test_a_wrong_name_is_shown_as_a_form_error_and_the_drawing_is_kept(
    signed_in, reception, client_record
):
    page = signed_in(reception)
    page.goto(f"/clients/{client_record.pk}/consent/")
    page.get_by_label("Your full name").fill("Amelia Jones")
    draw_signature(page)
    page.get_by_role("button", name="Sign consent").click()

    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#typed-name-error")).to_contain_text("Amelia Hughes")
    expect(page.get_by_label("Your full name")).to_have_attribute("aria-invalid", "true")
    assert Consent.objects.count() == 0
    # The drawing survived the round trip: fixing the name is enough.
    expect(page.locator("[data-signature-status]")).to_have_text("Signature drawn.")
    assert_accessible(page)
    page.get_by_label("Your full name").fill("amelia  hughes")
    page.get_by_role("button", name="Sign consent").click()
    expect(page.get_by_role("heading", name="Thank you, consent signed")).to_be_visible()
    assert Consent.objects.count() == 1
