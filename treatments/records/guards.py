"""The checks every write to a session record starts with: who may write, and whether
the record is still open (decision 0005).

Who may record is decided by ``clinic.roles`` (``Ability.RECORD``); this module only
finds the acting member of the session's clinic and asks it.
"""

from __future__ import annotations

from clinic.models import Clinic, Membership, User
from clinic.roles import can_record
from common.errors import Conflict, PermissionDenied
from treatments.records.models import SessionStatus, TreatmentSession


def _membership(*, clinic: Clinic, actor: User | None) -> Membership | None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return Membership.objects.filter(clinic=clinic, user=actor, is_active=True).first()


def require_recorder(*, clinic: Clinic, actor: User | None, what: str) -> None:
    """Refuse (403) an actor who does not record treatment sessions at ``clinic``."""
    if not can_record(_membership(clinic=clinic, actor=actor)):
        raise PermissionDenied(f"Only a practitioner or a manager can {what}.")


def lock_session(session: TreatmentSession) -> TreatmentSession:
    """The session row, locked for the rest of the transaction, with what writes read."""
    return (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("plan__protocol_set", "practitioner__membership__user", "appointment")
        .get(pk=session.pk)
    )


def refuse_signed(session: TreatmentSession) -> None:
    """A signed record is read-only (409); corrections are amendments."""
    if session.status == SessionStatus.SIGNED:
        raise Conflict(
            "This session is signed and read-only; add an amendment to correct it.",
            code="session_signed",
        )
