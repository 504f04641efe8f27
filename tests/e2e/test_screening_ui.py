"""Reception screens a client in a real browser and watches the outcome update live."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible
from treatments.screening.defaults import DEFAULT_RULE_SET
from treatments.screening.models import Screening
from treatments.screening.rules import add_months

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTIONS = DEFAULT_RULE_SET["questions"]


def long_date(day) -> str:
    return f"{day.day} {day:%B %Y}"


def question(page, code: str):
    return page.locator(f'[data-question="{code}"]')


def answer_everything_no(page) -> None:
    # The first answers by keyboard: arrow keys choose within a radio group, Tab moves
    # on to the next question, Space ticks "Never".
    question(page, "isotretinoin_current").get_by_label("Yes", exact=True).focus()
    page.keyboard.press("ArrowRight")
    expect(question(page, "isotretinoin_current").get_by_label("No", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "q-isotretinoin_last_dose"
    question(page, "isotretinoin_last_dose").get_by_label("Never / not applicable").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "q-anticoagulant_use"
    page.keyboard.press("ArrowRight")
    expect(question(page, "anticoagulant_use").get_by_label("No", exact=True)).to_be_checked()
    for q in QUESTIONS[3:]:
        group = question(page, q["code"])
        if q["type"] == "boolean":
            group.get_by_label("No", exact=True).check()
        elif q["type"] == "date":
            group.get_by_label("Never / not applicable").check()
        else:
            group.get_by_label("No diabetes").check()


def test_reception_screens_a_client_and_sees_the_outcome_live(signed_in, reception, client_record):
    page = signed_in(reception)
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(error))
    page.goto(f"/clients/{client_record.pk}/")
    expect(page.locator("[data-screening-status]")).to_have_text(re.compile("Not screened"))
    page.get_by_role("link", name="Screen client").click()
    page.get_by_role("heading", name=f"Screen {client_record.full_name}").wait_for()

    # The server renders the outcome as the result page would, and swaps it in.
    panel = page.locator("[data-live-result]")
    outcome = panel.locator(".outcome-banner__title")
    status = page.get_by_role("status")
    expect(outcome).to_have_text("Outcome: Incomplete")
    expect(panel).to_contain_text("26 questions not answered.")
    expect(
        panel.get_by_role("link", name=re.compile("^Are you currently taking isotretinoin"))
    ).to_be_visible()
    expect(status).to_have_text("Outcome: Incomplete. 26 questions not answered.")
    assert_accessible(page)

    answer_everything_no(page)
    expect(outcome).to_have_text("Outcome: Clear")
    expect(status).to_have_text("Outcome: Clear.")
    expect(panel).not_to_contain_text("Still to answer")

    today = client_record.clinic.local_today()
    last_dose = add_months(today, -2)
    question(page, "isotretinoin_last_dose").get_by_label("Date", exact=True).fill(
        last_dose.isoformat()
    )
    eligible = long_date(add_months(last_dose, 6))
    expect(outcome).to_have_text(f"Outcome: Defer until {eligible}")
    expect(status).to_have_text(f"Outcome: Defer until {eligible}. 1 finding.")
    expect(
        panel.get_by_role("heading", name="Isotretinoin in the last 6 months", level=4)
    ).to_be_visible()
    expect(panel.locator(".finding dd")).to_have_text(eligible)
    # A date replaces "never", and nothing has been stored yet.
    expect(
        question(page, "isotretinoin_last_dose").get_by_label("Never / not applicable")
    ).not_to_be_checked()
    assert Screening.objects.count() == 0
    assert_accessible(page)

    page.get_by_role("button", name="Save screening").click()
    page.get_by_role("heading", name=f"Outcome: Defer until {eligible}").wait_for()
    expect(page.get_by_role("heading", name="Isotretinoin in the last 6 months")).to_be_visible()
    expect(page.get_by_text("isotretinoin prescribing information (6 months)")).to_be_visible()
    screening = Screening.objects.get()
    assert screening.outcome == "defer"
    assert screening.answers["isotretinoin_last_dose"] == last_dose.isoformat()
    assert_accessible(page)

    page.get_by_role("link", name="Back to client").click()
    expect(page.locator("[data-screening-status]")).to_have_text(
        re.compile(f"Deferred until {add_months(last_dose, 6):%-d %b %Y}")
    )
    assert not script_errors


def test_a_future_date_is_flagged_in_the_live_panel_before_saving(
    signed_in, reception, client_record
):
    page = signed_in(reception)
    page.goto(f"/clients/{client_record.pk}/screenings/new/")
    future = client_record.clinic.local_today() + timedelta(days=30)
    group = question(page, "botulinum_toxin_last")
    group.get_by_label("Date", exact=True).fill(future.isoformat())

    panel = page.locator("[data-live-result]")
    expect(panel.locator(".outcome-banner__title")).to_have_text("Check the answers")
    expect(panel).to_contain_text("This date cannot be in the future.")
    expect(group).to_have_class(re.compile(r"\bq--error\b"))
    expect(group.get_by_label("Date", exact=True)).to_have_attribute("aria-invalid", "true")

    # The link in the panel leads to the question.
    panel.get_by_role("link", name=re.compile("^When did you last have anti-wrinkle")).click()
    expect(page).to_have_url(re.compile("#question-botulinum_toxin_last$"))

    group.get_by_label("Never / not applicable").check()  # clears the date
    expect(group.get_by_label("Date", exact=True)).to_have_value("")
    expect(panel.locator(".outcome-banner__title")).to_have_text("Outcome: Incomplete")
    expect(group).not_to_have_class(re.compile(r"\bq--error\b"))
    expect(group.get_by_label("Date", exact=True)).not_to_have_attribute("aria-invalid", "true")
    assert Screening.objects.count() == 0


def test_the_form_saves_without_javascript(browser, live_server, reception, client_record):
    from tests.factories import PASSWORD

    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("E-mail").fill(reception.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"/clients/{client_record.pk}/screenings/new/")
    expect(page.locator("[data-live-result]")).to_have_text(
        "The outcome is worked out when you save the screening."
    )
    for q in QUESTIONS:
        group = question(page, q["code"])
        if q["type"] == "boolean":
            group.get_by_label("Yes" if q["code"] == "metal_allergy" else "No", exact=True).check()
        elif q["type"] == "date":
            group.get_by_label("Never / not applicable").check()
        else:
            group.get_by_label("No diabetes").check()
    page.get_by_role("button", name="Save screening").click()
    expect(page.get_by_role("heading", name="Outcome: Contraindicated", level=2)).to_be_visible()
    assert Screening.objects.get().outcome == "contraindicated"
    context.close()
