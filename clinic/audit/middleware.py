"""Every refused attempt of a signed-in person is on record (decision 0010).

A 403 (a role that may not) or a 404 (another clinic's object, or none at all: the
same answer) from a route of the product writes one ``denied`` event. The middleware
only reads the answer; it never changes it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from clinic.access import request_membership
from common.audit import audit_record, denial_recorded
from common.models import AuditEvent

#: The URL word before an id, or the page's own word, to the object type it names.
SEGMENT_TYPES: dict[str, str] = {
    "clients": "client",
    "screenings": "screening",
    "plans": "treatment_plan",
    "treatment-plans": "treatment_plan",
    "sessions": "treatment_session",
    "photos": "session_photo",
    "consents": "consent",
    "appointments": "appointment",
    "staff": "membership",
    "invitations": "invitation",
    "reminders": "outgoing_message",
    "practitioners": "practitioner",
    "rooms": "room",
    "devices": "device",
    "resources": "practitioner",
    "rules": "rule_set",
    "rule-sets": "rule_set",
    "protocols": "protocol_set",
    "consent-texts": "consent_text",
    "recalls": "recall",
    "aftercare": "aftercare_schedule",
    "audit": "audit_event",
}

METHOD_ACTIONS: dict[str, str] = {
    "GET": AuditEvent.Action.READ,
    "HEAD": AuditEvent.Action.READ,
    "OPTIONS": AuditEvent.Action.READ,
    "POST": AuditEvent.Action.CREATE,
    "PUT": AuditEvent.Action.UPDATE,
    "PATCH": AuditEvent.Action.UPDATE,
    "DELETE": AuditEvent.Action.DELETE,
}

DENIED_STATUSES = frozenset({403, 404})


def requested_object(path: str) -> tuple[str, str]:
    """``(object_type, object_id)`` a path asks for: the first id and the word before it.

    ``/api/clients/7/screenings/`` asks for client 7 (it is what a 404 there refuses);
    a path without an id names its last known word (``/staff/`` → ``membership``).
    """
    segments = [part for part in path.split("/") if part and part != "api"]
    known = "page"
    for index, part in enumerate(segments):
        if part.isdigit():
            before = segments[index - 1] if index else ""
            return SEGMENT_TYPES.get(before, known), part
        known = SEGMENT_TYPES.get(part, known)
    return known, ""


def record_denial(request: HttpRequest, response: HttpResponse) -> None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return
    if getattr(request, "resolver_match", None) is None or denial_recorded(request):
        return
    membership = request_membership(request)
    object_type, object_id = requested_object(request.path)
    match = request.resolver_match
    audit_record(
        actor=user,
        action=METHOD_ACTIONS.get(request.method or "GET", AuditEvent.Action.READ),
        outcome=AuditEvent.Outcome.DENIED,
        object_type=object_type,
        object_id=object_id,
        clinic_id=membership.clinic_id if membership is not None else None,
        detail={
            "status": response.status_code,
            "method": request.method,
            "route": match.view_name if match is not None else "",
        },
    )


class DeniedAuditMiddleware:
    """Writes one ``denied`` audit event for a refused request (403 or 404)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code in DENIED_STATUSES:
            record_denial(request, response)
        return response
