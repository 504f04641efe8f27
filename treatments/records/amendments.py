"""Corrections to a signed session record: amendments (decision 0005).

A signed record is read-only. An amendment is appended with its author, reason and
note; the field changes it carries are applied to the record as well (so a recall by
lot finds the corrected value) and kept as ``from → to`` in the amendment.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from clinic.booking.models import Device
from clinic.models import User
from common.errors import ApplicationError, Conflict
from treatments.records.audit import audit_session
from treatments.records.guards import lock_session, require_recorder
from treatments.records.models import SessionAmendment, SessionStatus, TreatmentSession
from treatments.records.services import SIGN_REQUIRED
from treatments.records.validation import clean_session_fields

#: Fields a signed record cannot lose (the database requires some, signing the rest).
_AMEND_REQUIRED = frozenset(set(SIGN_REQUIRED) - {"areas"})


def _json_value(value: object) -> object:
    if isinstance(value, Device):
        return value.pk
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    return value


@transaction.atomic
def session_amend(
    *,
    session: TreatmentSession,
    actor: User,
    reason: str,
    note: str = "",
    changes: dict[str, Any] | None = None,
) -> SessionAmendment:
    """Append a correction to a signed record and apply its changes to the record."""
    require_recorder(clinic=session.clinic, actor=actor, what="amend a treatment session")
    locked = lock_session(session)
    if locked.status != SessionStatus.SIGNED:
        raise Conflict(
            "Only a signed session is amended; edit the record while it is in progress.",
            code="session_not_signed",
        )
    changes = changes or {}
    errors: dict[str, list[str]] = {}
    reason = reason.strip() if isinstance(reason, str) else ""
    note = note.strip() if isinstance(note, str) else ""
    if not reason:
        errors["reason"] = ["Say why the record is corrected."]
    if not isinstance(changes, dict):
        raise ApplicationError(
            "Changes must be an object.", fields={"changes": ["Expected an object."]}
        )
    for name in ("areas", "products"):
        if name in changes:
            errors[f"changes.{name}"] = [
                f"Corrections to {name} are written in the note; the record keeps its rows."
            ]
    scalars = {k: v for k, v in changes.items() if k not in ("areas", "products")}
    values, field_errors = clean_session_fields(session=locked, data=scalars, prefix="changes.")
    errors.update(field_errors)
    for name in _AMEND_REQUIRED & set(values):
        if values[name] in (None, ""):
            errors.setdefault(f"changes.{name}", []).append("A signed record must keep this.")
    if errors:
        raise ApplicationError("The amendment is not valid; nothing was saved.", fields=errors)

    diff: dict[str, dict[str, Any]] = {}
    for name, new in values.items():
        old = getattr(locked, name)
        if old != new:
            diff[name] = {"from": _json_value(old), "to": _json_value(new)}
            setattr(locked, name, new)
    if "device" in diff:
        serial = locked.device.serial_number if locked.device else ""
        if serial != locked.device_serial:
            diff["device_serial"] = {"from": locked.device_serial, "to": serial}
            locked.device_serial = serial
    if not diff and not note:
        raise ApplicationError(
            "Nothing to amend: write a note or change a field.",
            fields={"note": ["Describe the correction or change a field."]},
        )
    if diff:
        locked.save()
    amendment = SessionAmendment.objects.create(
        session=locked, author=actor, reason=reason, note=note, changes=diff
    )
    audit_session(
        actor, "update", locked, event="amend", amendment=amendment.pk, fields=sorted(diff)
    )
    return amendment
