"""The new client's online intake page on a phone (390×844), in a real browser with axe:
the live outcome as the answers change, then sending them; and the same page without
JavaScript. Set ``SCREENSHOT_DIR`` to keep screenshots."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible
from tests.factories import ClientFactory
from treatments.screening import intake
from treatments.screening.models import Screening

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


@pytest.fixture
def new_client(clinic):
    return ClientFactory(clinic=clinic, first_name="Nadia", last_name="Osei")


@pytest.fixture
def link_path(new_client, reception):
    url = intake.intake_link_send(client=new_client, actor=reception.user).url
    return "/" + url.split("/", 3)[-1]


def answer_everything_no(page) -> None:
    """ "No", "Never / not applicable" or "No diabetes" for every question."""
    for name in ("No", "Never / not applicable", "No diabetes"):
        boxes = page.get_by_label(name, exact=True)
        for index in range(boxes.count()):
            boxes.nth(index).check()


def test_the_client_fills_in_sees_the_outcome_and_sends_on_a_phone(page, link_path, new_client):
    page.set_viewport_size(PHONE)
    page.goto(link_path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nadia")
    expect(page.get_by_label("Phone")).to_have_value(new_client.phone)
    # The live panel loads the staff form's outcome: nothing answered yet.
    expect(page.locator("#live-result [data-outcome]")).to_have_attribute(
        "data-outcome", "incomplete"
    )
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(page, "intake-phone.png")

    page.get_by_label("Phone").fill("+44 7700 900111")
    answer_everything_no(page)
    expect(page.locator("#live-result [data-outcome]")).to_have_attribute("data-outcome", "clear")
    page.get_by_role("group", name="Do you take blood thinners").get_by_label("Yes").check()
    expect(page.locator("#live-result [data-outcome]")).to_have_attribute("data-outcome", "caution")
    assert_accessible(page)
    _shot(page, "intake-phone-live-caution.png")

    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you, Nadia")
    expect(page.get_by_role("status")).to_contain_text("What happens next")
    assert_accessible(page)
    _shot(page, "intake-phone-thank-you.png")
    screening = Screening.objects.get()
    assert screening.client_submitted and screening.outcome == "caution"
    new_client.refresh_from_db()
    assert new_client.phone == "+44 7700 900111"


def test_the_page_works_without_javascript(browser, live_server, link_path, new_client):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=PHONE, locale="en-GB"
    )
    page = context.new_page()
    try:
        page.goto(link_path)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Nadia")
        answer_everything_no(page)
        page.get_by_role("group", name="Do you have a bleeding or clotting disorder").get_by_label(
            "Yes"
        ).check()
        page.get_by_role("button", name="Check my answers").click()
        # A plain POST: the outcome is in the page, nothing is stored yet.
        expect(page.locator("#live-result [data-outcome]")).to_have_attribute(
            "data-outcome", "contraindicated"
        )
        assert not Screening.objects.exists()
        _shot(page, "intake-phone-nojs-checked.png")
        page.get_by_role("button", name="Send my answers").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("The clinic will call you")
        _shot(page, "intake-phone-nojs-sent.png")
        assert Screening.objects.get().outcome == "contraindicated"
    finally:
        context.close()


def test_reception_sends_the_link_and_a_practitioner_confirms_the_answers(
    page, signed_in, reception, practitioner, new_client
):
    from tests.screening.answers import all_no_answers

    signed_in(reception)
    page.goto(f"/clients/{new_client.pk}/")
    page.get_by_role("button", name="Send intake link").click()
    expect(page.get_by_role("status")).to_contain_text("on its way to")
    link = new_client.intake_links.get()
    expect(page.get_by_label("Copy or print the link")).to_have_value(intake.page_url_for(link))
    assert_accessible(page)
    _shot(page, "intake-staff-link-sent.png")
    page.get_by_role("link", name="Back to Nadia Osei").click()
    expect(page.locator("[data-intake-state]")).to_have_attribute("data-intake-state", "open")
    assert_accessible(page)
    _shot(page, "intake-staff-client-page.png")

    submitted = intake.intake_submit(link=link, details={}, raw_answers=all_no_answers())
    page.context.clear_cookies()
    signed_in(practitioner)
    page.goto(f"/screenings/{submitted.screening.pk}/")
    expect(page.get_by_role("heading", name="Submitted by the client via link")).to_be_visible()
    assert_accessible(page)
    _shot(page, "intake-staff-screening-unconfirmed.png")
    page.get_by_role("button", name="Confirm these answers").click()
    expect(page.get_by_role("status")).to_contain_text("confirmed")
    expect(page.get_by_role("button", name="Confirm these answers")).to_have_count(0)
    _shot(page, "intake-staff-screening-confirmed.png")


def test_the_clinic_logo_heads_the_page_on_a_phone(
    page, link_path, clinic, manager, settings, tmp_path
):
    """The logo is written into the page (``data:``): the page's policy lets it show, it
    fits the phone, and it reads as the clinic's name."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from clinic.clinic_services import clinic_logo_set

    settings.MEDIA_ROOT = tmp_path / "private"
    png = io.BytesIO()
    Image.new("RGB", (900, 300), (15, 94, 99)).save(png, "PNG")
    clinic_logo_set(
        clinic=clinic,
        actor=manager.user,
        upload=SimpleUploadedFile("logo.png", png.getvalue(), content_type="image/png"),
    )
    page.set_viewport_size(PHONE)
    page.goto(link_path)
    logo = page.get_by_role("img", name=clinic.name)
    expect(logo).to_be_visible()
    box = logo.bounding_box()
    assert box is not None and box["height"] <= 64 and box["width"] <= PHONE["width"]
    assert logo.evaluate("image => image.naturalWidth") > 0  # decoded, not blocked
    assert_accessible(page)
    _shot(page, "intake-phone-logo.png")
