"""The database itself refuses what must never be recorded (constraints under the services)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import (
    DeviceFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)
from treatments.records.models import SessionArea, SessionProduct

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(clinic, client_record, practitioner, reception):
    appointment = appointment_for(
        client_record,
        practitioner=practitioner_for(practitioner.membership),
        room=RoomFactory(clinic=clinic),
        device=DeviceFactory(clinic=clinic),
        start=timezone.now() - timedelta(hours=2),
    )
    return treatment_session_for(
        appointment,
        plan=plan_for(client_record),
        screening=screening_for(client_record, actor=reception.user),
        consent=consent_for(client_record, witnessed_by=reception.user),
    )


def test_vitamin_c_during_needling_is_refused_by_the_database(session):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionProduct.objects.create(
            session=session, product="Serum", timing="during", is_vitamin_c=True
        )


def test_vitamin_c_after_needling_is_allowed(session):
    SessionProduct.objects.create(
        session=session, product="Vitamin C serum", timing="after", is_vitamin_c=True
    )
    assert session.products.count() == 1


def test_a_depth_above_the_limit_without_justification_is_refused(session):
    with pytest.raises(IntegrityError), transaction.atomic():
        SessionArea.objects.create(
            session=session,
            area="nose",
            depth_mm=Decimal("1.0"),
            passes=2,
            limit_mm=Decimal("0.5"),
        )
    SessionArea.objects.create(
        session=session,
        area="nose",
        depth_mm=Decimal("1.0"),
        passes=2,
        limit_mm=Decimal("0.5"),
        justification="Thick, sun-damaged skin; tested a spot first.",
    )


def test_a_signed_session_must_have_a_signer_and_an_end(session):
    session.status = "signed"
    with pytest.raises(IntegrityError), transaction.atomic():
        session.save()
