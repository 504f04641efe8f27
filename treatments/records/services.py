"""Recording a treatment session while it is in progress, and signing it.

DOMAIN.md §2 (what a record holds, depth limits, vitamin C), §4 (adverse events), §5
(scales); decision 0005. The record is edited while in progress and read-only once
signed; starting it is ``start.py``, correcting it afterwards ``amendments.py``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from clinic.booking.models import Appointment, AppointmentStatus
from clinic.models import User
from common.errors import ApplicationError, PermissionDenied
from treatments.plans import protocols
from treatments.records import signing
from treatments.records.audit import audit_session
from treatments.records.depth import depth_verdict
from treatments.records.guards import lock_session, refuse_signed, require_recorder
from treatments.records.models import (
    SessionArea,
    SessionProduct,
    SessionStatus,
    TreatmentSession,
)
from treatments.records.validation import assign, clean_session_fields, end_in_future_error

#: What a record needs before it can be signed (DOMAIN.md §2), with the label staff see.
SIGN_REQUIRED = {
    "device": "Device",
    "cartridge_lot": "Cartridge lot",
    "needle_count": "Needle count",
    "areas": "At least one treated area",
    "endpoint_reached": "Clinical endpoint reached",
    "pain_score": "Pain score",
    "ended_at": "End time",
}


Errors = dict[str, list[str]]


def _clean_areas(*, session: TreatmentSession, rows: object) -> tuple[list[SessionArea], Errors]:
    """Area rows checked by the model, then against the plan's protocol (areas, depths)."""
    if not isinstance(rows, list | tuple):
        return [], {"areas": ["Expected a list of areas."]}
    plan = session.plan
    engine = plan.protocol_set.engine()
    errors: Errors = {}
    result: list[SessionArea] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        path = f"areas.{index}"
        if not isinstance(row, dict):
            errors[path] = ["Expected an object."]
            continue
        area = SessionArea(session=session, position=index)
        row_errors = assign(
            area,
            {
                "area": row.get("area"),
                "skin": row.get("skin") or protocols.SKIN_THIN,
                "depth_mm": row.get("depth_mm"),
                "passes": row.get("passes"),
                "justification": row.get("justification") or "",
            },
            prefix=f"{path}.",
        )
        if f"{path}.area" not in row_errors:
            if area.area not in engine.areas:
                row_errors[f"{path}.area"] = [
                    f"Choose an area of protocol version {engine.version}."
                ]
            elif area.area in seen:
                row_errors[f"{path}.area"] = ["This area is already recorded in this session."]
            else:
                seen.add(area.area)
        if row_errors:
            errors.update(row_errors)
            continue
        verdict = depth_verdict(
            engine,
            indication=plan.indication,
            area=area.area,
            skin=area.skin,
            depth_mm=area.depth_mm,
        )
        if verdict.over and not area.justification:
            errors[f"{path}.justification"] = [verdict.refusal]
            continue
        area.limit_mm = verdict.limit_mm
        result.append(area)
    return result, errors


def _clean_products(
    *, session: TreatmentSession, rows: object
) -> tuple[list[SessionProduct], Errors, list[str]]:
    """Product rows checked by the model, errors by field, and the vitamin C refusals."""
    if not isinstance(rows, list | tuple):
        return [], {"products": ["Expected a list of products."]}, []
    errors: Errors = {}
    refusals: list[str] = []
    result: list[SessionProduct] = []
    for index, row in enumerate(rows):
        path = f"products.{index}"
        if not isinstance(row, dict):
            errors[path] = ["Expected an object."]
            continue
        product = SessionProduct(session=session, position=index)
        row_errors = assign(
            product,
            {
                "product": row.get("product"),
                "lot": row.get("lot") or "",
                "timing": row.get("timing"),
                "is_vitamin_c": row.get("is_vitamin_c", False),
            },
            prefix=f"{path}.",
        )
        if row_errors:
            errors.update(row_errors)
            continue
        declared = product.is_vitamin_c
        refusal = protocols.vitamin_c_refusal(
            product=product.product, timing=product.timing, declared=declared
        )
        if refusal:
            refusals.append(refusal)
            errors[f"{path}.timing"] = [refusal]
            continue
        product.is_vitamin_c = protocols.is_vitamin_c(product.product, declared=declared)
        result.append(product)
    return result, errors, refusals


