"""Starting a treatment session: the start gates and ``session_start``.

A record exists only once every gate passes (decision 0005): a treatment appointment
today that has not started yet, an active treatment plan, a valid screening (re-confirmed
by the client if it was taken on an earlier day, reviewed if it needs a review) and
consent to the clinic's current consent text. The new record starts from the plan's
areas and depths, or from the plan's last signed session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from clinic.booking.models import Appointment, AppointmentKind, AppointmentStatus
from clinic.models import Clinic, User
from common.errors import ApplicationError, Conflict, NotFound
from treatments.consent.models import Consent
from treatments.consent.services import consent_text_current
from treatments.plans import protocols
from treatments.plans.models import TreatmentPlan
from treatments.plans.selectors import plan_for_treatment
from treatments.records.audit import audit_session
from treatments.records.depth import depth_verdict
from treatments.records.guards import require_recorder
from treatments.records.models import SessionArea, SessionStatus, TreatmentSession
from treatments.screening.models import Screening
from treatments.screening.rules import FindingData
from treatments.screening.selectors import treatment_eligibility

#: Passes recorded for a new session when there is no earlier session to copy.
DEFAULT_PASSES = 3


@dataclass(frozen=True)
class StartBlocker:
    """One reason a session cannot start yet, and what to do about it."""

    code: str
    detail: str
    action: str = ""
    findings: tuple[FindingData, ...] = field(default_factory=tuple)

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
    #: The screening's outcome re-evaluated for today (None: no valid screening); only a
    #: ``caution`` needs a practitioner's review.
    outcome: str | None = None


def _consent_gate(
    *, clinic: Clinic, client_id: int, name: str
) -> tuple[Consent | None, list[StartBlocker]]:
    text = consent_text_current(clinic=clinic)  # version 1 is the shipped text
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
    elif not appointment.can_change_to(AppointmentStatus.COMPLETED):  # done, cancelled, no-show
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

    plan = plan_for_treatment(client=appointment.client, plan=plan or appointment.treatment_plan)
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
    if screening is None and eligibility.awaiting_confirmation is not None:
        blockers.append(
            StartBlocker(
                "screening_unconfirmed",
                f"{eligibility.reason} A screening staff stand behind is needed on the day of "
                "treatment.",
                action="screen_client",
            )
        )
    elif screening is None:
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
        blockers=blockers,
        plan=plan,
        screening=screening,
        consent=consent,
        today=today,
        outcome=eligibility.outcome,
    )


def session_start_gates(
    *,
    clinic: Clinic,
    appointment: Appointment,
    screening_reconfirmed: bool,
    today: date | None = None,
    plan: TreatmentPlan | None = None,
) -> StartGates:
    """The start check with what the checklist shows beside it (the screening outcome)."""
    return _start_gates(
        clinic=clinic,
        appointment=appointment,
        screening_reconfirmed=screening_reconfirmed,
        plan=plan,
        today=today,
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


def _limit(engine: protocols.Protocols, *, plan: TreatmentPlan, area: str, skin: str) -> Decimal:
    return depth_verdict(engine, indication=plan.indication, area=area, skin=skin).limit_mm


def _default_areas(
    *, session: TreatmentSession, plan: TreatmentPlan, previous: TreatmentSession | None
) -> list[SessionArea]:
    engine = plan.protocol_set.engine()
    rows: list[SessionArea] = []
    if previous is not None:
        for index, old in enumerate(previous.areas.all()):
            if old.area not in engine.areas:
                continue
            limit = _limit(engine, plan=plan, area=old.area, skin=old.skin)
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
        limit = _limit(engine, plan=plan, area=code, skin=protocols.SKIN_THIN)
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
    require_recorder(clinic=clinic, actor=actor, what="start a treatment session")
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
    if appointment.can_change_to(AppointmentStatus.CHECKED_IN):
        appointment.status = AppointmentStatus.CHECKED_IN
        appointment.save(update_fields=["status", "updated_at"])
    audit_session(
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
