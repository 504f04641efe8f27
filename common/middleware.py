"""Remembers where the current request came from, for the audit log."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from common.audit import request_context


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_context(request):
            return self.get_response(request)


class HealthCheckMiddleware:
    """Answers ``/healthz/`` before host validation, for container health checks.

    Health checks call the container by its own address, which is not (and should not
    be) in ALLOWED_HOSTS. The answer reveals nothing but reachability.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz/" and request.method == "GET":
            return healthz_response()
        return self.get_response(request)


def healthz_response() -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


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
        from clinic.access import request_membership

        membership = request_membership(request)
        if membership is None:
            return self.get_response(request)
        with timezone.override(membership.clinic.zone):
            return self.get_response(request)
