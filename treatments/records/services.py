"""Writes for treatment session records: start gates, editing, signing, amendments, photos.

DOMAIN.md §2 (what a record holds, depth limits, vitamin C), §4 (adverse events), §5
(scales); decision 0005. A record exists only once the start gates passed; it is edited
while in progress, read-only once signed, and corrected afterwards by amendments that
also apply the new values (so a recall sees the corrected lot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clinic.booking.models import Appointment, AppointmentKind, AppointmentStatus, Device
from clinic.models import Clinic, Membership, Role, User
from common.audit import audit_record
from common.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from treatments.consent.models import Consent, ConsentText
from treatments.consent.services import consent_text_current
from treatments.plans import protocols
from treatments.plans.defaults import ADVERSE_EVENT_CODES
from treatments.plans.models import PlanStatus, TreatmentPlan
from treatments.records import signing
from treatments.records.models import (
    SessionAmendment,
    SessionArea,
    SessionPhoto,
    SessionProduct,
    SessionStatus,
    TreatmentSession,
)
from treatments.screening.models import Screening
from treatments.screening.selectors import treatment_eligibility

#: Photos larger than this are refused (bytes).
PHOTO_MAX_BYTES = 10 * 1024 * 1024
#: Pillow format → the content type the photo is stored and served with.
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

#: Passes recorded for a new session when there is no earlier session to copy.
DEFAULT_PASSES = 3

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

WRITE_ROLES = frozenset({Role.PRACTITIONER, Role.MANAGER})


# --- permissions ---------------------------------------------------------------------


def _actor_role(*, clinic: Clinic, actor: User) -> str | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return (
        Membership.objects.filter(clinic=clinic, user=actor, is_active=True)
        .values_list("role", flat=True)
        .first()
    )


def _require_writer(*, clinic: Clinic, actor: User, what: str) -> None:
    role = _actor_role(clinic=clinic, actor=actor)
    if role not in WRITE_ROLES:
        raise PermissionDenied(f"Only a practitioner or a manager can {what}.")


def _audit(actor: User, action: str, session: TreatmentSession, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="treatment_session",
        object_id=session.pk,
        clinic_id=session.clinic_id,
        client_id=session.client_id,
        detail=detail,
    )


# --- start gates -------------------------------------------------------------------


@dataclass(frozen=True)
class StartBlocker:
    """One reason a session cannot start yet, and what to do about it."""

    code: str
    detail: str
    action: str = ""
    findings: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"code": self.code, "detail": self.detail, "action": self.action}
        if self.findings:
            data["findings"] = list(self.findings)
        return data


@dataclass(frozen=True)
class StartGates:
    blockers: list[StartBlocker]
    plan: TreatmentPlan | None
    screening: Screening | None
    consent: Consent | None
    today: date


def _client_plan(appointment: Appointment) -> TreatmentPlan | None:
    if appointment.treatment_plan_id is not None:
        return appointment.treatment_plan
    return (
        TreatmentPlan.objects.filter(
            clinic_id=appointment.clinic_id,
            client_id=appointment.client_id,
            status=PlanStatus.ACTIVE,
        )
        .select_related("protocol_set")
        .order_by("-created_at", "-id")
        .first()
    )


def consent_text_current_or_none(*, clinic: Clinic) -> ConsentText | None:
    """The clinic's newest consent text (version 1 is created on first use)."""
    text = ConsentText.objects.filter(clinic=clinic).order_by("-version").first()
    if text is not None:
        return text
    return consent_text_current(clinic=clinic)


def _consent_gate(*, clinic: Clinic, client_id: int, name: str) -> tuple[Consent | None, list]:
    text = consent_text_current_or_none(clinic=clinic)
    if text is None:
        return None, [
            StartBlocker(
                "consent_missing",
                "The clinic has not published a consent text yet, so no consent can be "
                "signed. A manager publishes the consent text first.",
                action="publish_consent_text",
            )
        ]
    consents = Consent.objects.filter(clinic=clinic, client_id=client_id).select_related("text")
    current = consents.filter(text=text).order_by("-signed_at", "-id").first()
    if current is not None:
        return current, []
    older = consents.order_by("-text__version", "-signed_at").first()
    if older is None:
        return None, [
            StartBlocker(
                "consent_missing",
                f"{name} has not signed the informed consent. Have the client read and sign "
                f"consent version {text.version} before the session.",
                action="sign_consent",
            )
        ]
    return None, [
        StartBlocker(
            "consent_outdated",
            f"{name} signed consent version {older.text.version}, but the clinic's current "
            f"consent text is version {text.version}. Have the client read and sign the "
            "current version.",
            action="sign_consent",
        )
    ]


