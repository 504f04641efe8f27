"""Reception adds and edits a client in a real browser, using the keyboard where it counts."""

from __future__ import annotations

import re

import pytest

from clinic.models import Client
from tests.e2e.conftest import assert_accessible
from tests.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reception_adds_a_client_and_sees_errors_first(signed_in, reception):
    page = signed_in(reception)
    assert_accessible(page)
    page.keyboard.press("/")  # the quick search takes focus from anywhere
    assert page.evaluate("document.activeElement.id") == "quicksearch"

    page.get_by_role("link", name="New client").first.click()
    page.get_by_label("First name").fill("Priya")
    page.get_by_role("button", name="Add client").click()
    alert = page.get_by_role("alert")
    summary = alert.inner_text()
    assert "Please correct these 2 things" in summary
    assert "Last name: This field is required." in summary
    assert "Date of birth: This field is required." in summary
    assert page.evaluate("document.activeElement.getAttribute('role')") == "alert"
    assert_accessible(page)

    page.get_by_label("Last name").fill("Raman")
    page.get_by_label("Date of birth").fill("1994-09-03")
    page.get_by_label(re.compile(r"^E-mail")).fill("priya@mail.example")
    page.get_by_label("Consents to e-mail").check()
    page.get_by_label(re.compile(r"^Fitzpatrick skin type")).select_option("4")
    page.get_by_label("Acne scars").check()
    page.get_by_role("button", name="Add client").click()

    page.get_by_role("heading", name="Priya Raman").wait_for()
    assert "Saved" in page.content() or "was added" in page.content()
    client = Client.objects.get(last_name="Raman")
    assert client.clinic == reception.clinic
    assert client.skin_concerns == ["acne_scars"]
    assert_accessible(page)


def test_search_finds_only_own_clinic_clients(signed_in, reception, other_clinic):
    ClientFactory(clinic=reception.clinic, first_name="Ada", last_name="Lovelace")
    ClientFactory(clinic=other_clinic, first_name="Ada", last_name="Byron")
    page = signed_in(reception)
    page.get_by_label("Find a client").fill("Ada")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Lovelace, Ada").wait_for()
    assert "Byron" not in page.content()
    assert_accessible(page)


def _shot(page, name: str) -> None:
    import os

    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def test_a_possible_duplicate_is_linked_and_needs_an_explicit_confirmation(signed_in, reception):
    existing = ClientFactory(
        clinic=reception.clinic, first_name="Amelia", last_name="Hughes", email="a@mail.example"
    )
    page = signed_in(reception)
    page.goto("/clients/new/")
    page.get_by_label("First name").fill("Amelia")
    page.get_by_label("Last name").fill("Hughes")
    page.get_by_label("Date of birth").fill(existing.date_of_birth.isoformat())
    page.get_by_role("button", name="Add client").click()
    warning = page.locator("[data-duplicates]")
    warning.wait_for()
    assert warning.get_by_role("link", name="Amelia Hughes").get_attribute("href") == (
        f"/clients/{existing.pk}/"
    )
    assert Client.objects.count() == 1
    assert_accessible(page)
    _shot(page, "client-possible-duplicate.png")
    page.get_by_label("This is a different person").check()
    page.get_by_role("button", name="Add client").click()
    page.get_by_role("heading", name="Amelia Hughes").wait_for()
    assert Client.objects.filter(first_name="Amelia", last_name="Hughes").count() == 2


def test_the_client_page_pages_through_screenings_by_keyboard(signed_in, reception, client_record):
    from tests.factories import screening_for

    for _ in range(12):
        screening_for(client_record, actor=reception.user)
    page = signed_in(reception)
    page.goto(f"/clients/{client_record.pk}/")
    section = page.locator("section[aria-labelledby=screenings-title]")
    assert section.locator("tbody tr").count() == 10
    pager = page.get_by_role("navigation", name="Screenings pages")
    assert "1–10 of 12 screenings" in pager.inner_text()
    assert_accessible(page)

    older = pager.get_by_role("link", name=re.compile("Older"))
    older.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"screenings=2"))
    assert section.locator("tbody tr").count() == 2
    assert "11–12 of 12 screenings" in pager.inner_text()
    page.screenshot(path="var/screenshots/client-screenings-page-2.png", full_page=True)
    assert_accessible(page)
