"""Reading the audit trail is itself on record (decision 0010)."""

from __future__ import annotations

from typing import Any

from clinic.models import Clinic, User
from common.audit import audit_record
from common.models import AuditEvent


def audit_trail_read(
    *, clinic: Clinic, actor: User, filters: dict[str, Any], count: int, export: bool = False
) -> None:
    """One event per request: the filters used and how many events they matched."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT if export else AuditEvent.Action.LIST,
        object_type="audit_event",
        clinic_id=clinic.pk,
        client_id=filters.get("client"),
        detail={"filters": filters, "results": count},
    )
