"""The 400 page a refused request shows: in the site's layout, accessible, with a way on."""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_search_with_a_null_character_shows_the_400_page(signed_in, reception):
    page = signed_in(reception)

    response = page.goto("/clients/?q=Hughes%00")

    assert response is not None and response.status == 400
    page.get_by_role("heading", name="Cannot use this request").wait_for()
    alert = page.get_by_role("alert")
    assert "null character" in alert.inner_text()
    assert "(q)" in alert.inner_text()
    # The layout stays: the quick search still works from here.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "quicksearch"
    page.get_by_role("link", name="go back to today").click()
    page.wait_for_url("**/")
    if os.environ.get("SCREENSHOT_DIR"):
        page.goto("/clients/?q=Hughes%00")
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "400.png"))
    page.goto("/clients/?q=Hughes%00")
    assert_accessible(page)
