"""Consent client mode: the tablet in the client's hands shows their consent and nothing else.

Staff start it from the capture screen; the browser session then remembers which client,
clinic and staff member it is for, and :class:`ConsentClientModeMiddleware` lets that
session reach only the pages in ``ALLOWED``: the capture screen of that client, the
consent they sign (the views check it is theirs), the page to leave client mode, and the
idle-timeout ping. Leaving needs the password of the staff member who started it
(``clinic.reauth``), so typing an address or pressing Back shows nothing else.
Decision 0011.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypedDict

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import Resolver404, resolve, reverse

from clinic.models import Client
from common.exceptions import error_body
from common.typing import AuthenticatedHttpRequest

logger = logging.getLogger(__name__)

SESSION_KEY = "consent_client_mode"
REFUSED = (
    "This device is in client mode: it shows only the consent. Staff leave client mode with "
    "their password."
)

#: The routes a session in client mode may reach (url names); everything else is refused.
ALLOWED = frozenset(
    {"consent-new", "consent-detail", "consent-client-leave", "session-status", "logout"}
)


class ClientMode(TypedDict):
    client_id: int
    clinic_id: int
    user_id: int
    consent_id: int | None  # the consent signed in this mode, if any


def client_mode_start(request: AuthenticatedHttpRequest, *, client: Client) -> None:
    request.session[SESSION_KEY] = ClientMode(
        client_id=client.pk, clinic_id=client.clinic_id, user_id=request.user.pk, consent_id=None
    )


def client_mode_of(request: HttpRequest) -> ClientMode | None:
    """The client mode this browser session is in, if any (and if still valid)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    mode: ClientMode | None = session.get(SESSION_KEY)
    if not mode:
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.pk != mode.get("user_id"):
        # Another person signed in on this browser: the mode was not theirs.
        session.pop(SESSION_KEY, None)
        return None
    return mode


def client_mode_signed(request: HttpRequest, *, consent_id: int) -> None:
    mode = client_mode_of(request)
    if mode is not None:
        request.session[SESSION_KEY] = {**mode, "consent_id": consent_id}


def client_mode_end(request: HttpRequest) -> ClientMode | None:
    mode = client_mode_of(request)
    request.session.pop(SESSION_KEY, None)
    return mode


def _allowed(request: HttpRequest, mode: ClientMode) -> bool:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    if match.url_name not in ALLOWED:
        return False
    if match.url_name == "consent-new":
        return bool(match.kwargs.get("pk") == mode["client_id"])
    return True


class ConsentClientModeMiddleware:
    """Keeps a browser session in client mode on the client's consent (see module doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        mode = client_mode_of(request)
        if mode is None or _allowed(request, mode):
            return self.get_response(request)
        logger.info(
            "Client mode refused %s %s (client %s)",
            request.method,
            request.path,
            mode["client_id"],
        )
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("client_mode", REFUSED), status=403)
        capture = reverse("consent-new", args=[mode["client_id"]])
        if request.headers.get("HX-Request"):
            response = HttpResponse(REFUSED, status=403, content_type="text/plain")
            response["HX-Redirect"] = capture
            return response
        response = HttpResponseRedirect(capture)
        if request.method not in ("GET", "HEAD"):
            response.status_code = 303
        return response
