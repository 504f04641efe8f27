"""Message kinds: what each kind of e-mail says, and whether it is still wanted.

A kind is registered once, when the module defining it is imported (import that module
from the owning app's ``AppConfig.ready()``)::

    register(MessageKind(
        name="aftercare_day3",
        render=render_day3,            # (OutgoingMessage) -> EmailContent
        still_wanted=day3_wanted,      # (OutgoingMessage) -> reason to cancel, or None
        optional=True,                 # the client may unsubscribe from it
        label="Day-3 check-in",
    ))

``render`` builds the e-mail from ``message.context`` (ids and small values) and may
read the database; it runs in the worker, outside any transaction. ``read_at_send``
(optional) reads, at send time, the client together with what the kind's check and
renderer need, in one query (decision 0015): it returns the client as
the sender's own re-read gives it (with ``UNSUBSCRIBED_ANNOTATION`` set), or None to
let the sender read the client itself. ``still_wanted`` is
asked at send time, after the default checks every kind gets
(:func:`default_cancel_reason`): the client has an e-mail address, still consents to
e-mail and has not unsubscribed from an optional kind. A kind whose ``audience`` is
``clinic`` goes to the clinic's own address instead (the readiness flag): only that
address is checked.

"Too late" is the kind's own: ``max_lateness`` (None: the setting
``MESSAGE_MAX_LATENESS``) is how long after its ``due_at`` a message may still go out.
A message past it is *skipped*, when it is created (:func:`too_late_reason` in
``message_schedule``) or at send time, never sent (decision 0013).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from clinic.branding import document_logo
from clinic.messaging.models import OutgoingMessage, Unsubscription
from clinic.models import Client, Clinic

Attachment = tuple[str, bytes, str]  # (filename, content, MIME type)
AUDIENCES = ("client", "clinic")
#: An image the HTML part shows as ``src="cid:<content id>"``: (content id, content, MIME type).
InlineImage = tuple[str, bytes, str]


@dataclass(frozen=True)
class EmailContent:
    subject: str
    text: str
    html: str
    to: list[str]
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    #: Sent with the HTML part (multipart/related), e.g. the clinic's logo.
    inline_images: list[InlineImage] = field(default_factory=list)


#: The box the logo is shown in at the top of an e-mail, in CSS pixels (width, height).
EMAIL_LOGO_BOX = (200, 64)


def clinic_logo_inline(clinic: Clinic) -> tuple[dict[str, object], list[InlineImage]]:
    """The clinic's logo for an e-mail: the template context (``logo_cid``, shown as
    ``<img src="cid:{{ logo_cid }}">``, and the size to show it at, ``logo_width`` and
    ``logo_height``) and the inline part carrying it; ``({}, [])`` when the clinic has no
    logo (the e-mail is then as it always was)."""
    logo = document_logo(clinic)
    if logo is None:
        return {}, []
    scale = min(EMAIL_LOGO_BOX[0] / logo.width, EMAIL_LOGO_BOX[1] / logo.height, 1.0)
    context: dict[str, object] = {
        "logo_cid": logo.cid,
        "logo_width": max(1, round(logo.width * scale)),
        "logo_height": max(1, round(logo.height * scale)),
    }
    return context, [(logo.cid, logo.data, logo.content_type)]


@dataclass(frozen=True)
class MessageKind:
    name: str
    render: Callable[[OutgoingMessage], EmailContent]
    still_wanted: Callable[[OutgoingMessage], str | None]
    optional: bool = False
    label: str = ""
    #: How late it may still go out, counted from ``due_at``; None: MESSAGE_MAX_LATENESS.
    max_lateness: timedelta | None = None
    #: Who receives it: ``client`` (their address, their consent) or ``clinic`` (the
    #: clinic's own reply-to address: a note to staff about the client, so the client's
    #: e-mail consent and unsubscriptions do not apply).
    audience: str = "client"
    #: Reads the client (fresh, with the unsubscription annotated) and the kind's own
    #: rows in one round trip at send time; None (or returning None): the client alone.
    read_at_send: Callable[[OutgoingMessage], Client | None] | None = None
    #: The client asked for this very message a moment ago (the link that confirms their
    #: online booking request): it goes to the address they typed without asking their
    #: standing consent to e-mail (decision 0021).
    requested: bool = False

    def __post_init__(self) -> None:
        if self.audience not in AUDIENCES:
            raise ValueError(f"A message kind's audience is one of {AUDIENCES}.")
        if self.audience == "clinic" and self.optional:
            raise ValueError("A message to the clinic cannot be optional.")

    @property
    def lateness_allowed(self) -> timedelta:
        return self.max_lateness if self.max_lateness is not None else settings.MESSAGE_MAX_LATENESS


_registry: dict[str, MessageKind] = {}


def register(kind: MessageKind) -> MessageKind:
    """Make ``kind`` known to the scheduler and the sender. Registering twice is an error."""
    existing = _registry.get(kind.name)
    if existing is not None and existing != kind:
        raise ValueError(f"A different message kind named {kind.name!r} is already registered.")
    _registry[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Forget a kind (tests register their own kinds and clean up after themselves)."""
    _registry.pop(name, None)


