"""``{% load aftercare_tags %}{% session_aftercare session %}``: a session's aftercare table."""

from __future__ import annotations

from typing import Any

from django import template

from aftercare import selectors
from aftercare.models import AftercareSchedule
from clinic.roles import Ability, can
from treatments.records.models import TreatmentSession

register = template.Library()


@register.inclusion_tag("aftercare/_session_aftercare.html", takes_context=True)
def session_aftercare(context: template.Context, session: TreatmentSession) -> dict[str, Any]:
    """The schedule of ``session`` (the caller has already checked the clinic)."""
    schedule = (
        AftercareSchedule.objects.select_related("template", "clinic", "client")
        .filter(session_id=session.pk)
        .first()
    )
    membership = context.get("membership")
    return {
        "session": session,
        "schedule": schedule,
        "rows": selectors.schedule_rows(schedule=schedule) if schedule is not None else [],
        "zone": schedule.zone if schedule is not None else None,
        "can_resend": membership is not None,
        "can_cancel": can(membership, Ability.CANCEL_AFTERCARE),
        "csrf_token": context.get("csrf_token"),
    }
