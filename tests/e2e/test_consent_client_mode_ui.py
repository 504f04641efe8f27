"""Consent client mode in a real browser: the client holds the tablet, staff take it back.

Set ``SCREENSHOT_DIR`` to keep screenshots of the client-mode pages.
"""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible
from tests.e2e.test_consent_ui import draw_signature
from tests.factories import PASSWORD, ClientFactory
from treatments.consent.models import Consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def test_the_tablet_shows_only_the_consent_until_staff_type_their_password(
    signed_in, reception, client_record, clinic
):
    neighbour = ClientFactory(clinic=clinic, first_name="Zelda", last_name="Marsh")
    page = signed_in(reception)
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    page.goto(f"/clients/{client_record.pk}/consent/")
    page.get_by_role("button", name="Hand the tablet to the client").click()

    # Client mode: the consent and the way back to staff, nothing else.
    page.get_by_role("heading", level=1, name=re.compile("Consent to")).wait_for()
    expect(page.get_by_text("Client mode", exact=True)).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    expect(page.get_by_role("search")).to_have_count(0)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(page.get_by_text(reception.user.full_name)).to_have_count(0)
    expect(page.get_by_role("link", name="Cancel")).to_have_count(0)
    assert neighbour.full_name not in page.content()
    assert_accessible(page)
    _shot(page, "consent-client-mode.png")

    # Typing another address brings the tablet back to the consent.
    page.goto("/clients/")
    page.wait_for_url(re.compile(rf"/clients/{client_record.pk}/consent/$"))
    page.goto(f"/clients/{neighbour.pk}/")
    page.wait_for_url(re.compile(rf"/clients/{client_record.pk}/consent/$"))

    # The client signs, with the keyboard for the name.
    page.get_by_label("Your full name").focus()
    page.keyboard.type(client_record.full_name)
    draw_signature(page)
    page.get_by_role("button", name="Sign consent").click()
    expect(page.get_by_role("heading", name="Thank you, consent signed")).to_be_visible()
    expect(page.get_by_role("link", name="Download PDF")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    assert Consent.objects.filter(client=client_record).count() == 1
    assert_accessible(page)
    _shot(page, "consent-client-mode-signed.png")

    # Back to staff, by keyboard: the link in the bar, then the password.
    leave = page.get_by_role("link", name="Return the tablet to staff").first
    leave.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Return the tablet to staff")).to_be_visible()
    password = page.get_by_label("Staff password")
    expect(password).to_have_attribute("autocomplete", "current-password")
    password.fill("let-me-out")
    password.press("Enter")
    alert = page.get_by_role("alert")
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    # in the summary at the top (a link to the field) and at the field itself
    expect(page.get_by_text("That is not your password. Nothing was done.")).to_have_count(2)
    expect(page.get_by_role("alert")).to_contain_text("That is not your password.")
    expect(page.get_by_label("Staff password")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    assert_accessible(page)
    _shot(page, "consent-client-mode-leave.png")

    page.get_by_label("Staff password").fill(PASSWORD)
    page.get_by_role("button", name="End client mode").click()
    consent = Consent.objects.get(client=client_record)
    page.wait_for_url(re.compile(rf"/consents/{consent.pk}/$"))
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_text("Client mode ended.")).to_be_visible()
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    page.goto("/clients/")
    expect(page.get_by_role("link", name=re.compile("Zelda"))).to_be_visible()
    assert not script_errors
