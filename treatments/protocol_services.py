"""Writes for protocols: the clinic's versions of depth limits, course lengths and intervals.

Same shape as the screening rule sets (``services.rule_set_current`` / ``rule_set_publish``):
versions are immutable, version 1 is the shipped default, managers publish the next one.
"""

from __future__ import annotations

import copy
from typing import Any

from django.db import IntegrityError, transaction

from clinic.models import Clinic, User
from common.audit import audit_record
from common.errors import ApplicationError, Conflict

from .models import ProtocolSet
from .protocol_defaults import DEFAULT_PROTOCOLS
from .protocols import validate_protocol_data


def protocol_set_current(*, clinic: Clinic) -> ProtocolSet:
    """The clinic's newest protocol version; the shipped default becomes version 1."""
    current = ProtocolSet.objects.filter(clinic=clinic).order_by("-version").first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return ProtocolSet.objects.create(
                clinic=clinic,
                version=1,
                data=copy.deepcopy(DEFAULT_PROTOCOLS),
                note="Shipped default protocols",
            )
    except IntegrityError:  # another request created it first
        return ProtocolSet.objects.get(clinic=clinic, version=1)


@transaction.atomic
def protocol_set_publish(
    *, clinic: Clinic, actor: User, data: dict[str, Any], note: str
) -> ProtocolSet:
    """Publish ``data`` as the clinic's next protocol version. Plans keep their version."""
    errors = validate_protocol_data(data)
    if errors:
        raise ApplicationError(
            "The protocols have errors; nothing was published.",
            fields={f"data.{key}": msgs for key, msgs in errors.items()},
        )
    if not isinstance(note, str) or not note.strip():
        raise ApplicationError(
            "Say what changed.", fields={"note": ["Describe the change for the audit trail."]}
        )
    # Serialise publishing per clinic so version numbers are consecutive.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    latest = protocol_set_current(clinic=clinic)
    if latest.data == data:
        raise Conflict("Nothing changed from the current version.", code="protocols_unchanged")
    protocol_set = ProtocolSet.objects.create(
        clinic=clinic,
        version=latest.version + 1,
        data=data,
        note=note.strip()[:500],
        published_by=actor,
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="protocol_set",
        object_id=protocol_set.pk,
        clinic_id=clinic.pk,
        detail={"version": protocol_set.version, "note": protocol_set.note},
    )
    return protocol_set
