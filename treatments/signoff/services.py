"""Recording the medical director's sign-off (decision 0019)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from clinic.models import Clinic, User
from clinic.roles import Ability, role_can
from common.audit import audit_record
from common.errors import ApplicationError, Conflict, PermissionDenied
from common.versions import version_lock
from treatments.signoff.datasets import versions_in_force
from treatments.signoff.models import ClinicalSignOff

#: What a refused password's audit event names as being confirmed (``clinic.reauth``):
#: the page and the API ask for the signer's password before calling the service.
PASSWORD_PURPOSE = "clinical_sign_off"  # noqa: S105 (a purpose, not a password)


def clinical_sign_off(
    *,
    clinic: Clinic,
    actor: User | None,
    role: str,
    accepted: bool,
    expected: dict[str, int] | None = None,
) -> ClinicalSignOff:
    """Accept the versions in force. ``expected`` is what the signer reviewed: if someone
    published a newer version meanwhile, nothing is signed (they must review it first).
    ``actor`` None records a sign-off by a command (``seed_demo``) under ``role``'s name."""
    if actor is not None and not role_can(role, Ability.SIGN_OFF):
        raise PermissionDenied("Only a practitioner or a manager signs off the clinical data.")
    if not accepted:
        raise ApplicationError(
            "Confirm that you have reviewed the clinical data and accept it.",
            fields={"accept": ["Tick to confirm you have reviewed and accept it."]},
        )
    with transaction.atomic():
        version_lock(clinic=clinic)  # publishing takes the same lock: no version slips by
        in_force = versions_in_force(clinic_id=clinic.pk)
        if expected is not None and {k: int(v) for k, v in expected.items()} != in_force:
            raise Conflict(
                "A new version was published while you were reviewing; review it and sign again.",
                code="versions_changed",
            )
        sign_off = ClinicalSignOff.objects.create(
            clinic=clinic,
            signed_by=actor,
            signed_by_name=(actor.full_name or actor.email) if actor else "Demo data",
            role=role,
            signed_at=timezone.now(),
            versions=in_force,
        )
        audit_record(
            actor=actor,
            action="create",
            object_type="clinical_sign_off",
            object_id=sign_off.pk,
            clinic_id=clinic.pk,
            detail={"data_sets": sorted(in_force)},
        )
    return sign_off
