"""Recording a treatment session while it is in progress, and signing it.

DOMAIN.md §2 (what a record holds, depth limits, vitamin C), §4 (adverse events), §5
(scales); decision 0005. The record is edited while in progress and read-only once
signed; starting it is ``start.py``, correcting it afterwards ``amendments.py``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from clinic.booking.models import Appointment, AppointmentStatus
from clinic.models import User
from common.errors import ApplicationError, PermissionDenied
from treatments.plans import protocols
from treatments.records import signing
from treatments.records.audit import audit_session
from treatments.records.guards import lock_session, refuse_signed, require_recorder
from treatments.records.models import (
    SessionArea,
    SessionProduct,
    SessionStatus,
    TreatmentSession,
)
from treatments.records.validation import as_int, clean_session_fields

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


def _as_decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _clean_areas(
    *, session: TreatmentSession, rows: object
) -> tuple[list[SessionArea], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if not isinstance(rows, list | tuple):
        return [], {"areas": ["Expected a list of areas."]}
    plan = session.plan
    engine = plan.protocol_set.engine()
    result: list[SessionArea] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        path = f"areas.{index}"

        def err(name: str, message: str, path: str = path) -> None:
            errors.setdefault(f"{path}.{name}", []).append(message)

        if not isinstance(row, dict):
            errors.setdefault(path, []).append("Expected an object.")
            continue
        area = row.get("area")
        skin = row.get("skin") or protocols.SKIN_THIN
        depth = _as_decimal(row.get("depth_mm"))
        passes = as_int(row.get("passes"))
        justification = row.get("justification") or ""
        ok = True
        if not isinstance(area, str) or area not in engine.areas:
            err("area", f"Choose an area of protocol version {engine.version}.")
            ok = False
        elif area in seen:
            err("area", "This area is already recorded in this session.")
            ok = False
        else:
            seen.add(area)
        if skin not in (protocols.SKIN_THIN, protocols.SKIN_THICK):
            err("skin", "Choose thin or thick.")
            ok = False
        if depth is None or not Decimal(0) < depth <= protocols.MAX_DEPTH_MM:
            err("depth_mm", f"A depth in mm above 0 and at most {protocols.MAX_DEPTH_MM}.")
            ok = False
        elif depth != depth.quantize(Decimal("0.01")):
            err("depth_mm", "At most two decimal places.")
            ok = False
        if passes is None or not 1 <= passes <= 20:
            err("passes", "A whole number of passes from 1 to 20.")
            ok = False
        if not isinstance(justification, str):
            err("justification", "Expected text.")
            ok = False
        if not ok:
            continue
        assert depth is not None and passes is not None
        justification = justification.strip()
        if plan.indication in engine.indications:
            check = engine.depth_check(
                indication=plan.indication, area=area, skin=skin, depth_mm=depth
            )
            limit, reasons = check.limit_mm, check.reasons
        else:
            limit = engine.areas[area].max_mm(skin)
            reasons = (
                [f"{depth} mm is deeper than the {limit} mm maximum."] if depth > limit else []
            )
        if reasons and not justification:
            err(
                "justification",
                " ".join(reasons) + " Write why this depth is needed, or record a depth of at "
                f"most {limit} mm.",
            )
            continue
        result.append(
            SessionArea(
                session=session,
                area=area,
                skin=skin,
                depth_mm=depth,
                passes=passes,
                limit_mm=limit,
                justification=justification,
                position=index,
            )
        )
    return result, errors


def _clean_products(
    *, session: TreatmentSession, rows: object
) -> tuple[list[SessionProduct], dict[str, list[str]], list[str]]:
    """Product rows, errors by field, and the vitamin C refusal sentences."""
    errors: dict[str, list[str]] = {}
    refusals: list[str] = []
    if not isinstance(rows, list | tuple):
        return [], {"products": ["Expected a list of products."]}, []
    timings = {code for code, _ in protocols.TIMING_CHOICES}
    result: list[SessionProduct] = []
    for index, row in enumerate(rows):
        path = f"products.{index}"
        if not isinstance(row, dict):
            errors.setdefault(path, []).append("Expected an object.")
            continue
        product, lot = row.get("product"), row.get("lot") or ""
        timing, declared = row.get("timing"), row.get("is_vitamin_c", False)
        ok = True
        if not isinstance(product, str) or not product.strip() or len(product.strip()) > 120:
            errors.setdefault(f"{path}.product", []).append("A product name (up to 120).")
            ok = False
        if not isinstance(lot, str) or len(lot.strip()) > 60:
            errors.setdefault(f"{path}.lot", []).append("A lot number of up to 60 characters.")
            ok = False
        if timing not in timings:
            errors.setdefault(f"{path}.timing", []).append("Choose before, during or after.")
            ok = False
        if not isinstance(declared, bool):
            errors.setdefault(f"{path}.is_vitamin_c", []).append("Expected true or false.")
            ok = False
        if not ok:
            continue
        name = product.strip()
        refusal = protocols.vitamin_c_refusal(product=name, timing=timing, declared=declared)
        if refusal:
            refusals.append(refusal)
            errors.setdefault(f"{path}.timing", []).append(refusal)
            continue
        result.append(
            SessionProduct(
                session=session,
                product=name,
                lot=lot.strip(),
                timing=timing,
                is_vitamin_c=protocols.is_vitamin_c(name, declared=declared),
                position=index,
            )
        )
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
    locked.status = SessionStatus.SIGNED
    locked.signed_at = now
    locked.signed_by = actor
    locked.save(update_fields=["status", "signed_at", "signed_by", "updated_at"])
    appointment = Appointment.objects.select_for_update(of=("self",)).get(pk=locked.appointment_id)
    if appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        appointment.status = AppointmentStatus.COMPLETED
        appointment.save(update_fields=["status", "updated_at"])
    signing.session_signed(locked)  # schedules the aftercare (records/signing.py)
    audit_session(actor, "update", locked, event="sign", signed_at=now.isoformat())
    return locked
