"""Preparation on booking's pages (booking sits below precare, decision 0007).

``{% appointment_precare appointment %}``: the appointment page's preparation section.
``{% readiness_mark appointments %}``: sets ``readiness_check`` on each treatment still
to be seen, for the badge (``precare/_readiness_badge.html``) on the calendar and Today.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template import Context

from clinic.booking.models import Appointment
from precare import selectors
from precare.content import preparation_for
from precare.models import PrecareSchedule, ReadinessLink
from precare.readiness import readiness_for_many, readiness_link_possible, readiness_of

register = template.Library()


@register.inclusion_tag("precare/_appointment_precare.html", takes_context=True)
def appointment_precare(context: Context, appointment: Appointment) -> dict[str, Any]:
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
        "csrf_token": context.get("csrf_token"),
        "link_possible": readiness_link_possible(appointment),
        "open_link": ReadinessLink.objects.filter(
            appointment_id=appointment.pk, sequence=appointment.sequence, revoked_at__isnull=True
        )
        .order_by("-id")
        .first(),
        "appointment": appointment,
        "schedule": schedule,
        "rows": selectors.precare_rows(schedule=schedule),
        "dated": preparation.sentences(on=preparation.planned_on),
        "rule_set_version": preparation.rule_set_version,
        "zone": schedule.zone,
        "readiness": readiness_of(appointment),
    }


@register.simple_tag
def readiness_mark(appointments: list[Appointment]) -> str:
    """Give each active treatment in ``appointments`` its ``readiness_check`` (others None).

    Renders nothing; the list is read in one query (decision 0018).
    """
    marks = readiness_for_many(appointments)
    for appointment in appointments:
        appointment.readiness_check = marks.get(appointment.pk)  # type: ignore[attr-defined]
    return ""


@register.inclusion_tag("precare/_readiness_badge.html")
def readiness_badge(appointment: Appointment) -> dict[str, Any]:
    """The appointment's readiness badge (nothing unless a treatment still to be seen)."""
    return {"r": readiness_for_many([appointment]).get(appointment.pk)}
