"""Session lists for pages other parts own: the client page and the plan page."""

from __future__ import annotations

from typing import Any

from django import template

from clinic.models import Client, Membership
from treatments.plans.models import TreatmentPlan
from treatments.records import selectors as session_selectors

register = template.Library()


def _area_labels(plan: TreatmentPlan) -> dict[str, str]:
    areas = (plan.protocol_set.data or {}).get("areas", {})
    return {code: item.get("label", code) for code, item in areas.items()}


@register.inclusion_tag("records/session_client_list.html")
def client_sessions(client: Client | None, membership: Membership | None) -> dict[str, Any]:
    """The client's sessions, newest first (only within the membership's clinic)."""
    sessions = []
    if membership is not None and client is not None and client.clinic_id == membership.clinic_id:
        sessions = list(session_selectors.session_list(clinic=membership.clinic, client=client))
    return {"client": client, "sessions": sessions, "membership": membership}


@register.inclusion_tag("records/session_plan_list.html")
def plan_sessions(plan: TreatmentPlan | None) -> dict[str, Any]:
    """The plan's sessions in order, numbered, with a depth summary per session."""
    rows = []
    if plan is not None:
        labels = _area_labels(plan)
        sessions = session_selectors.session_list(clinic=plan.clinic, plan=plan).order_by(
            "started_at", "id"
        )
        for number, session in enumerate(sessions, 1):
            depths = ", ".join(
                f"{labels.get(a.area, a.area)} {a.depth_mm} mm ×{a.passes}"
                for a in session.areas.all()
            )
            rows.append({"number": number, "session": session, "depths": depths})
    return {"plan": plan, "rows": rows}
