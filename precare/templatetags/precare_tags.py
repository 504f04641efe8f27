"""``{% load precare_tags %}{% appointment_precare appointment %}``: its preparation."""

from __future__ import annotations

from typing import Any

from django import template

from clinic.booking.models import Appointment
from precare import selectors
from precare.content import preparation_for
from precare.models import PrecareSchedule
from precare.readiness import readiness_of

register = template.Library()


@register.inclusion_tag("precare/_appointment_precare.html")
def appointment_precare(appointment: Appointment) -> dict[str, Any]:
    """The preparation of ``appointment`` (the caller has already checked the clinic)."""
    schedule = (
        PrecareSchedule.objects.select_related("template", "clinic", "client", "appointment")
        .filter(appointment_id=appointment.pk)
        .first()
    )
    if schedule is None:
        return {"appointment": appointment, "schedule": None}
    preparation = preparation_for(schedule)
    return {
        "appointment": appointment,
        "schedule": schedule,
        "rows": selectors.precare_rows(schedule=schedule),
        "dated": preparation.sentences(on=preparation.planned_on),
        "rule_set_version": preparation.rule_set_version,
        "zone": schedule.zone,
        "readiness": readiness_of(appointment),
    }
