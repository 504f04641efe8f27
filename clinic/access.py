"""Which clinic a request acts for (what its role may do is in ``clinic.roles``).

A user may hold roles at several clinics. The web UI remembers the chosen clinic in
the session; API clients may name it with the ``X-Clinic`` header. Otherwise the
user's first active membership is used.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from clinic.models import Membership, User

SESSION_KEY = "clinic_id"
HEADER = "HTTP_X_CLINIC"


def memberships_for(user) -> list[Membership]:
    if not user or not user.is_authenticated or not user.is_active:
        return []
    return list(
        Membership.objects.filter(user=user, is_active=True).select_related("clinic").order_by("id")
    )


def request_memberships(request: HttpRequest) -> list[Membership]:
    """All active memberships of the signed-in user (cached on the request)."""
    if not hasattr(request, "_memberships_cache"):
        request._memberships_cache = memberships_for(getattr(request, "user", None))
    return request._memberships_cache


def request_membership(request: HttpRequest) -> Membership | None:
    """The membership the request acts under (cached on the request)."""
    if hasattr(request, "_membership_cache"):
        return request._membership_cache
    memberships = request_memberships(request)
    wanted = request.META.get(HEADER)
    if wanted is None and hasattr(request, "session"):
        wanted = request.session.get(SESSION_KEY)
    chosen = None
    if wanted is not None:
        chosen = next((m for m in memberships if str(m.clinic_id) == str(wanted)), None)
    if chosen is None and memberships:
        chosen = memberships[0]
    request._membership_cache = chosen
    return chosen


def acting_user(request: HttpRequest) -> User:
    """The signed-in user a staff page or API call acts as; anonymous requests are refused."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def acting_membership(request: HttpRequest) -> Membership:
    """The membership the request acts under (``request_membership``); none is refused."""
    membership = request_membership(request)
    if membership is None:
        raise PermissionDenied("You are not a member of any clinic.")
    return membership
