"""Remembers where the current request came from, for the audit log."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

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


def healthz_response() -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
