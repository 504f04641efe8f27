"""Writes for aftercare: template versions, a signed session's schedule, cancelling it.

``aftercare_schedule_session`` is called by ``treatments.session_services.session_sign``
inside the signing transaction, so a signed session, its schedule and its outgoing
messages commit together (docs/decisions/0006-aftercare.md).
"""

from __future__ import annotations

import copy
import logging
import zoneinfo
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from aftercare import timeline
from aftercare.defaults import DEFAULT_AFTERCARE
from aftercare.keys import dedupe_key_for
from aftercare.models import AftercareSchedule, AftercareTemplate
from aftercare.tasks import render_aftercare_pdf
from clinic.messaging.services import message_schedule, messages_cancel
from clinic.models import Clinic, Membership, User
from clinic.roles import Ability, can, denied_message
from common.audit import audit_record
from common.errors import ApplicationError, Conflict, PermissionDenied
from common.versions import version_current, version_lock
from treatments.plans.models import PlanStatus
from treatments.plans.selectors import plan_for_treatment
from treatments.records.models import SessionStatus, TreatmentSession

logger = logging.getLogger(__name__)


# --- templates --------------------------------------------------------------------------


def aftercare_template_current(*, clinic: Clinic) -> AftercareTemplate:
    """The clinic's newest aftercare template; version 1 (DOMAIN.md §3) on first use."""
    return version_current(
        AftercareTemplate,
        clinic=clinic,
        defaults={
            "data": copy.deepcopy(DEFAULT_AFTERCARE),
            "note": "Shipped default (DOMAIN.md §3)",
        },
    )


@transaction.atomic
def aftercare_template_publish(
    *, clinic: Clinic, data: dict[str, Any], actor: User, note: str = ""
) -> AftercareTemplate:
    """Publish the next version of the clinic's template; later sessions use it. Audited."""
    try:
        timeline.parse_items(data)
    except timeline.TemplateError as exc:
        raise ApplicationError(str(exc), code="invalid_aftercare_template") from None
    version_lock(clinic=clinic)
    latest = aftercare_template_current(clinic=clinic)  # version 1 exists before version 2
    template = AftercareTemplate.objects.create(
        clinic=clinic, version=latest.version + 1, data=data, note=note, published_by=actor
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="aftercare_template",
        object_id=template.pk,
        clinic_id=clinic.pk,
        detail={"version": template.version},
    )
    return template


# --- schedules --------------------------------------------------------------------------


def _next_session_interval(session: TreatmentSession) -> int | None:
    """The plan's interval if the course has sessions left after this one, else None."""

    plan = plan_for_treatment(client=session.client, plan=session.plan)
    if plan is None or plan.status != PlanStatus.ACTIVE:
        return None
    signed = (
        TreatmentSession.objects.filter(plan=plan, status=SessionStatus.SIGNED)
        .exclude(pk=session.pk)
        .count()
        + 1
    )
    return plan.interval_days if signed < plan.planned_sessions else None


@transaction.atomic
def aftercare_schedule_session(*, session: TreatmentSession) -> AftercareSchedule:
    """Create the session's aftercare schedule and its outgoing messages.

    Call it in the transaction that signs the session. Idempotent: a session has one
    schedule (a unique constraint) and every message has a unique ``dedupe_key``.
    Due times are computed once, here, from the client's zone (the clinic's if unset).
    """
    if session.ended_at is None or session.signed_at is None:
        raise ValueError("Only a signed session with an end time has aftercare.")
    existing = AftercareSchedule.objects.filter(session_id=session.pk).first()
    if existing is not None:
        return existing
    client = session.client
    clinic = session.clinic
    zone_name = client.effective_timezone
    zoneinfo.ZoneInfo(zone_name)  # an unknown zone fails the signing, not a worker later
    schedule = AftercareSchedule.objects.create(
        clinic=clinic,
        client=client,
        session=session,
        template=aftercare_template_current(clinic=clinic),
        timezone=zone_name,
        ended_at=session.ended_at,
        interval_days=_next_session_interval(session),
    )
    # Registered first, so with eager Celery the PDF exists before the first e-mail.
    schedule_id = schedule.pk
    transaction.on_commit(lambda: _enqueue_pdf(schedule_id), robust=True)
    now = timezone.now()
    for entry in schedule.entries():
        if not entry.item.email:
            continue
        # What is already due when the session is signed (the end-of-session sheet, at
        # least) goes out as soon as this commits, if its kind still allows that
        # lateness; what is past it is recorded as skipped (decision 0013). The due time
        # stays the moment the message speaks of, so a late signature counts as late.
        due_now = entry.due_at <= now
        message_schedule(
            clinic=clinic,
            client=client,
            kind=entry.item.kind,
            due_at=entry.due_at,
            dedupe_key=dedupe_key_for(session.pk, entry.code),
            context={"schedule_id": schedule.pk, "session_id": session.pk, "entry": entry.code},
            appointment_id=session.appointment_id,
            session_id=session.pk,
            send_now=due_now,
        )
    return schedule


