"""Writes for protocols: the clinic's versions of depth limits, course lengths and intervals.

Same shape as the screening rule sets (``services.rule_set_current`` / ``rule_set_publish``):
versions are immutable, version 1 is the shipped default, managers publish the next one.
"""

from __future__ import annotations

import copy
from typing import Any

from django.db import transaction

from clinic.models import Clinic, User
from common.audit import audit_record
from common.errors import ApplicationError, Conflict
from common.versions import version_current, version_lock
from treatments.plans.defaults import DEFAULT_PROTOCOLS
from treatments.plans.models import ProtocolSet
from treatments.plans.protocols import validate_protocol_data


def protocol_set_current(*, clinic: Clinic) -> ProtocolSet:
    """The clinic's newest protocol version; the shipped default becomes version 1."""
    return version_current(
        ProtocolSet,
        clinic=clinic,
        defaults={"data": copy.deepcopy(DEFAULT_PROTOCOLS), "note": "Shipped default protocols"},
    )


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
    version_lock(clinic=clinic)
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
