"""The readiness check 48 hours before a treatment (DOMAIN.md §6, decision 0018).

The client opens a signed link that names one :class:`ReadinessLink` row by id; the row
says which appointment it opens. It opens until the appointment starts, while the
appointment is booked or checked in and has not been moved (its ``sequence``), and until
staff revoke it. The client either says nothing has changed (a confirmation on record)
or gives new answers: a client-submitted screening evaluated at the appointment date
with the clinic's current rule set. Those answers may block the treatment (the one
decision, ``treatments.screening.selectors.eligibility_on``) but never clear one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clinic.booking.models import Appointment, AppointmentKind, AppointmentStatus
from clinic.messaging.links import BadLink, absolute
from clinic.messaging.services import message_schedule
from clinic.models import User
from common.audit import audit_record
from common.errors import ApplicationError
from precare.models import (
    PrecareSchedule,
    ReadinessLink,
    ReadinessResponse,
    ReadinessStatus,
)
from treatments.screening import rules
from treatments.screening.models import Screening, ScreeningSource
from treatments.screening.selectors import (
    BLOCKING,
    screening_list,
    treatment_eligibility,
)
from treatments.screening.services import client_screening_take

SALT = "precare.readiness"
#: When the check falls due: the readiness e-mail's moment (DOMAIN.md §6).
DUE_BEFORE = timedelta(hours=48)
ACTIVE = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
#: The e-mail to the clinic when the client's answers block (precare.notifications).
READINESS_FLAG = "readiness_flag"


def readiness_flag_key(response_id: int) -> str:
    """One e-mail per blocking response, whoever schedules it and however often."""
    return f"readiness:response:{response_id}:clinic"


# --- the link ---------------------------------------------------------------------------


def readiness_link_for(appointment: Appointment) -> ReadinessLink:
    """The appointment's current link (made once per ``sequence``; a revoked one is
    replaced)."""
    link = (
        ReadinessLink.objects.filter(
            appointment=appointment, sequence=appointment.sequence, revoked_at__isnull=True
        )
        .order_by("-id")
        .first()
    )
    if link is None:
        link = ReadinessLink.objects.create(
            clinic_id=appointment.clinic_id,
            client_id=appointment.client_id,
            appointment=appointment,
            sequence=appointment.sequence,
        )
    return link


def token_for(link: ReadinessLink) -> str:
    return signing.Signer(salt=SALT).sign(str(link.pk))


def page_url_for(link: ReadinessLink) -> str:
    return absolute(reverse("readiness-page", args=[token_for(link)]))


def readiness_url(schedule: PrecareSchedule) -> str | None:
    """The client's readiness page for this appointment: the 48-hour e-mail's link.

    None when the appointment is no longer one a client can check (cancelled, moved to a
    consultation, started): the e-mail then asks the client to call or reply."""
    appointment = schedule.appointment
    if not _is_open(appointment, timezone.now()):
        return None
    return page_url_for(readiness_link_for(appointment))


def readiness_link_possible(appointment: Appointment) -> bool:
    """Whether a link for the appointment would open now (a treatment still ahead)."""
    return _is_open(appointment, timezone.now())


def _is_open(appointment: Appointment, now: datetime) -> bool:
    return (
        appointment.kind == AppointmentKind.TREATMENT
        and appointment.status in ACTIVE
        and now < appointment.start
    )


def link_from_token(token: str) -> ReadinessLink:
    """The link a token opens, or :class:`BadLink` (tampered, unknown, revoked, moved,
    over). ``BadLink.link_id`` names the row when the signature was good."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
        link_id = int(value)
    except (signing.BadSignature, ValueError):
        raise BadLink("bad signature") from None
    link = (
        ReadinessLink.objects.select_related(
            "appointment", "appointment__client", "clinic", "client"
        )
        .filter(pk=link_id)
        .first()
    )
    if link is None:
        raise _bad("no such link", link_id)
    appointment = link.appointment
    if link.revoked_at is not None:
        raise _bad("revoked", link_id)
    if appointment.sequence != link.sequence:
        raise _bad("appointment moved", link_id)
    if appointment.kind != AppointmentKind.TREATMENT or appointment.status not in ACTIVE:
        raise _bad("appointment not active", link_id)
    if timezone.now() >= appointment.start:
        raise _bad("expired", link_id, expired=True)
    return link


