"""Reads for protocols and treatment plans, always scoped to a clinic.

Progress ("session k of n") and the next due date are derived from the plan's signed
sessions, never stored (decision 0005): a counter on the plan could drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Q, QuerySet

from clinic.models import Client, Clinic
from common.errors import NotFound
from common.fields import parse_id
from treatments.plans import protocols
from treatments.plans.models import PlanStatus, ProtocolSet, SessionStatus, TreatmentPlan

_SIGNED = Q(sessions__status=SessionStatus.SIGNED)


# --- protocol versions -------------------------------------------------------------


def protocol_set_list(*, clinic: Clinic) -> QuerySet[ProtocolSet]:
    return ProtocolSet.objects.filter(clinic=clinic).select_related("published_by")


def protocol_set_get(*, clinic: Clinic, version: object) -> ProtocolSet:
    number = parse_id(version)
    found = protocol_set_list(clinic=clinic).filter(version=number).first() if number else None
    if found is None:
        raise NotFound("No such protocol version.")
    return found


# --- plans ---------------------------------------------------------------------------


def plan_list(
    *, clinic: Clinic, client: Client | None = None, status: str | None = None
) -> QuerySet[TreatmentPlan]:
    """The clinic's plans, newest first, annotated for :func:`plan_progress` (no N+1)."""
    qs = (
        TreatmentPlan.objects.filter(clinic=clinic)
        .select_related("client", "clinic", "protocol_set", "created_by")
        .annotate(
            signed_count=Count("sessions", filter=_SIGNED, distinct=True),
            last_signed_at=Max("sessions__started_at", filter=_SIGNED),
        )
    )
    if client is not None:
        qs = qs.filter(client=client)
    if status is not None:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def plan_get(*, clinic: Clinic, pk: object) -> TreatmentPlan:
    number = parse_id(pk)
    plan = plan_list(clinic=clinic).filter(pk=number).first() if number else None
    if plan is None:
        raise NotFound("No such treatment plan.")
    return plan


def plan_for_treatment(
    *, client: Client, plan: TreatmentPlan | None = None
) -> TreatmentPlan | None:
    """The course a treatment of ``client`` belongs to (decision 0005).

    ``plan`` when the appointment or session names one, whatever its status now; else
    the client's newest active plan; None when the client has none. Booking's interval
    check, starting a session and the aftercare's next-session invitation all ask this.
    """
    if plan is not None:
        return plan
    return (
        TreatmentPlan.objects.filter(
            clinic_id=client.clinic_id, client=client, status=PlanStatus.ACTIVE
        )
        .select_related("protocol_set")
        .order_by("-created_at", "-id")
        .first()
    )


def plan_interval_days_for(*, client: Client, plan: TreatmentPlan | None = None) -> int | None:
    """Minimum days between two treatments of ``client``; None: no plan says (use the default)."""
    course = plan_for_treatment(client=client, plan=plan)
    return course.interval_days if course is not None else None


@dataclass(frozen=True)
class PlanProgress:
    completed: int
    planned: int
    next_number: int | None
    label: str
    last_session_on: date | None
    next_due: date | None
    is_complete: bool


def plan_progress(*, plan: TreatmentPlan) -> PlanProgress:
    """How far the course is, from its signed sessions (annotated by :func:`plan_list`)."""
    if hasattr(plan, "signed_count") and hasattr(plan, "last_signed_at"):
        completed, last_at = plan.signed_count, plan.last_signed_at
    else:
        figures = plan.sessions.filter(status=SessionStatus.SIGNED).aggregate(
            n=Count("id"), last=Max("started_at")
        )
        completed, last_at = figures["n"], figures["last"]
    planned = plan.planned_sessions
    is_complete = completed >= planned
    last_on = last_at.astimezone(plan.clinic.zone).date() if last_at is not None else None
    if is_complete:
        label = f"Course complete: {completed} of {planned} sessions"
        next_number = None
        due = None
    else:
        next_number = completed + 1
        label = f"Session {next_number} of {planned}"
        due = (
            protocols.next_due(last_session_on=last_on, interval_days=plan.interval_days)
            if plan.status == PlanStatus.ACTIVE
            else None  # a stopped course is not due
        )
    return PlanProgress(
        completed=completed,
        planned=planned,
        next_number=next_number,
        label=label,
        last_session_on=last_on,
        next_due=due,
        is_complete=is_complete,
    )
