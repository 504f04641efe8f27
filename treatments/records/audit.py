"""The audit trail of session records: every write and every read of a record, photo or
recall search leaves one event (docs/architecture.md, "Audit"); field names, never values.
"""

from __future__ import annotations

from typing import Any

from clinic.models import Clinic, User
from common.audit import audit_record
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
    *, clinic: Clinic, actor: User, query: dict[str, str], count: int, export: bool = False
) -> None:
    audit_record(
        actor=actor,
        action="export" if export else "list",
        object_type="recall",
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