def aftercare_on_session_signed(session: TreatmentSession) -> None:
    """The handler records calls when a session is signed (treatments/records/signing.py)."""
    aftercare_schedule_session(session=session)


def _enqueue_pdf(schedule_id: int) -> None:

    render_aftercare_pdf.delay(schedule_id)


@transaction.atomic
def aftercare_cancel_session(
    *, session: TreatmentSession, reason: str, at: datetime | None = None
) -> int:
    """Stop a session's aftercare: the schedule is marked and its pending messages cancelled.

    Call it in the transaction that cancels (or voids) the session. Returns how many
    messages were cancelled; a message already claimed by a worker is stopped by the
    send-time check, which sees the cancelled schedule once this commits.
    """
    AftercareSchedule.objects.filter(session_id=session.pk, cancelled_at__isnull=True).update(
        cancelled_at=at or timezone.now(), cancelled_reason=reason[:255]
    )
    return messages_cancel(session_id=session.pk, reason=reason)


#: The longest reason kept (the schedule's and each message's ``cancelled_reason``).
CANCEL_REASON_LENGTH = 255


@transaction.atomic
def aftercare_cancel(
    *, schedule: AftercareSchedule, actor: User, reason: object
) -> AftercareSchedule:
    """A member of staff stops a signed session's aftercare: no further e-mails. Audited.

    The reason is required (it is shown on the session page and on each cancelled
    message). Cancelling twice is a 409; e-mails already sent stay sent.
    """
    membership = (
        Membership.objects.filter(clinic_id=schedule.clinic_id, user_id=actor.pk, is_active=True)
        .only("role")
        .first()
        if getattr(actor, "pk", None) is not None
        else None
    )
    if not can(membership, Ability.CANCEL_AFTERCARE):
        raise PermissionDenied(denied_message(Ability.CANCEL_AFTERCARE))
    text = " ".join(reason.split()) if isinstance(reason, str) else ""
    if not text:
        raise ApplicationError(
            "Say why the aftercare is cancelled.",
            code="invalid",
            fields={"reason": ["Say why the aftercare is cancelled."]},
        )
    if len(text) > CANCEL_REASON_LENGTH:
        message = f"At most {CANCEL_REASON_LENGTH} characters."
        raise ApplicationError(message, code="invalid", fields={"reason": [message]})
    locked = (
        AftercareSchedule.objects.select_for_update(of=("self",))
        .select_related("session")
        .get(pk=schedule.pk)
    )
    if locked.cancelled_at is not None:
        raise Conflict(
            f"This aftercare was already cancelled: {locked.cancelled_reason}",
            code="aftercare_already_cancelled",
        )
    cancelled = aftercare_cancel_session(session=locked.session, reason=text)
    locked.refresh_from_db()
    audit_record(
        actor=actor,
        action="update",
        object_type="aftercare_schedule",
        object_id=locked.pk,
        clinic_id=locked.clinic_id,
        client_id=locked.client_id,
        # The reason is free text about a client: its field name, never its value.
        detail={"change": "cancel", "fields": ["reason"], "cancelled_messages": cancelled},
    )
    return locked
