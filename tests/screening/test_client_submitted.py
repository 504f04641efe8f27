"""Client-submitted screenings: they may block a treatment, never clear one until staff
confirm them (DOMAIN.md §6 "Readiness check", "Online intake"; API.md
``POST /api/screenings/{id}/confirm/``)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from clinic.booking.decision import treatment_decision
from common.models import AuditEvent
from tests.factories import screening_for
from tests.screening.answers import all_no_answers
from treatments.screening.models import Screening, ScreeningConfirmation, ScreeningSource
from treatments.screening.selectors import client_screening_status, treatment_eligibility
from treatments.screening.services import screening_take

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 20)
VISIT = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False):
        yield


def submitted(client, **answers) -> Screening:
    """Answers the client gave through a signed link (no member of staff)."""
    return screening_take(
        client=client,
        actor=None,
        planned_date=VISIT,
        raw_answers=all_no_answers(**answers),
        source=ScreeningSource.CLIENT,
    )


def decision(client):
    return treatment_decision(client=client, on_date=VISIT)


# --- the booking decision ---------------------------------------------------------------


def test_client_answers_alone_never_make_a_client_bookable(client_record):
    screening = submitted(client_record)
    assert screening.outcome == "clear"
    assert screening.taken_by is None
    verdict = decision(client_record)
    assert not verdict.bookable
    assert verdict.eligibility.screening is None
    assert verdict.eligibility.awaiting_confirmation == screening
    assert "not confirmed" in verdict.reason
    assert verdict.label == "Client's answers to confirm"


def test_a_blocking_client_answer_blocks_over_a_clear_staff_screening(client_record, reception):
    screening_for(client_record, actor=reception.user, planned_date=VISIT)
    assert decision(client_record).bookable
    blocking = submitted(client_record, pregnant_or_breastfeeding=True)
    verdict = decision(client_record)
    assert not verdict.bookable
    assert verdict.eligibility.outcome == "defer"
    assert verdict.eligibility.screening == blocking
    assert [f["rule"] for f in verdict.eligibility.findings] == ["PREGNANCY"]
    assert "submitted" in verdict.reason


def test_a_contraindicating_client_answer_blocks(client_record, reception):
    screening_for(client_record, actor=reception.user, planned_date=VISIT)
    submitted(client_record, bleeding_disorder=True)
    assert decision(client_record).eligibility.outcome == "contraindicated"
    assert not decision(client_record).bookable


def test_clear_client_answers_never_clear_a_staff_deferral(client_record, reception):
    screening_for(
        client_record, actor=reception.user, planned_date=VISIT, pregnant_or_breastfeeding=True
    )
    submitted(client_record)  # "no longer pregnant", unconfirmed
    verdict = decision(client_record)
    assert not verdict.bookable
    assert verdict.eligibility.outcome == "defer"


def test_confirmed_client_answers_count_like_staff_ones(client_record, reception, practitioner):
    screening_for(
        client_record, actor=reception.user, planned_date=VISIT, pregnant_or_breastfeeding=True
    )
    clear = submitted(client_record)
    ScreeningConfirmation.objects.create(screening=clear, confirmed_by=practitioner.user)
    verdict = decision(client_record)
    assert verdict.bookable
    assert verdict.eligibility.screening == clear
    assert verdict.eligibility.awaiting_confirmation is None


def test_a_client_caution_keeps_the_booking_but_needs_a_practitioner(client_record, reception):
    screening_for(client_record, actor=reception.user, planned_date=VISIT)
    submitted(client_record, anticoagulant_use=True)
    verdict = decision(client_record)
    assert verdict.bookable
    assert verdict.eligibility.needs_review
    assert [t.code for t in verdict.to_do] == [
        "screening_review",
        "plan_missing",
        "consent_missing",
    ]
    assert [f["rule"] for f in verdict.eligibility.findings] == ["ANTICOAGULANT"]


def test_a_new_staff_screening_supersedes_a_blocking_client_answer(client_record, reception):
    submitted(client_record, pregnant_or_breastfeeding=True)
    assert not decision(client_record).bookable
    with time_machine.travel("2026-11-20 11:00:00+00:00", tick=False):
        screening_for(client_record, actor=reception.user, planned_date=VISIT)
        assert decision(client_record).bookable


def test_the_client_page_badge_says_the_answers_await_confirmation(client_record, reception):
    screening_for(client_record, actor=reception.user, planned_date=VISIT)
    submitted(client_record, pregnant_or_breastfeeding=True)
    status = client_screening_status(client=client_record)
    assert status.kind == "awaiting_confirmation"
    assert status.tone == "danger"
    assert "awaiting confirmation" in status.label


def test_eligibility_endpoint_names_the_screening_awaiting_confirmation(client_record):
    pending = submitted(client_record)
    data = treatment_eligibility(client=client_record, on_date=VISIT).to_dict()
    assert data["allowed"] is False
    assert data["awaiting_confirmation"] == pending.pk


def test_client_submission_is_audited_on_the_link_channel(client_record):
    screening = submitted(client_record)
    event = AuditEvent.objects.get(object_type="screening", object_id=str(screening.pk))
    assert event.action == "create"
    assert event.actor_id is None
    assert event.channel == "link"
    assert event.detail["source"] == "client"


# --- POST /api/screenings/{id}/confirm/ -------------------------------------------------


def test_practitioner_confirms_client_answers(api, practitioner, client_record):
    screening = submitted(client_record)
    response = api(practitioner).post(
        f"/api/screenings/{screening.pk}/confirm/", {"note": "Went through them by phone."}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["source"] == "client"
    assert body["confirmation"]["confirmed_by"] == practitioner.user.full_name
    assert body["confirmation"]["confirmed_at"].startswith("2026-11-20T10:00:00")
    assert body["confirmation"]["note"] == "Went through them by phone."
    assert decision(client_record).bookable
    event = AuditEvent.objects.filter(
        object_type="screening", object_id=str(screening.pk), action="update"
    ).get()
    assert event.actor_id == practitioner.user.pk
    assert event.client_id == client_record.pk
    again = api(practitioner).post(f"/api/screenings/{screening.pk}/confirm/", {})
    assert again.status_code == 409
    assert again.json()["code"] == "already_confirmed"


def test_staff_screenings_are_not_confirmed(api, practitioner, client_record):
    staff = screening_for(client_record, actor=practitioner.user, planned_date=VISIT)
    response = api(practitioner).post(f"/api/screenings/{staff.pk}/confirm/", {})
    assert response.status_code == 409
    assert response.json()["code"] == "confirm_not_applicable"
    assert api(practitioner).get(f"/api/screenings/{staff.pk}/").json()["source"] == "staff"


@pytest.mark.parametrize("persona", ["reception", "manager"])
def test_only_those_who_review_screenings_confirm(api, request, client_record, persona):
    screening = submitted(client_record)
    response = api(request.getfixturevalue(persona)).post(
        f"/api/screenings/{screening.pk}/confirm/", {}
    )
    assert response.status_code == 403
    assert not ScreeningConfirmation.objects.exists()


def test_another_clinics_screening_is_not_found(api, other_clinic, client_record):
    from tests.conftest import _persona

    screening = submitted(client_record)
    response = api(_persona(other_clinic, "practitioner")).post(
        f"/api/screenings/{screening.pk}/confirm/", {}
    )
    assert response.status_code == 404
    assert not ScreeningConfirmation.objects.exists()


def test_an_expired_client_screening_is_not_confirmed(api, practitioner, client_record):
    screening = submitted(client_record)
    with time_machine.travel("2026-12-21 10:00:00+00:00", tick=False):
        response = api(practitioner).post(f"/api/screenings/{screening.pk}/confirm/", {})
    assert response.status_code == 409
    assert response.json()["code"] == "screening_expired"


def test_a_note_too_long_is_a_400(api, practitioner, client_record):
    screening = submitted(client_record)
    response = api(practitioner).post(
        f"/api/screenings/{screening.pk}/confirm/", {"note": "x" * 4001}
    )
    assert response.status_code == 400
    assert "note" in response.json()["fields"]