@transaction.atomic
def session_update(
    *, session: TreatmentSession, actor: User, data: dict[str, Any]
) -> TreatmentSession:
    """Change an in-progress record. Everything is validated before anything is written."""
    require_recorder(clinic=session.clinic, actor=actor, what="edit a treatment session")
    locked = lock_session(session)
    refuse_signed(locked)
    if not isinstance(data, dict):
        raise ApplicationError("Expected an object of fields.")
    scalars = {k: v for k, v in data.items() if k not in ("areas", "products")}
    values, errors = clean_session_fields(session=locked, data=scalars)
    areas = products = None
    refusals: list[str] = []
    if "areas" in data:
        areas, area_errors = _clean_areas(session=locked, rows=data["areas"])
        errors.update(area_errors)
    if "products" in data:
        products, product_errors, refusals = _clean_products(session=locked, rows=data["products"])
        errors.update(product_errors)
    if refusals:
        raise ApplicationError(" ".join(refusals), code="vitamin_c_during_needling", fields=errors)
    if errors:
        raise ApplicationError("Some fields are not valid; nothing was saved.", fields=errors)

    for name, value in values.items():
        setattr(locked, name, value)
    if "device" in values:
        locked.device_serial = values["device"].serial_number if values["device"] else ""
    locked.save()
    if areas is not None:
        locked.areas.all().delete()
        SessionArea.objects.bulk_create(areas)
    if products is not None:
        locked.products.all().delete()
        SessionProduct.objects.bulk_create(products)
    audit_session(actor, "update", locked, fields=sorted(data))
    return locked


# --- signing -------------------------------------------------------------------------


def session_missing_for_signing(*, session: TreatmentSession) -> dict[str, str]:
    """Field → label of what a record still lacks before it can be signed."""
    missing = {}
    for name, label in SIGN_REQUIRED.items():
        if name == "areas":
            if not session.areas.exists():
                missing[name] = label
        elif name == "device":
            if session.device_id is None:
                missing[name] = label
        elif getattr(session, name) in (None, ""):
            missing[name] = label
    return missing


@transaction.atomic
def session_sign(*, session: TreatmentSession, actor: User) -> TreatmentSession:
    """The performing practitioner signs; the record becomes read-only and aftercare starts."""
    if session.practitioner.membership.user_id != getattr(actor, "pk", None):
        raise PermissionDenied(
            f"Only {session.practitioner.display_name}, who performed the session, can sign it."
        )
    locked = lock_session(session)
    refuse_signed(locked)
    missing = session_missing_for_signing(session=locked)
    if missing:
        raise ApplicationError(
            "The record is incomplete: " + ", ".join(missing.values()).lower() + ".",
            code="session_incomplete",
            fields={
                name: [f"{label} is required before signing."] for name, label in missing.items()
            },
        )
    now = timezone.now()
    future = end_in_future_error(locked.ended_at, now=now)
    if future:
        # Aftercare counts from the end: a future end would delay every message.
        raise ApplicationError(future, code="session_end_in_future", fields={"ended_at": [future]})
    locked.status = SessionStatus.SIGNED
    locked.signed_at = now
    locked.signed_by = actor
    locked.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    appointment = Appointment.objects.select_for_update(of=("self",)).get(pk=locked.appointment_id)
    if appointment.can_change_to(AppointmentStatus.COMPLETED):
        appointment.status = AppointmentStatus.COMPLETED
        appointment.save(update_fields=["status", "updated_at"])
    signing.session_signed(locked)  # schedules the aftercare (records/signing.py)
    audit_session(actor, "update", locked, event="sign", signed_at=now.isoformat())
    return locked