def _start_gates(
    *,
    clinic: Clinic,
    appointment: Appointment,
    screening_reconfirmed: bool,
    plan: TreatmentPlan | None = None,
    today: date | None = None,
) -> StartGates:
    if appointment.clinic_id != clinic.pk:
        raise NotFound("No such appointment.")
    today = today or clinic.local_today()
    client = appointment.client
    name = client.full_name
    blockers: list[StartBlocker] = []

    if appointment.kind != AppointmentKind.TREATMENT:
        blockers.append(
            StartBlocker(
                "appointment_not_treatment",
                f"This is a {appointment.get_kind_display().lower()} appointment; a treatment "
                "session starts only from a treatment appointment. Book a treatment.",
                action="book_treatment",
            )
        )
    started = TreatmentSession.objects.filter(appointment=appointment).first()
    if started is not None:
        blockers.append(
            StartBlocker(
                "already_started",
                f"A session was already started for this appointment (session {started.pk}); "
                "open it instead of starting another.",
                action="open_session",
            )
        )
    elif appointment.status not in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        blockers.append(
            StartBlocker(
                "appointment_not_active",
                f"The appointment is {appointment.get_status_display().lower()}; only a booked "
                "or checked-in appointment can start a session. Book a new appointment.",
                action="book_treatment",
            )
        )
    day = appointment.start.astimezone(clinic.zone).date()
    if day != today:
        blockers.append(
            StartBlocker(
                "appointment_not_today",
                f"The appointment is on {day:%-d %B %Y}, not today ({today:%-d %B %Y}); a "
                "session starts on the day of its appointment.",
                action="reschedule",
            )
        )

    plan = plan or _client_plan(appointment)
    if plan is None:
        blockers.append(
            StartBlocker(
                "plan_missing",
                f"{name} has no active treatment plan. Create a treatment plan (the course, "
                "areas and depths) before the first session.",
                action="create_plan",
            )
        )

    eligibility = treatment_eligibility(client=client, on_date=today, today=today)
    screening = eligibility.screening
    if screening is None:
        blockers.append(
            StartBlocker(
                "screening_missing",
                f"{eligibility.reason} A valid screening is needed on the day of treatment.",
                action="screen_client",
            )
        )
    elif not eligibility.allowed:
        blockers.append(
            StartBlocker(
                "screening_blocks_treatment",
                f"{eligibility.reason} The session cannot start today.",
                action="screen_client",
                findings=eligibility.findings,
            )
        )
    else:
        if screening.taken_on < today and not screening_reconfirmed:
            blockers.append(
                StartBlocker(
                    "screening_not_confirmed_today",
                    f"The latest screening was taken on {screening.taken_on:%-d %B %Y}. Ask "
                    f"{name} to confirm today that the answers are unchanged (or take a new "
                    "screening) before the session.",
                    action="reconfirm_screening",
                )
            )
        if eligibility.needs_review:
            blockers.append(
                StartBlocker(
                    "screening_review_missing",
                    "The screening has a caution result that no practitioner has reviewed. A "
                    "practitioner reviews the screening and records a note first.",
                    action="review_screening",
                    findings=eligibility.findings,
                )
            )

    consent, consent_blockers = _consent_gate(clinic=clinic, client_id=client.pk, name=name)
    blockers.extend(consent_blockers)
    return StartGates(
        blockers=blockers, plan=plan, screening=screening, consent=consent, today=today
    )


def session_start_check(
    *,
    clinic: Clinic,
    appointment: Appointment,
    screening_reconfirmed: bool,
    today: date | None = None,
    plan: TreatmentPlan | None = None,
) -> list[StartBlocker]:
    """Everything that stops a session from starting now; empty when it may start."""
    return _start_gates(
        clinic=clinic,
        appointment=appointment,
        screening_reconfirmed=screening_reconfirmed,
        plan=plan,
        today=today,
    ).blockers


def _limit(engine: protocols.Protocols, *, indication: str, area: str, skin: str) -> Decimal:
    if indication in engine.indications:
        return engine.max_depth(indication=indication, area=area, skin=skin)
    return engine.areas[area].max_mm(skin)


