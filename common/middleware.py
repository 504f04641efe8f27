"""Remembers where the current request came from, for the audit log."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.gzip import GZipMiddleware

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


#: Pages whose URL carries a secret (a signed link, a reset or invitation token) and that
#: answer without a session: never compressed (BREACH; docs/decisions/0014-measured-speed.md).
UNCOMPRESSED_PREFIXES = ("/api/", "/account/set-password/", "/invitations/", "/aftercare/")


class PageGZipMiddleware(GZipMiddleware):
    """Compresses the staff's HTML pages (production), nothing else.

    API answers (tokens, health data as JSON) and pages reached by a secret link stay
    uncompressed. The pages that are compressed need the session cookie, which is
    SameSite=Lax, so another site cannot make the browser fetch them in bulk, as BREACH
    needs; Django masks the CSRF token afresh per response and pads the gzip header.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if request.path.startswith(UNCOMPRESSED_PREFIXES):
            return response
        return super().process_response(request, response)