def _bad(reason: str, link_id: int, *, expired: bool = False) -> BadLink:
    error = BadLink(reason, expired=expired)
    error.link_id = link_id  # type: ignore[attr-defined]
    return error


@transaction.atomic
def readiness_link_revoke(*, link: ReadinessLink, actor: User) -> ReadinessLink:
    """Staff stop a link from opening (sent to the wrong address, say)."""
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            object_type="readiness_link",
            object_id=link.pk,
            clinic_id=link.clinic_id,
            client_id=link.client_id,
            detail={"revoked": True},
        )
    return link


# --- what the client sees and answers -----------------------------------------------------


def last_screening(appointment: Appointment) -> Screening | None:
    """The client's last answers, whoever gave them."""
    return screening_list(clinic=appointment.clinic, client=appointment.client).first()


def local_date(appointment: Appointment) -> Any:
    return appointment.start.astimezone(appointment.clinic.zone).date()


@dataclass(frozen=True)
class Readiness:
    status: str
    screening: Screening | None = None
    outcome: str | None = None
    findings: tuple[rules.FindingData, ...] = field(default_factory=tuple)
    response: ReadinessResponse | None = None

    @property
    def blocked(self) -> bool:
        return self.status == ReadinessStatus.BLOCKED

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "screening": self.screening.pk if self.screening else None,
            "outcome": self.outcome,
            "findings": list(self.findings),
        }


def readiness_of(appointment: Appointment, *, now: datetime | None = None) -> Readiness:
    """Where the appointment's readiness check stands (``readiness`` in the API)."""
    response = (
        ReadinessResponse.objects.filter(appointment=appointment)
        .select_related("screening")
        .order_by("-created_at", "-id")
        .first()
    )
    return _readiness(appointment, response, now or timezone.now())


def _readiness(
    appointment: Appointment, response: ReadinessResponse | None, now: datetime
) -> Readiness:
    """The status from the appointment's latest response (None: no answer yet)."""
    if response is None:
        if appointment.kind != AppointmentKind.TREATMENT or now < appointment.start - DUE_BEFORE:
            return Readiness(ReadinessStatus.NOT_DUE)
        return Readiness(ReadinessStatus.PENDING)
    screening = response.screening
    findings = tuple(screening.findings) if screening is not None else ()
    status = response.status
    if status == ReadinessStatus.BLOCKED and screening is not None:
        # Staff resolve the flag with a newer screening of their own (or by confirming
        # one); until then the client's answers stand.
        newer = (
            screening_list(clinic=appointment.clinic, client=appointment.client)
            .filter(taken_at__gt=screening.taken_at)
            .exclude(source=ScreeningSource.CLIENT, confirmation__isnull=True)
            .exists()
        )
        if newer:
            status = ReadinessStatus.CHANGED
    return Readiness(status, screening, response.outcome or None, findings, response)


def readiness_for_many(
    appointments: Iterable[Appointment], *, now: datetime | None = None
) -> dict[int, Readiness]:
    """The readiness of each treatment still to be seen (booked or checked in), by id.

    For lists (the calendar, Today): one query for the latest answers of all of them;
    a block is then checked for a newer staff screening, one query per block.
    """
    now = now or timezone.now()
    wanted = [a for a in appointments if a.kind == AppointmentKind.TREATMENT and a.status in ACTIVE]
    if not wanted:
        return {}
    latest: dict[int, ReadinessResponse] = {}
    for response in (
        ReadinessResponse.objects.filter(appointment_id__in=[a.pk for a in wanted])
        .select_related("screening")
        .order_by("appointment_id", "-created_at", "-id")
    ):
        latest.setdefault(response.appointment_id, response)
    return {a.pk: _readiness(a, latest.get(a.pk), now) for a in wanted}