def get(name: str) -> MessageKind:
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"No message kind named {name!r} is registered.") from None


def registered() -> list[MessageKind]:
    return sorted(_registry.values(), key=lambda kind: kind.name)


def default_cancel_reason(
    message: OutgoingMessage, *, kind: MessageKind, now: datetime
) -> str | None:
    """The checks every kind gets at send time; a reason to cancel, or None."""
    if kind.audience == "clinic":
        if not message.clinic.effective_reply_to:
            return "The clinic has no e-mail address."
        return None
    client = message.client
    if not client.email:
        return "The client has no e-mail address."
    if not client.email_consent and not kind.requested:
        return "The client withdrew consent to e-mail."
    if kind.optional and _unsubscribed(client, kind.name):
        return f"The client unsubscribed from {kind.label or kind.name}."
    return None


def _duration(delta: timedelta) -> str:
    """``31 minutes``, ``12.0 hours``, ``6 hours``, ``3 days``: for reasons staff read."""
    seconds = delta.total_seconds()
    if seconds < 2 * 3600:
        return f"{round(seconds / 60)} minutes"
    if seconds >= 2 * 86400 and seconds % 86400 == 0:
        return f"{seconds / 86400:.0f} days"
    if seconds % 3600 == 0:
        return f"{seconds / 3600:.0f} hours"
    return f"{seconds / 3600:.1f} hours"


def too_late_reason(*, kind: str, due_at: datetime, now: datetime) -> str | None:
    """Why a ``kind`` message due at ``due_at`` is too late to send at ``now``, or None."""
    allowed = get(kind).lateness_allowed
    late_by = now - due_at
    if late_by <= allowed:
        return None
    return (
        f"Too late: it was due {_duration(late_by)} ago; this kind goes out at most "
        f"{_duration(allowed)} after its time."
    )


# Set by the sender when it re-reads the client at send time (one query for the client
# and whether they unsubscribed from the message's kind).
UNSUBSCRIBED_ANNOTATION = "unsubscribed_from_message_kind"


def _unsubscribed(client: Client, kind: str) -> bool:
    known: bool | None = getattr(client, UNSUBSCRIBED_ANNOTATION, None)
    if known is not None:
        return known
    return Unsubscription.objects.filter(client_id=client.pk, kind=kind).exists()


def cancel_reason(message: OutgoingMessage, *, now: datetime) -> str | None:
    """Why ``message`` is no longer wanted (default checks, then the kind's), or None.

    Lateness is asked separately (:func:`too_late_reason`): a late message is skipped,
    not cancelled.
    """
    kind = get(message.kind)
    return default_cancel_reason(message, kind=kind, now=now) or kind.still_wanted(message)
