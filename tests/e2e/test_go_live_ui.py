"""The first day in a real browser (issue 15, decision 0019): an empty database →
clinic_create → the manager accepts the invitation → the setup checklist → the clinical
sign-off → invites a practitioner → imports three clients from a CSV file → books a
consultation."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from clinic.booking.models import Appointment
from clinic.models import Client, Clinic, Invitation, Membership
from clinic.services import invitation_link
from tests.e2e.conftest import assert_accessible
from tests.factories import RoomFactory, practitioner_for

pytestmark = pytest.mark.django_db(transaction=True)

CSV = (
    "Name;Date of birth;Email;Phone;Email consent;Notes\n"
    "Aoife Byrne;14/02/1988;aoife@mail.example;+353 87 111 2222;yes;Prefers mornings\n"
    "Ciara Walsh;1991-07-30;ciara@mail.example;;no;\n"
    "Niamh Kelly;03/11/1979;;+353 86 333 4444;;Sensitive skin\n"
)


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def _accept(page, path: str, name: str, password: str) -> None:
    page.goto(path)
    page.get_by_label("Your full name").fill(name)
    page.get_by_label("Choose a password").fill(password)
    page.get_by_label("The password again").fill(password)
    page.get_by_role("button", name="Create my account and join").click()
    page.wait_for_url("**/")


def test_from_an_empty_database_to_the_first_booking(page, browser, live_server, tmp_path):
    assert not Clinic.objects.exists()
    out = StringIO()
    call_command(
        "clinic_create",
        "--name",
        "Liffey Skin Clinic",
        "--timezone",
        "Europe/Dublin",
        "--manager-email",
        "aoife@liffeyskin.example",
        "--country",
        "IE",
        stdout=out,
    )
    path = re.search(r"https?://[^/\s]+(/invitations/\S+/)", out.getvalue()).group(1)

    _accept(page, path, "Aoife Murphy", "linen-harbour-quietly-47")
    expect(page.get_by_text("Welcome to Liffey Skin Clinic.")).to_be_visible()
    banner = page.locator("[data-setup-banner]")
    expect(banner).to_contain_text("7 items still to do")
    banner.get_by_role("link", name="Open the setup checklist").click()
    expect(page.get_by_role("heading", name="Setting up the clinic")).to_be_visible()
    expect(page.locator('[data-setup-item="sign_off"]')).to_have_attribute("data-done", "false")
    assert_accessible(page)
    _shot(page, "setup-checklist.png")

    # The clinical sign-off: treatments cannot be booked before it.
    page.get_by_role("link", name="Clinical sign-off").click()
    expect(page.get_by_text("Not signed off.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label(re.compile("I am the clinic's medical director")).check()
    # Signing off is the director's signature: their password again (decision 0011).
    page.get_by_label("Your password").fill("not-the-password-at-all")
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("That is not your password. Nothing was done.").first).to_be_visible()
    expect(page.get_by_text("Not signed off.")).to_be_visible()
    assert_accessible(page)
    _shot(page, "sign-off-wrong-password.png")
    expect(page.get_by_label(re.compile("I am the clinic's medical director"))).to_be_checked()
    page.get_by_label("Your password").fill("linen-harbour-quietly-47")
    page.get_by_role("button", name="Sign off").click()
    expect(page.get_by_text("Signed off.", exact=False).first).to_be_visible()
    _shot(page, "sign-off.png")

    # Invite a practitioner, who accepts in their own browser.
    page.goto("/staff/")
    page.get_by_label("E-mail").fill("ciaran@liffeyskin.example")
    page.get_by_label("Role", exact=True).select_option("practitioner")
    page.locator("#id_full_name").fill("Ciarán Doyle")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("ciaran@liffeyskin.example").first).to_be_visible()
    invitation = Invitation.objects.get(email="ciaran@liffeyskin.example")
    other = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        colleague = other.new_page()
        _accept(
            colleague,
            re.sub(r"^https?://[^/]+", "", invitation_link(invitation)),
            "Ciarán Doyle",
            "quiet-linen-harbour-58",
        )
    finally:
        other.close()
    clinic = Clinic.objects.get()
    practitioner = practitioner_for(Membership.objects.get(user__email="ciaran@liffeyskin.example"))
    RoomFactory(clinic=clinic, name="Room 1")

    page.goto("/setup/")
    for key in ("sign_off", "staff", "practitioners", "rooms"):
        expect(page.locator(f'[data-setup-item="{key}"]')).to_have_attribute("data-done", "true")

    # Import three clients from a CSV file (Excel's semicolons).
    page.goto("/clients/")
    page.get_by_role("link", name="Import from CSV").click()
    csv_path = tmp_path / "clients.csv"
    csv_path.write_text(CSV, encoding="utf-8-sig")
    page.get_by_label("CSV file").set_input_files(csv_path)
    page.get_by_role("button", name="Read the file").click()
    expect(page.locator("[data-import-summary]")).to_contain_text("3 clients will be created")
    assert_accessible(page)
    _shot(page, "import-preview.png")
    page.get_by_role("button", name="Import 3 clients").click()
    expect(page.locator("[data-import-report]")).to_contain_text("3 clients created")
    assert Client.objects.filter(clinic=clinic).count() == 3

    # Book a consultation for one of them.
    niamh = Client.objects.get(first_name="Niamh")
    day = clinic.local_today() + timedelta(days=7)
    page.goto(f"/appointments/new/?client={niamh.pk}")
    page.get_by_label("Consultation", exact=True).check()
    page.get_by_label("Practitioner", exact=True).select_option(str(practitioner.pk))
    page.get_by_label("Duration").select_option("30")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_role("button", name="Find free slots").click()
    first = page.locator("button.slot").first
    first.wait_for()
    first.click()
    page.get_by_role("button", name="Book appointment").click()
    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    _shot(page, "first-booking.png")
    appointment = Appointment.objects.get(client=niamh)
    assert appointment.kind == "consultation"
