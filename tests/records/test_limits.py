"""Forms and the API state the limits the model fields hold; nothing restates them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from treatments.records.forms import AreaForm, LotTraceForm, ProductForm, SessionForm
from treatments.records.limits import field_limits, whole_numbers
from treatments.records.models import SessionArea, SessionProduct, TreatmentSession
from treatments.records.serializers import (
    RecallQuerySerializer,
    SessionAreaInputSerializer,
    SessionFieldsSerializer,
    SessionProductInputSerializer,
)


def test_limits_are_read_from_the_model_fields_validators():
    assert field_limits(TreatmentSession, "pain_score") == {"min_value": 0, "max_value": 10}
    assert field_limits(TreatmentSession, "cartridge_lot") == {"max_length": 60}
    assert field_limits(TreatmentSession, "notes") == {"max_length": 10000}
    assert field_limits(SessionArea, "depth_mm") == {
        "max_digits": 3,
        "decimal_places": 2,
        "min_value": Decimal("0.01"),
        "max_value": Decimal("3.0"),
    }
    assert field_limits(SessionArea, "passes") == {"min_value": 1, "max_value": 20}
    assert list(whole_numbers(TreatmentSession, "pain_score")) == list(range(11))


def _stated(field) -> dict:
    """What a form or serializer field states of the limits ``field_limits`` names."""
    names = ("max_length", "min_value", "max_value", "max_digits", "decimal_places")
    return {name: getattr(field, name) for name in names if getattr(field, name, None) is not None}


SESSION_FIELDS = [
    "cartridge",
    "cartridge_lot",
    "needle_count",
    "anaesthetic_product",
    "anaesthetic_lot",
    "anaesthetic_area",
    "adverse_events_note",
    "notes",
]


@pytest.mark.parametrize("name", SESSION_FIELDS)
def test_the_record_form_states_the_models_limits(name):
    assert _stated(SessionForm.base_fields[name]) == field_limits(TreatmentSession, name)


@pytest.mark.parametrize("name", [*SESSION_FIELDS, "endpoint_reached", "pain_score", "gais"])
def test_the_api_states_the_models_limits(name):
    field = SessionFieldsSerializer().fields[name]
    assert _stated(field) == field_limits(TreatmentSession, name)


@pytest.mark.parametrize("name", ["depth_mm", "passes", "justification"])
def test_the_area_row_states_the_models_limits(name):
    assert _stated(AreaForm.base_fields[name]) == field_limits(SessionArea, name)
    assert _stated(SessionAreaInputSerializer().fields[name]) == field_limits(SessionArea, name)


@pytest.mark.parametrize("name", ["product", "lot"])
def test_the_product_row_states_the_models_limits(name):
    expected = field_limits(SessionProduct, name)
    assert _stated(ProductForm.base_fields[name]) == expected
    assert _stated(SessionProductInputSerializer().fields[name]) == expected


def test_the_pain_scale_offers_exactly_the_models_range():
    offered = [value for value, _ in SessionForm.base_fields["pain_score"].choices]
    assert offered == [str(n) for n in range(0, 11)]


def test_the_lot_trace_search_takes_what_a_record_can_hold():
    assert LotTraceForm.base_fields["lot"].max_length == 60
    assert LotTraceForm.base_fields["serial"].max_length == 100
    fields = RecallQuerySerializer().fields
    assert fields["lot"].max_length == field_limits(TreatmentSession, "cartridge_lot")["max_length"]
    assert (
        fields["device_serial"].max_length
        == field_limits(TreatmentSession, "device_serial")["max_length"]
    )


def test_the_depth_input_carries_the_models_range_as_html_attributes():
    html = str(AreaForm(prefix="areas-0")["depth_mm"])
    assert 'min="0.01"' in html and 'max="3.0"' in html and 'step="0.01"' in html
