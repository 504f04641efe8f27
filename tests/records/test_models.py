"""The database itself refuses what must never be recorded (constraints under the services)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
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


# --- field validators: what a record may hold, checked by the model itself -----------------


def _field_errors(instance, **values) -> dict[str, list[str]]:
    for name, value in values.items():
        setattr(instance, name, value)
    try:
        instance.clean_fields(exclude={f.name for f in instance._meta.fields} - set(values))
    except ValidationError as exc:
        return exc.message_dict
    return {}


@pytest.mark.parametrize(
    ("field", "refused", "accepted"),
    [
        ("pain_score", [-1, 11], [0, 10]),  # DOMAIN.md §5: pain 0-10
        ("needle_count", [0, 101], [1, 100]),
        ("glogau", [0, 5], [1, 4]),  # Glogau I-IV
        ("goodman_baron", [0, 5], [1, 4]),  # Goodman & Baron grade 1-4
        ("gais", [0, 6], [1, 5]),  # GAIS, five points
        ("cartridge", ["x" * 121], ["x" * 120]),
        ("cartridge_lot", ["x" * 61], ["x" * 60]),
        ("anaesthetic_area", ["x" * 201], ["x" * 200]),
        ("adverse_events_note", ["x" * 4001], ["x" * 4000]),
        ("notes", ["x" * 10001], ["x" * 10000]),
        ("adverse_events", [["redness", "sparkles"], "redness"], [["redness", "itching"]]),
        (
            "ended_at",
            [datetime(1899, 12, 31, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)],
            [datetime(2026, 11, 20, 11, tzinfo=UTC)],
        ),
    ],
)
def test_a_session_field_refuses_values_outside_its_range(session, field, refused, accepted):
    for value in refused:
        assert field in _field_errors(session, **{field: value}), value
    for value in accepted:
        assert _field_errors(session, **{field: value}) == {}, value


@pytest.mark.parametrize(
    ("field", "refused", "accepted"),
    [
        ("depth_mm", [Decimal("0"), Decimal("3.01"), Decimal("0.125")], [Decimal("0.01"), 3]),
        ("passes", [0, 21], [1, 20]),
        ("justification", ["x" * 4001], ["x" * 4000]),
        ("skin", ["medium"], ["thin", "thick"]),
    ],
)
def test_an_area_field_refuses_values_outside_its_range(session, field, refused, accepted):
    area = SessionArea(session=session, area="nose", depth_mm=1, passes=2, limit_mm=1)
    for value in refused:
        assert field in _field_errors(area, **{field: value}), value
    for value in accepted:
        assert _field_errors(area, **{field: value}) == {}, value


def test_a_product_needs_a_name_and_a_timing(session):
    product = SessionProduct(session=session, product="Serum", timing="after")
    assert _field_errors(product, product="x" * 121).keys() == {"product"}
    assert _field_errors(product, product="", timing="sometime").keys() == {"product", "timing"}


def test_the_times_of_a_record_follow_each_other(session):
    session.ended_at = session.started_at
    session.anaesthetic_applied_at = session.started_at
    session.anaesthetic_removed_at = session.started_at - timedelta(minutes=5)
    with pytest.raises(ValidationError) as refused:
        session.clean()
    assert refused.value.message_dict == {
        "ended_at": ["The end must be after the start of the session."],
        "anaesthetic_removed_at": ["The anaesthetic is removed after it was applied."],
    }
    session.ended_at = session.started_at + timedelta(minutes=40)
    session.anaesthetic_removed_at = session.started_at + timedelta(minutes=30)
    session.clean()
