"""Request-wide middleware: the audit context, health checks, refused input."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render

from common.audit import request_context
from common.exceptions import error_body, status_error_body
from common.health import LIVE, run_checks
from common.validation import NUL, NUL_MESSAGE, nul_fields


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with request_context(request):
            return self.get_response(request)


class ApiErrorFormatMiddleware:
    """Every error answer under ``/api/`` is JSON in the API's format, DEBUG or not.

    Views and the handlers in ``common.views`` already answer JSON; what is left are the
    answers Django writes itself: under DEBUG its technical 404 and 500 pages (which
    bypass the handlers), and the refusals of middleware (``APPEND_SLASH`` on a POST).
    The exception was already logged by Django; only the body changes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and request.path.startswith("/api/")
            and response.get("Content-Type", "").split(";")[0] in ("text/html", "text/plain")
        ):
            replaced = JsonResponse(
                status_error_body(response.status_code), status=response.status_code
            )
            for header in ("Allow", "Retry-After", "WWW-Authenticate", "Cache-Control"):
                if header in response:
                    replaced[header] = response[header]
            return replaced
        return response


class ConstraintRefusalMiddleware:
    """Pages: a database constraint that refused the input is a 400/409 page naming the
    field, never a 500 (the API's exception handler does the same for the API).

    Views show what services check on their forms; this is for what only the database
    caught (two people saving the same name at once).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.db import IntegrityError

        from common.integrity import constraint_refusal

        if not isinstance(exception, IntegrityError) or request.path.startswith("/api/"):
            return None
        refusal = constraint_refusal(exception)
        if refusal is None:
            return None
        named = sorted(refusal.fields or {})
        message = refusal.detail
        if named:
            message += " (" + ", ".join(f.replace("_", " ") for f in named) + ")"
        message += " Nothing was saved. Go back, change it and save again."
        context = {"title": "Not saved", "message": message}
        return render(request, "400.html", context, status=refusal.status_code)


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


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RejectNulMiddleware:
    """Refuses a NUL character in the path, the query string or a form field (decision 0009).

    The API answers 400 in its error format, naming the fields; a page answers the 400
    page naming them. JSON bodies are checked by their parser (``common.parsers``), where
    the document is decoded.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        fields = self.nul_fields(request)
        if fields:
            return nul_refused(request, fields)
        return self.get_response(request)

    @staticmethod
    def nul_fields(request: HttpRequest) -> list[str]:
        if NUL in request.path:
            return ["path"]
        fields = nul_fields((k, v) for k, values in request.GET.lists() for v in values)
        if request.method in ("POST", "PUT", "PATCH") and request.content_type in _FORM_TYPES:
            try:
                posted = [(k, v) for k, values in request.POST.lists() for v in values]
                files = [(k, f.name or "") for k, items in request.FILES.lists() for f in items]
            except Exception:  # a body Django cannot read is answered by the view, as before
                return fields
            fields += [f for f in nul_fields([*posted, *files]) if f not in fields]
        return fields


def nul_refused(request: HttpRequest, fields: list[str]) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(
                "invalid", "The request has invalid fields.", {f: [NUL_MESSAGE] for f in fields}
            ),
            status=400,
        )
    message = (
        "The address or form contained a null character, which cannot be stored ("
        + ", ".join(fields)
        + "). Remove it and try again."
    )
    return render(request, "400.html", {"message": message}, status=400)
