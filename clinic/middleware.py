"""Request-wide behaviour that needs to know the acting clinic."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from clinic.access import request_membership


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
