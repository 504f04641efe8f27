"""Input to a session record, checked through the models' own field validation.

The ranges and lengths live on the model fields (models.py). A service hands loosely
typed input (JSON from the API, cleaned form data, or a direct call) to ``assign``,
which first insists on the right Python type for the field (a whole number is an
``int``, never ``True`` or ``2.5``; a decimal is finite), then runs the model field's
``clean`` (its validators) and returns messages by field name, so every refusal is a
400 with the same ``fields`` shape and never a 500.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.booking.models import Device
from treatments.records.limits import model_field
from treatments.records.models import TreatmentSession

#: Fields of a record an edit (and an amendment) may set, besides its areas and products.
EDITABLE_FIELDS = frozenset(
    {
        "device",
        "cartridge",
        "cartridge_lot",
        "needle_count",
        "endpoint_reached",
        "anaesthetic_product",
        "anaesthetic_lot",
        "anaesthetic_applied_at",
        "anaesthetic_removed_at",
        "anaesthetic_area",
        "adverse_events",
        "adverse_events_note",
        "pain_score",
        "glogau",
        "goodman_baron",
        "gais",
        "notes",
        "ended_at",
    }
)

Errors = dict[str, list[str]]

#: How far ahead of the server's clock an end time may be: the clock of the computer in
#: the treatment room may differ a little. Anything later would delay the aftercare,
#: which counts from the end (decision 0013).
END_TOLERANCE = timedelta(minutes=5)


def end_in_future_error(ended_at: datetime | None, *, now: datetime | None = None) -> str | None:
    """The refusal of an end time later than now (plus the tolerance), or None."""
    at = now if now is not None else timezone.now()
    if ended_at is None or ended_at <= at + END_TOLERANCE:
        return None
    return "The end of the session cannot be later than now; record it when the session ends."


def _typed(field: models.Field[Any, Any], raw: object) -> Any:
    """``raw`` as the Python type ``field`` holds, or ValidationError."""
    if isinstance(field, models.CharField | models.TextField):
        if raw is None:
            return ""
        if not isinstance(raw, str):
            raise ValidationError("Expected text.")
        return raw.strip()
    if isinstance(field, models.BooleanField):
        if not isinstance(raw, bool):
            raise ValidationError("Expected true or false.")
        return raw
    if raw is None or raw == "":
        return field.get_default() if isinstance(field, models.JSONField) else None
    if isinstance(field, models.IntegerField):
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            return int(raw.strip())
        raise ValidationError("Enter a whole number.")
    if isinstance(field, models.DecimalField):
        if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
            raise ValidationError("Enter a number.")
        try:
            number = Decimal(str(raw).strip())
        except (InvalidOperation, ValueError):
            raise ValidationError("Enter a number.") from None
        if not number.is_finite():
            raise ValidationError("Enter a number.")
        return number
    if isinstance(field, models.DateTimeField):
        moment = raw
        if isinstance(raw, str):
            try:
                moment = parse_datetime(raw.strip())
            except ValueError:
                moment = None
        if not isinstance(moment, datetime) or timezone.is_naive(moment):
            raise ValidationError("A time in ISO 8601 with its UTC offset.")
        return moment
    if isinstance(field, models.JSONField):
        # A list of codes (adverse events): the field's validators check the codes.
        if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
            raise ValidationError("Expected a list of codes.")
        return list(dict.fromkeys(raw))
    return raw


def assign(instance: models.Model, values: Mapping[str, object], *, prefix: str = "") -> Errors:
    """Set ``values`` on ``instance`` through the model's validation; errors by field.

    Each value is first brought to its field's type, then the model's ``clean_fields``
    runs for exactly these fields. A value that fails keeps the field unchanged.
    """
    errors: Errors = {}
    checked = []
    for name, raw in values.items():
        field = model_field(type(instance), name)
        try:
            setattr(instance, field.attname, _typed(field, raw))
        except ValidationError as exc:
            errors[prefix + name] = list(exc.messages)
        else:
            checked.append(name)
    errors.update(model_errors(instance, checked, prefix=prefix))
    return errors


def model_errors(instance: models.Model, names: Iterable[str], *, prefix: str = "") -> Errors:
    """The model's own field validation of ``names`` only, as messages by field."""
    names = set(names)
    if not names:
        return {}
    others = {f.name for f in instance._meta.fields} - names
    try:
        instance.clean_fields(exclude=others)
    except ValidationError as exc:
        return {prefix + name: list(messages) for name, messages in exc.message_dict.items()}
    return {}


def clean_session_fields(
    *, session: TreatmentSession, data: Mapping[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], Errors]:
    """The validated values of the record fields in ``data``, and the errors by field.

    Fields are checked by the model (ranges, lengths, codes, times in order); what
    depends on the clinic or the plan is checked here: the device must be one of the
    clinic's, the endpoint one of the plan's protocol version.
    """
    errors: Errors = {}
    candidate = copy.copy(session)  # the record as it would be after the change
    scalars: dict[str, object] = {}
    device_given = False
    for name, raw in data.items():
        if name not in EDITABLE_FIELDS:
            errors[prefix + name] = ["This field cannot be set here."]
        elif name == "device":
            device_given = True
            error = _set_device(candidate, raw)
            if error:
                errors[prefix + name] = [error]
        else:
            scalars[name] = raw
    errors.update(assign(candidate, scalars, prefix=prefix))

    endpoint = candidate.endpoint_reached
    if "endpoint_reached" in scalars and prefix + "endpoint_reached" not in errors and endpoint:
        endpoints = session.plan.protocol_set.engine().endpoints
        if endpoint not in endpoints:
            errors[prefix + "endpoint_reached"] = [
                "Choose one of: " + ", ".join(sorted(endpoints)) + "."
            ]
    try:
        candidate.clean()  # the times follow each other
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            errors.setdefault(prefix + name, list(messages))
    if "ended_at" in scalars and prefix + "ended_at" not in errors:
        future = end_in_future_error(candidate.ended_at)
        if future:
            errors[prefix + "ended_at"] = [future]

    values = {name: getattr(candidate, name) for name in scalars if prefix + name not in errors}
    if device_given and prefix + "device" not in errors:
        values["device"] = candidate.device
    return values, errors


def _set_device(candidate: TreatmentSession, raw: object) -> str | None:
    """Point the candidate at one of its clinic's devices (or none); the refusal if not."""
    if raw is None or raw == "":
        candidate.device = None
        return None
    try:
        device_id = raw.pk if isinstance(raw, Device) else _typed(Device._meta.pk, raw)
    except ValidationError:
        device_id = None
    device = (
        Device.objects.filter(clinic_id=candidate.clinic_id, pk=device_id).first()
        if device_id and 0 < device_id < 2**63
        else None
    )
    if device is None:
        return "No such device in this clinic."
    candidate.device = device
    return None
