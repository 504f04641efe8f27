"""Writes for treatment plans (courses), and the proposals they start from.

The protocol version decides what may be planned (``Protocols.plan_errors``); a plan
keeps the version it was made from, so a later publish never changes an existing course.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from clinic.models import Client, Clinic, User
from common.audit import audit_record
from common.errors import ApplicationError, NotFound
from treatments.plans import protocols
from treatments.plans.models import PlanStatus, ProtocolSet, SessionStatus, TreatmentPlan
from treatments.plans.protocol_services import protocol_set_current

MAX_NOTES = 4000
UPDATABLE = ("areas", "planned_sessions", "interval_days", "notes", "status")


def plan_proposals(
    *, client: Client, protocol_set: ProtocolSet | None = None
) -> list[protocols.PlanProposal]:
    """What the protocol proposes for each of the client's skin concerns, in their order.

    Fitzpatrick IV–VI gets the PIH note and the conservative (lower) depth. Concerns the
    protocol version does not treat are left out.
    """
    protocol_set = protocol_set or protocol_set_current(clinic=client.clinic)
    engine = protocol_set.engine()
    return [
        engine.propose(indication=code, fitzpatrick_type=client.fitzpatrick_type)
        for code in dict.fromkeys(client.skin_concerns or [])
        if code in engine.indications
    ]


def plan_proposals_viewed(*, client: Client, actor: User) -> None:
    audit_record(
        actor=actor,
        action="read",
        object_type="plan_proposals",
        object_id=client.pk,
        clinic_id=client.clinic_id,
        client_id=client.pk,
    )


def _check_notes(notes: object) -> str:
    if not isinstance(notes, str) or len(notes) > MAX_NOTES:
        raise ApplicationError(
            "The notes are not valid.",
            fields={"notes": [f"Text of at most {MAX_NOTES} characters."]},
        )
    return notes.strip()


def _invalid(errors: dict[str, list[str]]) -> ApplicationError:
    return ApplicationError("The treatment plan is not valid.", fields=errors)


@transaction.atomic
def plan_create(
    *,
    clinic: Clinic,
    actor: User,
    client: Client,
    indication: str,
    areas: list[str],
    planned_sessions: int,
    interval_days: int,
    notes: str = "",
) -> TreatmentPlan:
    """Plan a course for ``client`` from the clinic's current protocol version."""
    if client.clinic_id != clinic.pk:
        raise NotFound("No such client.")
    notes = _check_notes(notes)
    protocol_set = protocol_set_current(clinic=clinic)
    engine = protocol_set.engine()
    errors = engine.plan_errors(
        indication=indication,
        areas=areas,
        planned_sessions=planned_sessions,
        interval_days=interval_days,
    )
    if errors:
        raise _invalid(errors)
    proposal = engine.propose(indication=indication, fitzpatrick_type=client.fitzpatrick_type)
    plan = TreatmentPlan.objects.create(
        clinic=clinic,
        client=client,
        protocol_set=protocol_set,
        indication=indication,
        areas=list(areas),
        planned_sessions=planned_sessions,
        interval_days=interval_days,
        depth_min_mm=proposal.depth_min_mm,
        depth_max_mm=proposal.depth_max_mm,
        pih_risk=proposal.pih_risk,
        notes=notes,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="treatment_plan",
        object_id=plan.pk,
        clinic_id=clinic.pk,
        client_id=client.pk,
        detail={
            "indication": indication,
            "protocol_version": protocol_set.version,
            "planned_sessions": planned_sessions,
            "interval_days": interval_days,
        },
    )
    return plan


@transaction.atomic
def plan_update(*, plan: TreatmentPlan, actor: User, data: dict[str, Any]) -> TreatmentPlan:
    """Change a course (PATCH): areas, length, interval, notes, status.

    Checked against the plan's own protocol version, not the newest one.
    """
    unknown = sorted(set(data) - set(UPDATABLE))
    if unknown:
        raise _invalid({key: ["This cannot be changed on a plan."] for key in unknown})
    locked = (
        TreatmentPlan.objects.select_for_update().select_related("protocol_set").get(pk=plan.pk)
    )
    if "notes" in data:
        data = {**data, "notes": _check_notes(data["notes"])}
    if "status" in data and data["status"] not in PlanStatus.values:
        raise _invalid({"status": [f"One of: {', '.join(PlanStatus.values)}."]})
    completed = locked.sessions.filter(status=SessionStatus.SIGNED).count()
    errors = locked.protocol_set.engine().plan_errors(
        indication=locked.indication,
        areas=data.get("areas", locked.areas),
        planned_sessions=data.get("planned_sessions", locked.planned_sessions),
        interval_days=data.get("interval_days", locked.interval_days),
        completed_sessions=completed,
    )
    if errors:
        raise _invalid(errors)
    changed: dict[str, Any] = {}
    for name in UPDATABLE:
        if name in data and data[name] != getattr(locked, name):
            # Free text stays out of the audit trail; the fact that it changed is enough.
            changed[name] = (
                "changed" if name == "notes" else {"from": getattr(locked, name), "to": data[name]}
            )
            setattr(locked, name, list(data[name]) if name == "areas" else data[name])
    if changed:
        locked.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="treatment_plan",
        object_id=locked.pk,
        clinic_id=locked.clinic_id,
        client_id=locked.client_id,
        detail={"changes": changed},
    )
    return locked


def plan_viewed(*, plan: TreatmentPlan, actor: User) -> None:
    audit_record(
        actor=actor,
        action="read",
        object_type="treatment_plan",
        object_id=plan.pk,
        clinic_id=plan.clinic_id,
        client_id=plan.client_id,
    )
