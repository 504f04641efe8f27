"""Locking sign-in after repeated failures (django-axes, database handler; decision 0008).

Failures count per account and per client address within the cool-off after the last
one. The limits differ: a clinic's staff share one public address, so the address gets
more tries than an account before it is locked. At either limit the right password is
refused too. A manager unlocks an account (``clinic.services.staff_unlock``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from common.exceptions import error_body

#: Set on a request whose page or answer already tells the person they are locked out.
EXPLAINED = "lockout_explained"


def cool_off() -> timedelta:
    return timedelta(minutes=settings.LOGIN_COOLOFF_MINUTES)


def locked_message() -> str:
    return (
        "Signing in is locked after too many failed attempts. Try again in "
        f"{settings.LOGIN_COOLOFF_MINUTES} minutes, or ask a manager of your clinic to "
        "unlock your account on the Staff page."
    )


def username_of(request: HttpRequest | None, credentials: dict | None) -> str | None:
    """The account an attempt names, as accounts store it (``AXES_USERNAME_CALLABLE``)."""
    value = (credentials or {}).get("username")
    if value is None and request is not None and not credentials:
        value = request.POST.get("username")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower()


def locked_out(request: HttpRequest) -> bool:
    """Whether this request's sign-in was refused or locked by the lockout.

    The caller then tells the person so (a form error, a JSON error), and the request is
    marked, so that the lockout middleware keeps that answer instead of its own page.
    """
    if getattr(request, "axes_locked_out", False):
        setattr(request, EXPLAINED, True)
        return True
    return False


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: the answer when a sign-in is refused as locked out."""
    if original_response is not None and getattr(request, EXPLAINED, False):
        return original_response
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("locked_out", locked_message()), status=429)
    # Sign-in forms that do not explain it themselves (the admin's).
    return render(
        request, "registration/locked_out.html", {"message": locked_message()}, status=429
    )


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with one limit per account and another per address."""

    def failures(self, request, credentials: dict | None = None) -> tuple[int, int]:
        """Recent failures ``(for the account, from the address)``."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        by_account = _failures(recent.filter(username=username)) if username else 0
        by_address = _failures(recent.filter(ip_address=request.axes_ip_address))
        return by_account, by_address

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        by_account, by_address = self.failures(request, credentials)
        return (
            by_account >= settings.LOGIN_FAILURE_LIMIT
            or by_address >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
        )

    def get_failures(self, request, credentials: dict | None = None) -> int:
        # Axes compares this with AXES_FAILURE_LIMIT (the account limit) after a failure;
        # the address limit is checked in user_login_failed below.
        return self.failures(request, credentials)[0]

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if (
            request is not None
            and not request.axes_locked_out
            and self.is_locked(request, credentials)
        ):
            request.axes_locked_out = True
            request.axes_credentials = credentials

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """A successful sign-in forgets the account's failures, not the address's."""
        username = get_client_username(request, credentials)
        return forget_failures(username) if username else 0


def forget_failures(username: str) -> int:
    """Unlock an account: forget its failed sign-ins (from every address)."""
    return reset(username=username.strip().lower())


def locked_usernames(usernames: Iterable[str]) -> set[str]:
    """Which of these accounts are locked now (their own failures, not their address's)."""
    names = {u.lower() for u in usernames}
    if not names:
        return set()
    rows = (
        AccessAttempt.objects.filter(
            username__in=names, attempt_time__gte=timezone.now() - cool_off()
        )
        .values("username")
        .annotate(n=Sum("failures_since_start"))
        .filter(n__gte=settings.LOGIN_FAILURE_LIMIT)
    )
    return {row["username"] for row in rows}