def _default_areas(
    *, session: TreatmentSession, plan: TreatmentPlan, previous: TreatmentSession | None
) -> list[SessionArea]:
    engine = plan.protocol_set.engine()
    rows: list[SessionArea] = []
    if previous is not None:
        for index, old in enumerate(previous.areas.all()):
            if old.area not in engine.areas:
                continue
            limit = _limit(engine, indication=plan.indication, area=old.area, skin=old.skin)
            rows.append(
                SessionArea(
                    session=session,
                    area=old.area,
                    skin=old.skin,
                    depth_mm=old.depth_mm,
                    passes=old.passes,
                    limit_mm=limit,
                    justification=old.justification if old.depth_mm > limit else "",
                    position=index,
                )
            )
        if rows:
            return rows
    for index, code in enumerate(dict.fromkeys(plan.areas or [])):
        if code not in engine.areas:
            continue
        limit = _limit(engine, indication=plan.indication, area=code, skin=protocols.SKIN_THIN)
        rows.append(
            SessionArea(
                session=session,
                area=code,
                skin=protocols.SKIN_THIN,
                depth_mm=min(Decimal(plan.depth_max_mm), limit),
                passes=DEFAULT_PASSES,
                limit_mm=limit,
                position=index,
            )
        )
    return rows


@transaction.atomic
def session_start(
    *,
    clinic: Clinic,
    actor: User,
    appointment: Appointment,
    plan: TreatmentPlan | None = None,
    screening_reconfirmed: bool = False,
) -> TreatmentSession:
    """Start the session of ``appointment`` if every gate passes; 409 lists what is missing."""
    _require_writer(clinic=clinic, actor=actor, what="start a treatment session")
    if appointment.clinic_id != clinic.pk:
        raise NotFound("No such appointment.")
    if plan is not None:
        if plan.clinic_id != clinic.pk:
            raise NotFound("No such treatment plan.")
        if plan.client_id != appointment.client_id:
            raise ApplicationError(
                "The treatment plan is for another client.",
                fields={"treatment_plan": ["Choose a plan of this appointment's client."]},
            )
    # One start per appointment: concurrent starts queue here and the second sees the first.
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("client", "practitioner", "device", "treatment_plan__protocol_set")
        .get(pk=appointment.pk)
    )
    gates = _start_gates(
        clinic=clinic,
        appointment=appointment,
        screening_reconfirmed=screening_reconfirmed,
        plan=plan,
    )
    if gates.blockers:
        raise Conflict(
            "The session cannot start yet: "
            + " ".join(b.detail for b in gates.blockers[:1])
            + (f" ({len(gates.blockers) - 1} more)" if len(gates.blockers) > 1 else ""),
            code="session_start_blocked",
            extra={"missing": [b.to_dict() for b in gates.blockers]},
        )
    assert gates.plan is not None and gates.screening is not None and gates.consent is not None
    plan = gates.plan
    now = timezone.now()
    previous = (
        TreatmentSession.objects.filter(plan=plan, status=SessionStatus.SIGNED)
        .prefetch_related("areas")
        .order_by("-started_at", "-id")
        .first()
    )
    device = appointment.device
    session = TreatmentSession(
        clinic=clinic,
        client=appointment.client,
        plan=plan,
        appointment=appointment,
        practitioner=appointment.practitioner,
        screening=gates.screening,
        screening_reconfirmed_at=(
            now if screening_reconfirmed and gates.screening.taken_on < gates.today else None
        ),
        consent=gates.consent,
        device=device,
        device_serial=device.serial_number if device else "",
        cartridge=previous.cartridge if previous else "",
        needle_count=previous.needle_count if previous else None,
        started_at=now,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:  # the appointment's one-to-one: someone else started it
        raise Conflict(
            "A session was already started for this appointment.", code="already_started"
        ) from exc
    SessionArea.objects.bulk_create(_default_areas(session=session, plan=plan, previous=previous))
    if appointment.status == AppointmentStatus.BOOKED:
        appointment.status = AppointmentStatus.CHECKED_IN
        appointment.save(update_fields=["status", "updated_at"])
    _audit(
        actor,
        "create",
        session,
        appointment=appointment.pk,
        plan=plan.pk,
        screening=gates.screening.pk,
        consent=gates.consent.pk,
        screening_reconfirmed=bool(session.screening_reconfirmed_at),
        copied_from=previous.pk if previous else None,
    )
    return session


# --- validation of edits -------------------------------------------------------------

_TEXT_FIELDS = {
    "cartridge": 120,
    "cartridge_lot": 60,
    "anaesthetic_product": 120,
    "anaesthetic_lot": 60,
    "anaesthetic_area": 200,
    "adverse_events_note": 4000,
    "notes": 10000,
    "endpoint_reached": 40,
}
_INT_RANGES = {
    "needle_count": (1, 100),
    "pain_score": (0, 10),
    "glogau": (1, 4),
    "goodman_baron": (1, 4),
    "gais": (1, 5),
}
_TIME_FIELDS = ("anaesthetic_applied_at", "anaesthetic_removed_at", "ended_at")

#: Scalar fields an update (and an amendment) may set.
SCALAR_FIELDS = frozenset({"device", "adverse_events", *_TEXT_FIELDS, *_INT_RANGES, *_TIME_FIELDS})


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _as_datetime(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return parse_datetime(value.strip())
        except ValueError:
            return None
    return None


def _clean_scalars(
    *, session: TreatmentSession, data: dict[str, Any], prefix: str = ""
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validated model values for the scalar fields in ``data``, and errors by field."""
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def err(name: str, message: str) -> None:
        errors.setdefault(prefix + name, []).append(message)

    for name, raw in data.items():
        if name not in SCALAR_FIELDS:
            err(name, "This field cannot be set here.")
            continue
        if name == "device":
            if raw is None or raw == "":
                values["device"] = None
                continue
            device_id = raw.pk if isinstance(raw, Device) else _as_int(raw)
            device = (
                Device.objects.filter(clinic_id=session.clinic_id, pk=device_id).first()
                if device_id
                else None
            )
            if device is None:
                err(name, "No such device in this clinic.")
            else:
                values["device"] = device
        elif name in _TEXT_FIELDS:
            if raw is None:
                raw = ""
            if not isinstance(raw, str):
                err(name, "Expected text.")
                continue
            text = raw.strip()
            if len(text) > _TEXT_FIELDS[name]:
                err(name, f"At most {_TEXT_FIELDS[name]} characters.")
                continue
            if name == "endpoint_reached" and text:
                endpoints = session.plan.protocol_set.engine().endpoints
                if text not in endpoints:
                    err(name, "Choose one of: " + ", ".join(sorted(endpoints)) + ".")
                    continue
            values[name] = text
        elif name in _INT_RANGES:
            if raw is None or raw == "":
                values[name] = None
                continue
            number = _as_int(raw)
            low, high = _INT_RANGES[name]
            if number is None or not low <= number <= high:
                err(name, f"A whole number from {low} to {high}.")
            else:
                values[name] = number
        elif name in _TIME_FIELDS:
            if raw is None or raw == "":
                values[name] = None
                continue
            moment = _as_datetime(raw)
            if moment is None or timezone.is_naive(moment):
                err(name, "A time in ISO 8601 with its UTC offset.")
            elif not 1900 <= moment.year <= 2199:
                err(name, "Enter a time between 1900 and 2199.")
            else:
                values[name] = moment
        elif name == "adverse_events":
            if raw is None:
                raw = []
            if not isinstance(raw, list | tuple) or not all(isinstance(c, str) for c in raw):
                err(name, "Expected a list of adverse-event codes.")
                continue
            unknown = [c for c in raw if c not in ADVERSE_EVENT_CODES]
            if unknown:
                err(name, "Unknown adverse events: " + ", ".join(unknown[:10]) + ".")
                continue
            values[name] = list(dict.fromkeys(raw))

    # Times, on the record as it would be after the change.
    def merged(name: str) -> Any:
        return values[name] if name in values else getattr(session, name)

    ended_at = merged("ended_at")
    if ended_at is not None and "ended_at" not in errors and ended_at <= session.started_at:
        err("ended_at", "The end must be after the start of the session.")
    applied, removed = merged("anaesthetic_applied_at"), merged("anaesthetic_removed_at")
    if applied is not None and removed is not None and removed <= applied:
        err("anaesthetic_removed_at", "The anaesthetic is removed after it was applied.")
    return values, errors


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
        passes = _as_int(row.get("passes"))
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


def _lock(session: TreatmentSession) -> TreatmentSession:
    return (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("plan__protocol_set", "practitioner__membership__user", "appointment")
        .get(pk=session.pk)
    )


def _refuse_signed(session: TreatmentSession) -> None:
    if session.status == SessionStatus.SIGNED:
        raise Conflict(
            "This session is signed and read-only; add an amendment to correct it.",
            code="session_signed",
        )


@transaction.atomic
def session_update(
    *, session: TreatmentSession, actor: User, data: dict[str, Any]
) -> TreatmentSession:
    """Change an in-progress record. Everything is validated before anything is written."""
    _require_writer(clinic=session.clinic, actor=actor, what="edit a treatment session")
    locked = _lock(session)
    _refuse_signed(locked)
    if not isinstance(data, dict):
        raise ApplicationError("Expected an object of fields.")
    scalars = {k: v for k, v in data.items() if k not in ("areas", "products")}
    values, errors = _clean_scalars(session=locked, data=scalars)
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
    _audit(actor, "update", locked, fields=sorted(data))
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
    locked = _lock(session)
    _refuse_signed(locked)
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
    if appointment.can_change_to(AppointmentStatus.COMPLETED):
        appointment.status = AppointmentStatus.COMPLETED
        appointment.save(update_fields=["status", "updated_at"])
    signing.session_signed(locked)  # schedules the aftercare (records/signing.py)
    _audit(actor, "update", locked, event="sign", signed_at=now.isoformat())
    return locked


# --- amendments ----------------------------------------------------------------------

#: Fields a signed record cannot lose (the database requires some, signing the rest).
_AMEND_REQUIRED = frozenset(set(SIGN_REQUIRED) - {"areas"})


def _json_value(value: Any) -> Any:
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
    _require_writer(clinic=session.clinic, actor=actor, what="amend a treatment session")
    locked = _lock(session)
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
    values, field_errors = _clean_scalars(session=locked, data=scalars, prefix="changes.")
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
    _audit(actor, "update", locked, event="amend", amendment=amendment.pk, fields=sorted(diff))
    return amendment


# --- photos --------------------------------------------------------------------------


def _photo_content_type(upload: Any) -> str:
    from PIL import Image

    size = getattr(upload, "size", None)
    if size is None or size > PHOTO_MAX_BYTES:
        raise ApplicationError(
            "The photo is too large.", fields={"image": ["A photo of at most 10 MB."]}
        )
    if size == 0:
        raise ApplicationError("The file is empty.", fields={"image": ["Choose a photo."]})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except Exception as exc:  # Pillow raises many types for a file that is not an image
        raise ApplicationError(
            "The file is not a photo.",
            fields={"image": ["Upload a JPEG, PNG or WebP image."]},
        ) from exc
    finally:
        upload.seek(0)
    if kind not in PHOTO_FORMATS:
        raise ApplicationError(
            "The file is not a supported photo.",
            fields={"image": ["Upload a JPEG, PNG or WebP image."]},
        )
    return PHOTO_FORMATS[kind]


@transaction.atomic
def session_photo_add(
    *, session: TreatmentSession, actor: User, kind: str, upload: Any
) -> SessionPhoto:
    """Store a before/after photo privately (never under a served URL)."""
    _require_writer(clinic=session.clinic, actor=actor, what="add photos")
    locked = _lock(session)
    _refuse_signed(locked)
    if kind not in SessionPhoto.Kind.values:
        raise ApplicationError("Choose before or after.", fields={"kind": ["before or after"]})
    if upload is None:
        raise ApplicationError("Choose a photo.", fields={"image": ["A photo is required."]})
    content_type = _photo_content_type(upload)
    photo = SessionPhoto(session=locked, kind=kind, content_type=content_type, uploaded_by=actor)
    photo.image.save("photo", upload, save=False)
    photo.save()
    audit_record(
        actor=actor,
        action="create",
        object_type="session_photo",
        object_id=photo.pk,
        clinic_id=locked.clinic_id,
        client_id=locked.client_id,
        detail={"session": locked.pk, "kind": kind},
    )
    return photo


def session_viewed(*, session: TreatmentSession, actor: User) -> None:
    _audit(actor, "read", session)


def session_photo_viewed(*, photo: SessionPhoto, actor: User) -> None:
    audit_record(
        actor=actor,
        action="read",
        object_type="session_photo",
        object_id=photo.pk,
        clinic_id=photo.session.clinic_id,
        client_id=photo.session.client_id,
        detail={"session": photo.session_id},
    )


def recall_searched(
    *, clinic: Clinic, actor: User, query: dict[str, str], count: int, export: bool = False
) -> None:
    audit_record(
        actor=actor,
        action="export" if export else "list",
        object_type="recall",
        clinic_id=clinic.pk,
        detail={**query, "count": count},
    )
