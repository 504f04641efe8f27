"""Unsubscribing from optional e-mails by signed link (no login)."""

from __future__ import annotations

from typing import NoReturn

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from clinic.messaging import kinds as messaging
from clinic.messaging import links
from clinic.messaging.models import Unsubscription
from clinic.messaging.services import client_unsubscribe
from clinic.models import Client
from common.audit import audit_record
from common.errors import ApplicationError


def private_response(response: HttpResponse) -> HttpResponse:
    """Pages opened by a secret link: not cached, not indexed, the link not leaked."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def refuse_link(
    request: HttpRequest, what: str, error: links.BadLink, object_id: object = ""
) -> NoReturn:
    """An expired, tampered or unknown link: 404, and the attempt is audited.

    The event names what the link named (``object_id``, when the link could be read),
    never the link itself: the stored path has ``{token}`` in its place.
    """
    audit_record(
        actor=None,
        action="read",
        outcome="denied",
        object_type=what,
        object_id=object_id,
        detail={"reason": error.reason, "expired": error.expired},
        channel="link",
    )
    raise Http404("This link is not valid (it may have expired).")


@csrf_exempt  # the signed token is the permission; RFC 8058 one-click POSTs carry no cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners prefetch links); POST unsubscribes."""
    try:
        wanted = links.unsubscribe_from(token)
    except links.BadLink as error:
        refuse_link(request, "unsubscription", error)
    client = Client.objects.select_related("clinic").filter(pk=wanted.client_id).first()
    try:
        kind = messaging.get(wanted.kind)
    except LookupError:
        kind = None
    if client is None or kind is None or not kind.optional:
        refuse_link(
            request, "unsubscription", links.BadLink("no such client or kind"), wanted.client_id
        )
    label = kind.label
    done = Unsubscription.objects.filter(client=client, kind=wanted.kind).exists()
    if request.method == "POST" and not done:
        try:
            client_unsubscribe(client=client, kind=wanted.kind)
        except ApplicationError:
            raise Http404("This kind of e-mail cannot be stopped.") from None
        done = True
    response = render(
        request,
        "messaging/unsubscribe.html",
        {"clinic": client.clinic, "label": label, "done": done},
    )
    return private_response(response)
