"""A manager reads the audit trail in a real browser, filtering with the keyboard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from common.audit import audit_record
from tests.e2e.conftest import assert_accessible
from tests.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_filters_the_trail_to_one_client_and_downloads_it(
    signed_in, manager, reception, other_client_record
):
    amelia = ClientFactory(clinic=manager.clinic, first_name="Amelia", last_name="Hughes")
    other = ClientFactory(clinic=manager.clinic, first_name="Lena", last_name="Park")
    for client, action in ((amelia, "read"), (amelia, "update"), (other, "read")):
        audit_record(
            actor=reception.user,
            action=action,
            object_type="client",
            object_id=client.pk,
            clinic_id=manager.clinic.pk,
            client_id=client.pk,
        )
    audit_record(
        actor=reception.user,
        action="read",
        object_type="client",
        object_id=other_client_record.pk,
        clinic_id=manager.clinic.pk,
        outcome="denied",
    )

    page = signed_in(manager)
    page.get_by_role("link", name="Audit").click()
    page.get_by_role("heading", name="Audit trail").wait_for()
    assert_accessible(page)

    page.get_by_label("Action").select_option("update")
    page.get_by_label("Client number").fill(str(amelia.pk))
    page.get_by_label("Client number").press("Enter")  # submits from the keyboard
    page.get_by_role("heading", name="1 event for Hughes, Amelia").wait_for()
    assert page.locator("[data-event]").count() == 1
    assert_accessible(page)
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], "audit-filtered.png"))

    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Outcome").select_option("denied")
    page.get_by_role("button", name="Show events").click()
    page.get_by_role("heading", name="1 event").wait_for()
    assert "Denied" in page.locator("[data-event]").inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    content = Path(download.value.path()).read_text(encoding="utf-8")
    assert content.splitlines()[0].startswith("at,staff_member,action,outcome")
    assert len(content.splitlines()) == 2

    page.goto("/audit/?date_from=2026-02-30")
    alert = page.get_by_role("alert")
    assert "From: Enter a valid date." in alert.inner_text()
    assert_accessible(page)
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOTS"], "audit-error.png"))


def test_the_client_page_leads_a_manager_to_that_clients_trail(signed_in, manager, reception):
    amelia = ClientFactory(clinic=manager.clinic, first_name="Amelia", last_name="Hughes")
    audit_record(
        actor=reception.user,
        action="update",
        object_type="client",
        object_id=amelia.pk,
        clinic_id=manager.clinic.pk,
        client_id=amelia.pk,
    )
    page = signed_in(manager)
    page.goto(f"/clients/{amelia.pk}/")
    page.get_by_role("link", name="Audit trail").click()
    # Today listed her and opening her page read her record: three events by now.
    page.get_by_role("heading", name="3 events for Hughes, Amelia").wait_for()
    assert page.get_by_label("Client number").input_value() == str(amelia.pk)
