"""DRF permissions: staff of a clinic, and role checks on top."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from clinic.access import request_membership
from clinic.models import Role


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
    roles: frozenset[str] = frozenset()
    safe_methods_for_all = False

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if self.safe_methods_for_all and request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        allowed = request.membership.role in self.roles
        if not allowed:
            self.message = (
                f"This action needs the role {' or '.join(sorted(self.roles))}; "
                f"you are {request.membership.role} at {request.membership.clinic.name}."
            )
        return allowed


class IsManager(HasRole):
    roles = frozenset({Role.MANAGER})


class IsPractitioner(HasRole):
    roles = frozenset({Role.PRACTITIONER})


class ManagerWritesStaffReads(HasRole):
    """Every role reads; only managers create or change."""

    roles = frozenset({Role.MANAGER})
    safe_methods_for_all = True
