"""Which clinic a request acts for (what its role may do is in ``clinic.roles``).

A user may hold roles at several clinics. The web UI remembers the chosen clinic in
the session; API clients may name it with the ``X-Clinic`` header. Otherwise the
user's first active membership is used.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone

from clinic.models import Clinic, Membership, User

SESSION_KEY = "clinic_id"
HEADER = "HTTP_X_CLINIC"
#: Session key: when the signed-in person last made a request (seconds since the epoch).
LAST_ACTIVITY_KEY = "last_activity"


def memberships_for(user) -> list[Membership]:
    if not user or not user.is_authenticated or not user.is_active:
        return []
    return list(
        Membership.objects.filter(user=user, is_active=True).select_related("clinic").order_by("id")
    )


def _cache(request: HttpRequest) -> dict:
    """Per request and per user, like Django's own request.user cache.

    A DRF ``Request`` shares its ``HttpRequest``'s cache, so the middleware's look-up
    serves the API view too; it is kept per user, because the API may authenticate
    someone else (a token) than the session the middleware saw.
    """
    user = getattr(request, "user", None)
    key = getattr(user, "pk", None)
    caches = getattr(request, "_request", request).__dict__.setdefault("_clinic_access", {})
    cache: dict = caches.setdefault(key, {})
    return cache


def request_memberships(request: HttpRequest) -> list[Membership]:
    """All active memberships of the signed-in user (cached on the request)."""
    cache = _cache(request)
    if "memberships" not in cache:
        cache["memberships"] = memberships_for(getattr(request, "user", None))
    memberships: list[Membership] = cache["memberships"]
    return memberships


def request_membership(request: HttpRequest) -> Membership | None:
    """The membership the request acts under (cached on the request)."""
    cache = _cache(request)
    if "membership" in cache:
        cached: Membership | None = cache["membership"]
        return cached
    memberships = request_memberships(request)
    wanted = request.META.get(HEADER)
    if wanted is None and hasattr(request, "session"):
        wanted = request.session.get(SESSION_KEY)
    chosen = None
    if wanted is not None:
        chosen = next((m for m in memberships if str(m.clinic_id) == str(wanted)), None)
    if chosen is None and memberships:
        chosen = memberships[0]
    cache["membership"] = chosen
    return chosen


def forget_membership(request: HttpRequest) -> None:
    """Drop the cached memberships (after the request's user signed out)."""
    getattr(request, "_request", request).__dict__.pop("_clinic_access", None)


def idle_timeout_seconds(request: HttpRequest) -> int:
    """How long the acting clinic lets a signed-in session sit idle."""
    membership = request_membership(request)
    if membership is not None:
        minutes = membership.clinic.idle_timeout_minutes
    else:  # an account with no clinic (the admin's): the clinics' default
        minutes = Clinic._meta.get_field("idle_timeout_minutes").default
    return minutes * 60


def idle_seconds_left(request: HttpRequest) -> int:
    """Seconds until the session ends for idleness, counted from its last request."""
    limit = idle_timeout_seconds(request)
    last = request.session.get(LAST_ACTIVITY_KEY)
    if last is None:
        return limit
    return max(0, int(limit - (timezone.now().timestamp() - last)))


def idle_warning_seconds() -> int:
    return settings.IDLE_WARNING_SECONDS


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
