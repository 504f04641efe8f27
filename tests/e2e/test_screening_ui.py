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

    outcome = page.locator("[data-live-result] .live-outcome__label")
    expect(outcome).to_have_text(re.compile(r"^Incomplete: 26 questions unanswered$"))
    assert page.locator("[data-live-result]").get_attribute("aria-live") == "polite"
    assert_accessible(page)

    answer_everything_no(page)
    expect(outcome).to_have_text("Clear")

    today = client_record.clinic.local_today()
    last_dose = add_months(today, -2)
    question(page, "isotretinoin_last_dose").get_by_label("Date", exact=True).fill(
        last_dose.isoformat()
    )
    eligible = long_date(add_months(last_dose, 6))
    expect(outcome).to_have_text(f"Defer until {eligible}")
    panel = page.locator("[data-live-result]")
    expect(panel).to_contain_text("Isotretinoin in the last 6 months")
    expect(panel).to_contain_text(f"Eligible from {eligible}")
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
    expect(panel.locator(".live-outcome__label")).to_have_text("Check the answers")
    expect(panel).to_contain_text("This date cannot be in the future.")
    expect(group).to_have_class(re.compile(r"\bq--error\b"))

    group.get_by_label("Never / not applicable").check()  # clears the date
    expect(group.get_by_label("Date", exact=True)).to_have_value("")
    expect(panel.locator(".live-outcome__label")).to_have_text(re.compile("^Incomplete"))
    expect(group).not_to_have_class(re.compile(r"\bq--error\b"))
    assert Screening.objects.count() == 0
