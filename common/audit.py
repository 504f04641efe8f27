"""Writing the audit trail of health-data access, and its one vocabulary.

Every read or change of a client's record goes through :func:`audit_record`, and every
list read through :func:`audit_reads` (one INSERT per request, one row per object).
Where it was called from a request, the address, user agent and path come from the
request context the middleware sets (a signed link's token never: it is replaced by
``{token}``); tasks and commands write ``channel="task"``. The actions and outcomes are
``AuditEvent.Action`` and ``AuditEvent.Outcome``; the object types are
:data:`OBJECT_TYPES` (decision 0010).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, router
from django.http import HttpRequest

from common.models import AuditEvent

if TYPE_CHECKING:
    from common.typing import AnyUser

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_request", default=None)


@contextmanager
def request_context(request: HttpRequest) -> Iterator[None]:
    token = _current_request.set(request)
    try:
        yield
    finally:
        _current_request.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, by the one rule the throttle, the lockout and this log share.

    With ``TRUSTED_PROXY_COUNT`` = *n* proxies in front of us, the client is the *n*-th
    address from the right of ``X-Forwarded-For`` (the one our outermost proxy saw; what
    DRF's ``NUM_PROXIES`` picks); with 0, the header is ignored: anyone can send it.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count and forwarded:
        addresses = [part.strip() for part in forwarded.split(",")]
        candidate = addresses[-min(count, len(addresses))]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            return remote
    return remote


#: Every object type the trail names, with the label the audit page shows. Code that
#: writes an event names one of these (a test reads every ``object_type="…"``).
OBJECT_TYPES: dict[str, str] = {
    "client": "Client",
    "consent_form": "Consent form",
    "screening": "Screening",
    "screening_evaluation": "Screening evaluation (dry run)",
    "treatment_eligibility": "Treatment eligibility",
    "treatment_plan": "Treatment plan",
    "plan_proposals": "Plan proposals",
    "consent": "Signed consent",
    "appointment": "Appointment",
    "appointment_readiness": "Appointment readiness",
    "readiness_link": "Readiness link",
    "intake_link": "Online intake link",
    "booking_link": "Online booking link",
    "waitlist_entry": "Waitlist entry",
    "waitlist_offer": "Waitlist offer",
    "session_start_check": "Session start check",
    "treatment_session": "Session record",
    "session_photo": "Session photo",
    "recall": "Lot trace search",
    "aftercare_schedule": "Aftercare schedule",
    "aftercare_pdf": "Aftercare PDF",
    "outgoing_message": "E-mail to a client",
    "unsubscription": "Unsubscribe link",
    "invitation": "Staff invitation",
    "membership": "Staff member",
    "password": "Password",
    "practitioner": "Practitioner",
    "room": "Room",
    "device": "Device",
    "timeoff": "Time off",
    "workinghours": "Working hours",
    "rule_set": "Screening rules",
    "protocol_set": "Protocols",
    "consent_text": "Consent text",
    "aftercare_template": "Aftercare template",
    "clinical_sign_off": "Clinical sign-off",
    "client_import": "Client import (CSV)",
    "dashboard": "Today (dashboard)",
    "clinic": "Clinic settings",
    "consent_client_mode": "Consent client mode",
    "audit_event": "Audit trail",
    "page": "Page",
}

#: Where an event came from, as the audit page names it.
CHANNELS: dict[str, str] = {
    "web": "Staff page",
    "api": "API",
    "admin": "Admin",
    "task": "Background task",
    "link": "Client's link",
}

#: Most rows one INSERT of :func:`audit_reads` carries: 1,000 × 14 columns stays under
#: SQLite's (32,766) and PostgreSQL's (65,535) limits on parameters.
READS_PER_STATEMENT = 1000

_REQUEST_DENIED_FLAG = "_audit_denied_recorded"


def _checked(action: str, outcome: str) -> None:
    if action not in AuditEvent.Action.values or action == AuditEvent.Action.DENIED:
        raise ValueError(f"Unknown audit action {action!r}; see AuditEvent.Action.")
    if outcome not in AuditEvent.Outcome.values:
        raise ValueError(f"Unknown audit outcome {outcome!r}; see AuditEvent.Outcome.")


def redacted_path(request: HttpRequest) -> str:
    """The request's path with every signed-link token replaced by ``{token}``.

    A token opens a client's page to whoever holds it, and managers read the trail: it
    must never be stored. Tokens are the URL parts named ``token`` or ``uidb64``.
    """
    path = request.get_full_path()
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name, value in match.kwargs.items():
            if ("token" in name or name == "uidb64") and isinstance(value, str) and value:
                path = path.replace(value, "{" + name + "}")
    return path[:512]


def _request_fields(channel: str | None) -> dict[str, Any]:
    request = _current_request.get()
    fields: dict[str, Any] = {"ip_address": None, "user_agent": "", "path": ""}
    if request is not None:
        fields["ip_address"] = client_ip(request) or None
        fields["user_agent"] = request.META.get("HTTP_USER_AGENT", "")[:256]
        fields["path"] = redacted_path(request)
        if channel is None:
            channel = "api" if request.path.startswith("/api/") else "web"
    fields["channel"] = channel or "task"
    return fields


def _actor_fields(actor: AnyUser | None) -> dict[str, Any]:
    user = actor if actor is not None and actor.is_authenticated else None
    return {"actor": user, "actor_email": user.email if user is not None else ""}


def _note_denied(outcome: str) -> None:
    request = _current_request.get()
    if request is not None and outcome == AuditEvent.Outcome.DENIED:
        # The request's refusal is on record: the denial middleware need not add one.
        setattr(request, _REQUEST_DENIED_FLAG, True)


def denial_recorded(request: HttpRequest) -> bool:
    """Whether this request already wrote a ``denied`` event itself."""
    return bool(getattr(request, _REQUEST_DENIED_FLAG, False))


def audit_record(
    *,
    actor: AnyUser | None,
    action: str,
    object_type: str,
    object_id: object = "",
    clinic_id: int | None = None,
    client_id: int | None = None,
    detail: dict[str, Any] | None = None,
    channel: str | None = None,
    outcome: str = AuditEvent.Outcome.ALLOWED,
) -> AuditEvent:
    _checked(action, outcome)
    _note_denied(outcome)
    return AuditEvent.objects.create(
        **_actor_fields(actor),
        **_request_fields(channel),
        action=action,
        outcome=outcome,
        object_type=object_type,
        object_id=str(object_id),
        clinic_id=clinic_id,
        client_id=client_id,
        detail=detail or {},
    )


def audit_reads(
    *,
    actor: AnyUser | None,
    object_type: str,
    objects: Iterable[tuple[object, int | None]],
    clinic_id: int | None,
    action: str = AuditEvent.Action.LIST,
    detail: dict[str, Any] | None = None,
    channel: str | None = None,
) -> int:
    """One event per object read, written in one INSERT for the whole request.

    ``objects`` are ``(object_id, client_id)`` pairs, in the order shown. A list that
    showed nothing still writes one event (with ``detail`` saying what was asked), so a
    search that found nobody is on record too. Returns the number of events written.
    """
    _checked(action, AuditEvent.Outcome.ALLOWED)
    common = {
        **_actor_fields(actor),
        **_request_fields(channel),
        "action": action,
        "object_type": object_type,
        "clinic_id": clinic_id,
        "detail": detail or {},
    }
    pairs = list(objects) or [("", None)]
    using = router.db_for_write(AuditEvent)
    if connections[using].vendor == "postgresql":
        _insert_reads_postgresql(AuditEvent(object_id="", client_id=None, **common), pairs, using)
        return len(pairs)
    events = [
        AuditEvent(object_id=str(object_id), client_id=client_id, **common)
        for object_id, client_id in pairs
    ]
    fields = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]
    manager = AuditEvent._base_manager.using(using)
    for start in range(0, len(events), READS_PER_STATEMENT):
        # bulk_create() splits 200 rows into several statements on SQLite (it assumes
        # SQLite's old limit of 999 parameters); its insert compiler, called directly,
        # writes the batch in one statement on every database (decision 0010).
        manager._insert(  # type: ignore[attr-defined]
            events[start : start + READS_PER_STATEMENT], fields=fields
        )
    return len(events)


_PER_OBJECT = ("object_id", "client_id")


def _insert_reads_postgresql(
    template: AuditEvent, pairs: list[tuple[object, int | None]], using: str
) -> None:
    """One ``INSERT … SELECT … FROM unnest(ids, clients)``: the values every event of
    the request shares are sent and converted once, not once per object (a list of 200
    rows spent more time building the per-row INSERT than the list itself took)."""
    connection = connections[using]
    shared = [
        f
        for f in AuditEvent._meta.concrete_fields
        if not f.primary_key and f.attname not in _PER_OBJECT
    ]
    values = [f.get_db_prep_save(f.pre_save(template, True), connection) for f in shared]
    quote = connection.ops.quote_name
    columns = ", ".join([*(quote(str(f.column)) for f in shared), *map(quote, _PER_OBJECT)])
    casts = ", ".join(f"%s::{f.db_type(connection) or 'text'}" for f in shared)
    for start in range(0, len(pairs), READS_PER_STATEMENT):
        chunk = pairs[start : start + READS_PER_STATEMENT]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) "  # noqa: S608
                f"SELECT {casts}, r.object_id, r.client_id "
                "FROM unnest(%s::varchar[], %s::bigint[]) AS r(object_id, client_id)",
                [
                    *values,
                    [str(object_id) for object_id, _ in chunk],
                    [client_id for _, client_id in chunk],
                ],
            )


def audit_listed(
    *,
    actor: AnyUser | None,
    object_type: str,
    rows: Iterable[Any],
    clinic_id: int | None,
    action: str = AuditEvent.Action.LIST,
    detail: dict[str, Any] | None = None,
) -> int:
    """:func:`audit_reads` for model rows that carry ``pk`` and ``client_id``."""
    return audit_reads(
        actor=actor,
        object_type=object_type,
        objects=((row.pk, row.client_id) for row in rows),
        clinic_id=clinic_id,
        action=action,
        detail=detail,
    )
