"""Writing the audit trail of health-data access.

Every read or change of a client's record goes through :func:`audit_record`. Where it
was called from a request, the address, user agent and path come from the request
context the middleware sets; tasks and commands write ``channel="task"``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.conf import settings
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
) -> AuditEvent:
    request = _current_request.get()
    ip = user_agent = path = ""
    if request is not None:
        ip = client_ip(request) or ""
        user_agent = request.META.get("HTTP_USER_AGENT", "")[:256]
        path = request.get_full_path()[:512]
        if channel is None:
            channel = "api" if request.path.startswith("/api/") else "web"
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        actor=user,
        actor_email=user.email if user is not None else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        clinic_id=clinic_id,
        client_id=client_id,
        detail=detail or {},
        channel=channel or "task",
        ip_address=ip or None,
        user_agent=user_agent,
        path=path,
    )
