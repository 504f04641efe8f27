"""Who may do what: every "who may" rule of the product, in one table.

Services, DRF permissions, page views and templates all ask this module; none of them
lists roles itself. A rule is an :class:`Ability` mapped to the roles that hold it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from clinic.models import Role


class Ability(StrEnum):
    READ_CLIENTS = "read_clients"
    EDIT_CLIENTS = "edit_clients"
    BOOK = "book"
    MANAGE_STAFF = "manage_staff"
    #: Change the clinic's settings: details, sender, logo, time zone, idle sign-out.
    MANAGE_CLINIC = "manage_clinic"
    #: Bring the client list over from a CSV file (decision 0019).
    IMPORT_CLIENTS = "import_clients"
    #: Set up rooms, devices, practitioners and their working hours.
    MANAGE_RESOURCES = "manage_resources"
    #: Publish a new version of clinical data: screening rules, protocols, consent text,
    #: aftercare templates.
    PUBLISH = "publish"
    #: Accept the clinical data in force as the clinic's medical director (decision 0019).
    SIGN_OFF = "sign_off"
    #: Create and change treatment plans (courses).
    PLAN = "plan"
    #: Start, record, sign and amend treatment sessions.
    RECORD = "record"
    #: Review a screening whose result is "caution" (DOMAIN.md §1: a practitioner).
    REVIEW_SCREENING = "review_screening"
    #: Resend an outgoing message that failed.
    RESEND_MESSAGES = "resend_messages"
    #: Stop the pending aftercare e-mails of a signed session (with a reason).
    CANCEL_AFTERCARE = "cancel_aftercare"
    #: Read the clinic's audit trail (who read or changed which record, and who was refused).
    READ_AUDIT = "read_audit"


_EVERYONE = frozenset({Role.RECEPTION, Role.PRACTITIONER, Role.MANAGER})

ABILITIES: dict[Ability, frozenset[str]] = {
    Ability.READ_CLIENTS: _EVERYONE,
    Ability.EDIT_CLIENTS: _EVERYONE,
    Ability.BOOK: _EVERYONE,
    Ability.MANAGE_STAFF: frozenset({Role.MANAGER}),
    Ability.MANAGE_CLINIC: frozenset({Role.MANAGER}),
    Ability.IMPORT_CLIENTS: frozenset({Role.MANAGER}),
    Ability.MANAGE_RESOURCES: frozenset({Role.MANAGER}),
    Ability.PUBLISH: frozenset({Role.MANAGER}),
    Ability.SIGN_OFF: frozenset({Role.PRACTITIONER, Role.MANAGER}),
    Ability.PLAN: frozenset({Role.PRACTITIONER, Role.MANAGER}),
    Ability.RECORD: frozenset({Role.PRACTITIONER, Role.MANAGER}),
    Ability.REVIEW_SCREENING: frozenset({Role.PRACTITIONER}),
    Ability.RESEND_MESSAGES: _EVERYONE,
    Ability.CANCEL_AFTERCARE: frozenset({Role.PRACTITIONER, Role.MANAGER}),
    Ability.READ_AUDIT: frozenset({Role.MANAGER}),
}


class HasRole(Protocol):
    @property
    def role(self) -> str: ...


def roles_for(ability: Ability) -> frozenset[str]:
    """The roles that hold ``ability``."""
    return ABILITIES[ability]


def role_can(role: str | None, ability: Ability) -> bool:
    return role is not None and role in ABILITIES[ability]


def can(membership: HasRole | None, ability: Ability) -> bool:
    """Whether the membership (the acting staff member at one clinic) holds ``ability``."""
    return membership is not None and role_can(membership.role, ability)


def abilities_of(membership: HasRole | None) -> dict[str, bool]:
    """``{ability: bool}`` for templates: ``{% if can.record %}``."""
    return {ability.value: can(membership, ability) for ability in Ability}


_DENIED = {
    Ability.MANAGE_STAFF: "Only managers manage the staff.",
    Ability.MANAGE_CLINIC: "Only managers change the clinic's settings.",
    Ability.MANAGE_RESOURCES: "Only managers set up rooms, devices and practitioners.",
    Ability.PUBLISH: "Only managers publish clinical rules, protocols and texts.",
    Ability.PLAN: "Only practitioners and managers plan courses.",
    Ability.RECORD: "Only practitioners and managers record treatment sessions.",
    Ability.REVIEW_SCREENING: "Only a practitioner reviews a screening result.",
    Ability.CANCEL_AFTERCARE: "Only practitioners and managers cancel a session's aftercare.",
    Ability.READ_AUDIT: "Only managers read the audit trail.",
}


def denied_message(ability: Ability) -> str:
    """The sentence a refused staff member reads."""
    return _DENIED.get(ability, "Your role does not allow this.")


def can_manage_staff(membership: HasRole | None) -> bool:
    return can(membership, Ability.MANAGE_STAFF)


def can_edit_clients(membership: HasRole | None) -> bool:
    return can(membership, Ability.EDIT_CLIENTS)


def can_publish(membership: HasRole | None) -> bool:
    return can(membership, Ability.PUBLISH)


def can_plan(membership: HasRole | None) -> bool:
    return can(membership, Ability.PLAN)


def can_record(membership: HasRole | None) -> bool:
    return can(membership, Ability.RECORD)


def can_review_screening(membership: HasRole | None) -> bool:
    return can(membership, Ability.REVIEW_SCREENING)
