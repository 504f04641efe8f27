"""What the booking pages share: refusals as page errors, links, the no-JS search URL."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse

from clinic.booking import services as booking
from common.errors import ApplicationError, NotFound
from treatments.screening.errors import ScreeningBlocksTreatment

CSRF_FIELD = "csrfmiddlewaretoken"


def not_found(exc: NotFound) -> Http404:
    return Http404(exc.detail)


def optional_url(name: str, *args: Any) -> str | None:
    """A link to a page another app provides, if that app has routed it yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def stripped_query(request: HttpRequest) -> HttpResponseRedirect | None:
    """Drop the CSRF token a no-JS "Find free slots" GET carries from the POST form.

    The search shares the booking form's fields, so without JavaScript the browser sends
    the token in the query string; redirecting keeps it out of history and shared links.
    """
    if CSRF_FIELD not in request.GET:
        return None
    query = request.GET.copy()
    del query[CSRF_FIELD]
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")


def service_error(form: forms.Form, exc: ApplicationError) -> dict[str, Any] | None:
    """A refusal from booking.py as a page alert, or as errors next to the fields."""

    if isinstance(exc, ScreeningBlocksTreatment):
        screening = exc.extra.get("screening", {})
        eligible = screening.get("eligible_from")
        return {
            "kind": "screening",
            "title": "This treatment cannot be booked",
            "detail": exc.detail,
            "findings": screening.get("findings", []),
            "eligible_from": date.fromisoformat(eligible) if eligible else None,
        }
    if isinstance(exc, booking.SlotUnavailable):
        detail = exc.detail
        if not detail.startswith("That time is taken"):
            detail = f"That time is not available: {detail}"
        return {"kind": "slot", "title": "Choose another time", "detail": detail}
    if isinstance(exc, booking.IntervalTooShort):
        return {
            "kind": "interval",
            "title": "Too soon after another treatment",
            "detail": exc.detail,
        }
    if exc.fields:
        where = {"end": "duration", "start": "start_time"}
        for name, errors in exc.fields.items():
            target = where.get(name, name)
            for error in errors:
                form.add_error(target if target in form.fields else None, error)
        return None
    form.add_error(None, exc.detail)
    return None


def error_status(exc: ApplicationError) -> int:
    return exc.status_code if exc.status_code in (400, 409) else 400
