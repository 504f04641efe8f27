"""The one treatment gate: "may this client be treated on date D?"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine

from tests.screening.answers import all_no_answers
from treatments.screening import services
from treatments.screening.errors import ScreeningBlocksTreatment
from treatments.screening.selectors import client_screening_status, treatment_eligibility

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False) as traveller:
        yield traveller


def screen(client_record, by, planned=date(2026, 3, 9), **answers):
    return services.screening_take(
        client=client_record,
        actor=by.user,
        planned_date=planned,
        raw_answers=all_no_answers(**answers),
    )


def test_no_screening_refuses_treatment(client_record):
    result = treatment_eligibility(client=client_record, on_date=date(2026, 3, 9))
    assert result.allowed is False
    assert result.outcome is None
    assert "no screening" in result.reason
    with pytest.raises(ScreeningBlocksTreatment) as refusal:
        result.require_allowed()
    assert refusal.value.status_code == 409
    assert refusal.value.code == "screening_blocks_treatment"


def test_clear_allows_treatment(client_record, reception):
    screen(client_record, reception)
    result = treatment_eligibility(client=client_record, on_date=date(2026, 3, 9))
    assert (result.allowed, result.needs_review, result.outcome) == (True, False, "clear")
    assert result.require_allowed() is result


def test_contraindicated_refuses_with_findings(client_record, reception):
    screen(client_record, reception, keloid_tendency=True)
    result = treatment_eligibility(client=client_record, on_date=date(2026, 3, 9))
    assert result.allowed is False
    with pytest.raises(ScreeningBlocksTreatment) as refusal:
        result.require_allowed()
    payload = refusal.value.extra["screening"]
    assert payload["outcome"] == "contraindicated"
    assert payload["findings"][0]["rule"] == "KELOID"


def test_incomplete_refuses(client_record, reception):
    answers = all_no_answers()
    del answers["metal_allergy"]
    services.screening_take(
        client=client_record,
        actor=reception.user,
        planned_date=date(2026, 3, 9),
        raw_answers=answers,
    )
    result = treatment_eligibility(client=client_record, on_date=date(2026, 3, 9))
    assert result.allowed is False
    assert result.outcome == "incomplete"
    assert "metal_allergy" in result.reason


def test_dated_deferral_refuses_before_and_allows_on_the_eligible_day(client_record, reception):
    # Botulinum toxin on 1 March: deferred until 15 March (14 days).
    screen(client_record, reception, botulinum_toxin_last="2026-03-01")
    day_before = treatment_eligibility(client=client_record, on_date=date(2026, 3, 14))
    on_the_day = treatment_eligibility(client=client_record, on_date=date(2026, 3, 15))
    day_after = treatment_eligibility(client=client_record, on_date=date(2026, 3, 16))
    assert (day_before.allowed, day_before.outcome) == (False, "defer")
    assert day_before.eligible_from == date(2026, 3, 15)
    assert "15 March 2026" in day_before.reason
    assert (on_the_day.allowed, on_the_day.outcome) == (True, "clear")
    assert day_after.allowed is True


def test_undated_deferral_refuses_on_any_date(client_record, reception):
    screen(client_record, reception, active_lesions_in_area=True)
    for days in (0, 10, 25):
        result = treatment_eligibility(
            client=client_record, on_date=date(2026, 3, 9) + timedelta(days=days)
        )
        assert result.allowed is False
        assert result.eligible_from is None
        assert "re-screen" in result.reason


def test_caution_is_allowed_but_needs_review_until_reviewed(client_record, reception, practitioner):
    screening = screen(client_record, reception, immunosuppressed=True)
    before = treatment_eligibility(client=client_record, on_date=date(2026, 3, 9))
    assert (before.allowed, before.needs_review) == (True, True)
    services.screening_review(
        screening=screening, actor=practitioner.user, role=practitioner.role, note="Cleared by GP"
    )
    after = treatment_eligibility(client=client_record, on_date=date(2026, 3, 9))
    assert (after.allowed, after.needs_review) == (True, False)


def test_a_screening_is_valid_for_30_days_from_the_day_it_was_taken(
    client_record, reception, frozen_clock
):
    screen(client_record, reception)  # taken 2 March
    frozen_clock.move_to("2026-03-31 09:00:00+00:00")  # the 30th day
    assert treatment_eligibility(client=client_record, on_date=date(2026, 4, 2)).allowed
    frozen_clock.move_to("2026-04-01 09:00:00+00:00")  # day 31: expired
    expired = treatment_eligibility(client=client_record, on_date=date(2026, 4, 2))
    assert expired.allowed is False
    assert expired.outcome is None
    assert client_screening_status(client=client_record).kind == "expired"


def test_validity_counts_clinic_local_days(client_record, reception, frozen_clock):
    client_record.clinic.timezone = "America/New_York"
    client_record.clinic.save()
    frozen_clock.move_to("2026-03-03 03:00:00+00:00")  # still 2 March in New York
    screening = screen(client_record, reception)
    assert screening.taken_on == date(2026, 3, 2)


def test_gate_re_evaluates_at_the_treatment_date_with_the_screenings_own_rules(
    client_record, reception
):
    # Cancer treatment ended 15 April 2025: deferred until 15 April 2026 (12 months),
    # then the same answers mean "caution: clearance needed".
    screen(client_record, reception, planned=date(2026, 3, 9), cancer_treatment_ended="2025-04-15")
    before = treatment_eligibility(client=client_record, on_date=date(2026, 4, 14))
    after = treatment_eligibility(client=client_record, on_date=date(2026, 4, 15))
    assert (before.allowed, before.outcome) == (False, "defer")
    assert (after.allowed, after.outcome, after.needs_review) == (True, "caution", True)


def test_the_latest_screening_supersedes_earlier_ones(client_record, reception, frozen_clock):
    screen(client_record, reception, pregnant_or_breastfeeding=True)
    frozen_clock.shift(timedelta(hours=1))
    screen(client_record, reception)
    assert treatment_eligibility(client=client_record, on_date=date(2026, 3, 9)).allowed


@pytest.mark.parametrize(
    ("answers", "kind", "label"),
    [
        ({}, "clear", "Screening clear"),
        ({"anticoagulant_use": True}, "caution_pending", "Caution: awaiting review"),
        ({"laser_or_peel_last": "2026-03-01"}, "defer", "Deferred until 15 Mar 2026"),
        ({"pregnant_or_breastfeeding": True}, "defer", "Deferred: re-screen when resolved"),
        ({"metal_allergy": True}, "contraindicated", "Contraindicated"),
    ],
)
def test_client_status_badge(client_record, reception, answers, kind, label):
    assert client_screening_status(client=client_record).kind == "none"
    screen(client_record, reception, **answers)
    status = client_screening_status(client=client_record)
    assert (status.kind, status.label) == (kind, label)