def readiness_for_api(appointment: Appointment) -> dict[str, Any]:
    """``readiness`` on ``GET /api/appointments/{id}/`` (booking's registered reader)."""
    return readiness_of(appointment).to_dict()


@dataclass(frozen=True)
class Answered:
    readiness: Readiness
    message: str


@transaction.atomic
def readiness_respond(
    *, link: ReadinessLink, unchanged: bool, raw_answers: object = None
) -> Answered:
    """Record the client's answer: nothing changed, or new answers (a client-submitted
    screening at the appointment date). Never cancels the appointment."""
    appointment = Appointment.objects.select_for_update().get(pk=link.appointment_id)
    client = appointment.client
    on_date = local_date(appointment)
    if unchanged:
        last = last_screening(appointment)
        if last is None:
            raise ApplicationError(
                "There are no earlier answers to confirm; answer the questions.",
                fields={"answers": ["Answer every question."]},
            )
        eligibility = treatment_eligibility(client=client, on_date=on_date)
        response = ReadinessResponse.objects.create(
            clinic_id=appointment.clinic_id,
            appointment=appointment,
            link=link,
            status=ReadinessStatus.CONFIRMED,
            screening=last,
            outcome=eligibility.outcome or "",
        )
    else:
        screening = client_screening_take(
            client=client, planned_date=on_date, raw_answers=raw_answers
        )
        blocked = screening.outcome in BLOCKING
        response = ReadinessResponse.objects.create(
            clinic_id=appointment.clinic_id,
            appointment=appointment,
            link=link,
            status=ReadinessStatus.BLOCKED if blocked else ReadinessStatus.CHANGED,
            screening=screening,
            outcome=screening.outcome,
        )
        if blocked:
            _flag_to_clinic(response, appointment)
    audit_record(
        actor=None,
        action="create",
        object_type="appointment_readiness",
        object_id=appointment.pk,
        clinic_id=appointment.clinic_id,
        client_id=appointment.client_id,
        detail={"status": response.status, "link": link.pk},
        channel="link",
    )
    readiness = readiness_of(appointment)
    return Answered(readiness, client_message(readiness, appointment))


def _flag_to_clinic(response: ReadinessResponse, appointment: Appointment) -> None:
    """Reception is e-mailed (DOMAIN.md §6): once, through the outbox, after commit."""
    message_schedule(
        clinic=appointment.clinic,
        client=appointment.client,
        kind=READINESS_FLAG,
        due_at=response.created_at,
        dedupe_key=readiness_flag_key(response.pk),
        context={"response_id": response.pk, "appointment_id": appointment.pk},
        # No ``appointment_id`` column: booking cancels an appointment's pending
        # confirmations when it is moved, and a move does not resolve the flag. The
        # send-time check (the appointment still booked) covers cancelling.
        send_now=True,
    )


def client_message(readiness: Readiness, appointment: Appointment) -> str:
    clinic = appointment.clinic
    if readiness.status == ReadinessStatus.BLOCKED:
        return (
            f"Thank you. From your answers the treatment may need to wait; {clinic.name} "
            "will call you before your appointment. Please do not cancel it yourself."
        )
    if readiness.status == ReadinessStatus.CHANGED:
        return (
            "Thank you: your new answers are with the clinic. A practitioner will look at "
            "them before your treatment."
        )
    if readiness.status == ReadinessStatus.CONFIRMED:
        return "Thank you for confirming that nothing has changed. See you soon."
    return ""


def readiness_viewed(*, link: ReadinessLink) -> None:
    audit_record(
        actor=None,
        action="read",
        object_type="appointment_readiness",
        object_id=link.appointment_id,
        clinic_id=link.clinic_id,
        client_id=link.client_id,
        detail={"link": link.pk},
        channel="link",
    )
