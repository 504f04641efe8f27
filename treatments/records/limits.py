"""The limits a form or serializer field states, read from the model field's validators.

A range or a length is written once, on the model field (models.py). Forms and
serializers ask ``field_limits(Model, "name")`` for the keyword arguments their own
field takes (``max_length``, ``min_value``, ``max_value``, ``max_digits``,
``decimal_places``), so the HTML attributes, the API schema and the service's model
validation always agree.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """The field ``name`` of ``model``: a column, not a reverse relation."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise FieldDoesNotExist(f"{model.__name__}.{name} is a reverse relation.")
    return field


def field_limits(model: type[models.Model], name: str) -> dict[str, Any]:
    """``max_length`` / ``min_value`` / ``max_value`` (and digits) of ``model.name``.

    The tightest validator wins: an integer field also carries the database's own range.
    """
    field = model_field(model, name)
    validators = field.validators
    limits: dict[str, Any] = {}
    lengths = [v.limit_value for v in validators if isinstance(v, MaxLengthValidator)]
    if lengths:
        limits["max_length"] = min(lengths)
    if isinstance(field, models.DecimalField):
        limits["max_digits"] = field.max_digits
        limits["decimal_places"] = field.decimal_places
    lows = [v.limit_value for v in validators if isinstance(v, MinValueValidator)]
    if lows:
        limits["min_value"] = max(lows)
    highs = [v.limit_value for v in validators if isinstance(v, MaxValueValidator)]
    if highs:
        limits["max_value"] = min(highs)
    return limits


def whole_numbers(model: type[models.Model], name: str) -> range:
    """Every value an integer field with a range accepts, lowest first (for choices)."""
    limits = field_limits(model, name)
    return range(limits["min_value"], limits["max_value"] + 1)
