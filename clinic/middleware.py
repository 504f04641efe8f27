"""Request-wide behaviour that needs to know the acting clinic."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from clinic.access import (
    LAST_ACTIVITY_KEY,
    forget_membership,
    idle_timeout_seconds,
    request_membership,
)


class ClinicTimezoneMiddleware:
    """Pages show times in the acting clinic's time zone.

    Django's template filters convert aware datetimes to the current time zone, which
    is UTC unless activated. The API keeps UTC (ISO 8601 with offset either way).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") or not getattr(request, "user", None):
            return self.get_response(request)
        if not request.user.is_authenticated:
            return self.get_response(request)
        membership = request_membership(request)
        if membership is None:
            return self.get_response(request)
        with timezone.override(membership.clinic.zone):
            return self.get_response(request)


def _session_user(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return user is not None and user.is_authenticated and hasattr(request, "session")


class IdleTimeoutMiddleware:
    """Shared clinic computers: a session idle longer than the clinic allows ends.

    Every request of a signed-in person is activity (stored in the session), except a
    request that says it is not (``request.counts_as_activity = False``: the page asking
    how long is left). The first request after the limit signs the person out; the page
    then asks them to sign in, and says why.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _session_user(request):
            last = request.session.get(LAST_ACTIVITY_KEY)
            limit = idle_timeout_seconds(request)
            if last is not None and timezone.now().timestamp() - last > limit:
                logout(request)
                forget_membership(request)
                messages.info(
                    request,
                    f"You were signed out after {limit // 60} minutes without activity. "
                    "Sign in again to continue.",
                )
                if request.headers.get("HX-Request"):
                    # htmx would swap the login page into a fragment: load it as a page.
                    response = HttpResponse(status=200)
                    response["HX-Redirect"] = reverse("login")
                    return response
        response = self.get_response(request)
        if _session_user(request) and getattr(request, "counts_as_activity", True):
            request.session[LAST_ACTIVITY_KEY] = int(timezone.now().timestamp())
        return response


class NoStoreMiddleware:
    """Browsers and proxies keep no copy of any page or answer (health data, shared
    computers, the back button after signing out), unless a view sets its own caching."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response
