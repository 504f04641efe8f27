"""The audit trail of session records: every write and every read of a record, photo or
recall search leaves one event (docs/architecture.md, "Audit"); field names, never values.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from clinic.booking.models import Appointment
from clinic.models import Clinic, User
from common.audit import audit_reads, audit_record
from treatments.records.models import SessionPhoto, TreatmentSession


def audit_session(actor: User, action: str, session: TreatmentSession, **detail: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="treatment_session",
        object_id=session.pk,
        clinic_id=session.clinic_id,
        client_id=session.client_id,
        detail=detail,
    )


def session_viewed(*, session: TreatmentSession, actor: User) -> None:
    audit_session(actor, "read", session)


def session_start_checked(
    *, appointment: Appointment, actor: User, blockers: Sequence[object]
) -> None:
    """The start check reads the client's screening, consent and plan: an audited read."""
    audit_record(
        actor=actor,
        action="read",
        object_type="session_start_check",
        object_id=appointment.pk,
        clinic_id=appointment.clinic_id,
        client_id=appointment.client_id,
        detail={"can_start": not blockers},
    )


def session_photo_viewed(*, photo: SessionPhoto, actor: User) -> None:
    audit_record(
        actor=actor,
        action="read",
        object_type="session_photo",
        object_id=photo.pk,
        clinic_id=photo.session.clinic_id,
        client_id=photo.session.client_id,
        detail={"session": photo.session_id},
    )


def recall_searched(
    *,
    clinic: Clinic,
    actor: User,
    query: dict[str, str],
    sessions: Iterable[TreatmentSession],
    count: int,
    export: bool = False,
) -> None:
    """One event per session found, in one write; a CSV is ``export`` on page and API alike."""
    audit_reads(
        actor=actor,
        action="export" if export else "list",
        object_type="recall",
        objects=((session.pk, session.client_id) for session in sessions),
        clinic_id=clinic.pk,
        detail={**query, "count": count},
    )


def session_photo_added(*, photo: SessionPhoto, actor: User) -> None:
    audit_record(
        actor=actor,
        action="create",
        object_type="session_photo",
        object_id=photo.pk,
        clinic_id=photo.session.clinic_id,
        client_id=photo.session.client_id,
        detail={"session": photo.session_id, "kind": photo.kind},
    )
