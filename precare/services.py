"""Writes for preparation: template versions, planning an appointment's schedule, cancelling it.

``precare_on_appointment_changed`` is the handler booking calls (clinic/booking/hooks.py)
inside the booking, rescheduling or cancelling transaction, so an appointment and its
preparation messages commit together (docs/decisions/0017).
"""

from __future__ import annotations

import copy
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone

from clinic.booking.models import ACTIVE_STATUSES, Appointment, AppointmentKind
from clinic.messaging.models import OutgoingMessage
from clinic.messaging.services import message_schedule
from clinic.models import Clinic, User
from common.audit import audit_record
from common.errors import ApplicationError
from common.versions import version_current, version_lock
from precare import timeline
from precare.defaults import DEFAULT_PRECARE
from precare.keys import dedupe_key_for
from precare.models import PrecareSchedule, PrecareTemplate

# --- templates --------------------------------------------------------------------------


def precare_template_current(*, clinic: Clinic) -> PrecareTemplate:
    """The clinic's newest preparation template; version 1 (DOMAIN.md §6) on first use."""
    return version_current(
        PrecareTemplate,
        clinic=clinic,
        defaults={"data": copy.deepcopy(DEFAULT_PRECARE), "note": "Shipped default (DOMAIN.md §6)"},
    )


@transaction.atomic
def precare_template_publish(
    *, clinic: Clinic, data: dict[str, Any], actor: User, note: str = ""
) -> PrecareTemplate:
    """Publish the next version of the clinic's template; later plans use it. Audited."""
    try:
        timeline.parse_template(data)
    except timeline.TemplateError as exc:
        raise ApplicationError(str(exc), code="invalid_precare_template") from None
    version_lock(clinic=clinic)
    latest = precare_template_current(clinic=clinic)
    template = PrecareTemplate.objects.create(
        clinic=clinic, version=latest.version + 1, data=data, note=note[:500], published_by=actor
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="precare_template",
        object_id=template.pk,
        clinic_id=clinic.pk,
        detail={"version": template.version},
    )
    return template


# --- schedules --------------------------------------------------------------------------


def _wants_preparation(appointment: Appointment) -> bool:
    return appointment.kind == AppointmentKind.TREATMENT and appointment.status in ACTIVE_STATUSES


def _cancel_pending(appointment_id: int, reason: str) -> int:
    return OutgoingMessage.objects.filter(
        appointment_id=appointment_id,
        kind__in=list(timeline.PRECARE_KINDS),
        status=OutgoingMessage.Status.PENDING,
    ).update(
        status=OutgoingMessage.Status.CANCELLED,
        cancelled_reason=reason[:255],
        updated_at=timezone.now(),
    )


@transaction.atomic
def precare_plan(*, appointment: Appointment) -> PrecareSchedule | None:
    """Plan (or plan again) the appointment's preparation and its outgoing messages.

    Call it in the transaction that books or moves the appointment. A consultation, or
    an appointment no longer booked, gets none (an existing schedule is cancelled).
    Pending messages of an earlier plan are cancelled; the new ones carry the
    appointment's current ``sequence`` in their keys, so planning twice for the same
    sequence creates nothing new. A moment already past now is not created.
    """
    if not _wants_preparation(appointment):
        precare_cancel(appointment=appointment, reason="The appointment is not a treatment.")
        return None
    now = timezone.now()
    client = appointment.client
    zone_name = client.effective_timezone
    zoneinfo.ZoneInfo(zone_name)  # an unknown zone fails the booking, not a worker later
    schedule = PrecareSchedule.objects.select_for_update().filter(appointment=appointment).first()
    if (
        schedule is not None
        and schedule.sequence == appointment.sequence
        and not (schedule.cancelled_at)
    ):
        return schedule  # already planned for this version of the appointment
    template = precare_template_current(clinic=appointment.clinic)
    if schedule is None:
        schedule = PrecareSchedule(
            clinic=appointment.clinic, client=client, appointment=appointment
        )
    else:
        _cancel_pending(appointment.pk, "Superseded: the appointment changed.")
    schedule.template = template
    schedule.timezone = zone_name
    schedule.start = appointment.start
    schedule.sequence = appointment.sequence
    schedule.planned_at = now
    schedule.cancelled_at = None
    schedule.cancelled_reason = ""
    schedule.save()
    for entry in schedule.entries():
        if entry.past_at_planning:
            continue  # the preparation sheet covers it (DOMAIN.md §6)
        booking_sheet = entry.item.offset.type == "booking"
        message_schedule(
            clinic=appointment.clinic,
            client=client,
            kind=entry.item.kind,
            due_at=entry.due_at,
            dedupe_key=dedupe_key_for(appointment.pk, appointment.sequence, entry.code),
            context={
                "schedule_id": schedule.pk,
                "appointment_id": appointment.pk,
                "sequence": appointment.sequence,
                "entry": entry.code,
            },
            appointment_id=appointment.pk,
            send_now=booking_sheet,
        )
    return schedule


@transaction.atomic
def precare_cancel(*, appointment: Appointment, reason: str) -> int:
    """Stop the appointment's preparation; returns how many pending messages were cancelled.

    A message a worker has already claimed is stopped by its send-time check, which
    sees the cancelled schedule (and the appointment's status) once this commits.
    """
    PrecareSchedule.objects.filter(appointment=appointment, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now(), cancelled_reason=reason[:255], updated_at=timezone.now()
    )
    return _cancel_pending(appointment.pk, reason)


def precare_on_appointment_changed(appointment: Appointment, event: str) -> None:
    """The handler booking calls when an appointment is booked, moved or cancelled."""
    if event == "cancelled":
        precare_cancel(appointment=appointment, reason="The appointment was cancelled.")
    else:
        precare_plan(appointment=appointment)
