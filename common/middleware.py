"""Remembers where the current request came from, for the audit log."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from common.audit import request_context
from common.health import LIVE, run_checks


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_context(request):
            return self.get_response(request)


class HealthCheckMiddleware:
    """Answers ``/healthz/`` before host validation, for container health checks.

    Health checks call the container by its own address, which is not (and should not
    be) in ALLOWED_HOSTS. The answer holds states and numbers only (common/health.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/healthz/" and request.method in ("GET", "HEAD"):
            return healthz_response(live_only=request.GET.get("check") == "live")
        return self.get_response(request)


def healthz_response(*, live_only: bool = False) -> JsonResponse:
    """200 ``{"status": "ok", "checks": {…}}`` when every check passes, else 503."""
    ok, checks = run_checks(LIVE if live_only else None)
    response = JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )
    response["Cache-Control"] = "no-store"
    return response
