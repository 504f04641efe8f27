"""The client page's treatment plans: ``{% client_plans client membership %}``."""

from __future__ import annotations

from typing import Any

from django import template

from clinic.models import Client, Membership
from clinic.roles import can_plan
from treatments.plans import selectors as plan_selectors

register = template.Library()


@register.inclusion_tag("plans/plan_client_list.html")
def client_plans(client: Client | None, membership: Membership | None) -> dict[str, Any]:
    """The client's courses, newest first, each with its progress and next due date.

    One query for all plans (progress is annotated by ``plan_list``). The client page's
    view audits the read of the client's record.
    """
    if client is None or membership is None or client.clinic_id != membership.clinic_id:
        return {"client": client, "rows": [], "can_plan": False, "hidden": True}
    plans = plan_selectors.plan_list(clinic=membership.clinic, client=client)
    return {
        "client": client,
        "rows": [(plan, plan_selectors.plan_progress(plan=plan)) for plan in plans],
        "can_plan": can_plan(membership),
        "today": client.clinic.local_today(),
        "hidden": False,
    }
