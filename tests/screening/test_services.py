"""Writes for screening: who may record a review of a caution result (DOMAIN.md §1)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from common.errors import PermissionDenied
from tests.screening.answers import all_no_answers
from treatments.screening import services
from treatments.screening.models import ScreeningReview

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2026-03-02 09:00:00+00:00", tick=False):
        yield


def caution(client_record, by):
    return services.screening_take(
        client=client_record,
        actor=by.user,
        planned_date=date(2026, 3, 9),
        raw_answers=all_no_answers(anticoagulant_use=True),
    )


def test_a_practitioner_records_the_review_of_a_caution_result(
    client_record, reception, practitioner
):
    screening = caution(client_record, reception)
    review = services.screening_review(
        screening=screening,
        actor=practitioner.user,
        role=practitioner.membership.role,
        note="Spoke to the GP.",
    )
    assert review.reviewed_by == practitioner.user
    assert review.note == "Spoke to the GP."


@pytest.mark.parametrize("persona", ["reception", "manager"])
def test_only_a_practitioner_may_review_a_screening(request, persona, client_record, reception):
    screening = caution(client_record, reception)
    staff = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.screening_review(
            screening=screening, actor=staff.user, role=staff.membership.role, note="Looks fine."
        )
    assert not ScreeningReview.objects.exists()
