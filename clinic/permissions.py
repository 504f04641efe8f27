"""DRF permissions: staff of a clinic, and role checks on top."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from clinic.access import request_membership
from clinic.roles import Ability, roles_for


class IsClinicStaff(BasePermission):
    """Signed in and an active member of a clinic; sets ``request.membership``."""

    message = "You are not a member of any clinic."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        membership = request_membership(request)
        request.membership = membership
        return membership is not None


class HasRole(IsClinicStaff):
    """The acting membership holds ``ability`` (clinic/roles.py); optionally everyone reads."""

    ability: Ability | None = None
    roles: frozenset[str] = frozenset()
    safe_methods_for_all = False

    def allowed_roles(self) -> frozenset[str]:
        return roles_for(self.ability) if self.ability is not None else self.roles

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if self.safe_methods_for_all and request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        roles = self.allowed_roles()
        allowed = request.membership.role in roles
        if not allowed:
            self.message = (
                f"This action needs the role {' or '.join(sorted(roles))}; "
                f"you are {request.membership.role} at {request.membership.clinic.name}."
            )
        return allowed


def allows(ability: Ability, *, reads_for_all: bool = False) -> type[HasRole]:
    """A DRF permission class: the caller holds ``ability`` (or reads, if allowed)."""
    return type(
        f"Allows{ability.value.title().replace('_', '')}",
        (HasRole,),
        {"ability": ability, "safe_methods_for_all": reads_for_all},
    )


class ManagesStaff(HasRole):
    ability = Ability.MANAGE_STAFF
