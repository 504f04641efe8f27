"""Online intake for a new client (DOMAIN.md §6 "Online intake", decision 0020).

A signed link opens a page where the client checks their details and answers the whole
questionnaire. The token is ``Signer(salt="screening.intake")`` over one
:class:`IntakeLink` row's id, so the row decides: open for 14 days, unless staff revoke
it or the client has already sent their answers (one link, one submission). The answers
become a client-submitted screening (``source=client``): it may block a treatment on its
own and becomes usable for booking one only once staff confirm it
(``services.screening_confirm``, the one decision in ``selectors.eligibility_on``).

The link reaches the client in the first booking confirmation of a client with no
screening in force (booking's renderer asks :func:`intake_url_for_booking`), or from
the client page / ``POST /api/clients/{id}/intake-link/`` with its own e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic import services as clinic_services
from clinic.messaging import kinds as messaging
from clinic.messaging.links import BadLink, absolute
from clinic.messaging.models import OutgoingMessage
from clinic.messaging.services import message_schedule
from clinic.models import Client, User
from common.audit import audit_record
from treatments.screening.models import IntakeLink, Screening
from treatments.screening.selectors import BLOCKING, screenings_in_force
from treatments.screening.services import client_screening_take

SALT = "screening.intake"
#: How long a link opens the page (the issue: 14 days).
VALID_FOR = timedelta(days=14)
#: Client fields the client may correct on the page.
DETAIL_FIELDS = ("first_name", "last_name", "date_of_birth", "phone", "email", "email_consent")
EMAIL_KIND = "intake_link"


# --- the link ---------------------------------------------------------------------------


def token_for(link: IntakeLink) -> str:
    return signing.Signer(salt=SALT).sign(str(link.pk))


def page_url_for(link: IntakeLink) -> str:
    return absolute(reverse("intake-page", args=[token_for(link)]))


def closed_reason(link: IntakeLink, now: datetime) -> str | None:
    """Why ``link`` no longer opens the page, or None while it is open."""
    if link.submitted_at is not None:
        return "already submitted"
    if link.revoked_at is not None:
        return "revoked"
    if now >= link.expires_at:
        return "expired"
    return None


def link_from_token(token: str) -> IntakeLink:
    """The open link a token names, or :class:`BadLink` (tampered, another salt, unknown,
    revoked, expired, already used). ``BadLink.link_id`` names the row when the
    signature was good."""
    try:
        link_id = int(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise BadLink("bad signature") from None
    link = IntakeLink.objects.select_related("client", "clinic").filter(pk=link_id).first()
    if link is None:
        raise _bad("no such link", link_id)
    reason = closed_reason(link, timezone.now())
    if reason is not None:
        raise _bad(reason, link_id, expired=reason == "expired")
    return link


def _bad(reason: str, link_id: int, *, expired: bool = False) -> BadLink:
    error = BadLink(reason, expired=expired)
    error.link_id = link_id  # type: ignore[attr-defined]
    return error


def intake_link_latest(*, client: Client) -> IntakeLink | None:
    """The client's newest link, whatever became of it (the client page shows it)."""
    return (
        IntakeLink.objects.filter(client=client)
        .select_related("created_by", "screening")
        .order_by("-created_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class LinkState:
    """What the client page says about a link."""

    kind: str  # open, submitted, revoked, expired
    label: str
    tone: str


def link_state(link: IntakeLink, now: datetime | None = None) -> LinkState:
    now = now or timezone.now()
    if link.submitted_at is not None:
        return LinkState("submitted", "Answers received", "ok")
    if link.revoked_at is not None and link.revoked_at < link.expires_at:
        return LinkState("revoked", "Revoked", "neutral")
    if now >= link.expires_at or link.revoked_at is not None:
        return LinkState("expired", "Expired", "neutral")
    return LinkState("open", "Open", "warn")


def _revoke_open(client: Client, now: datetime) -> None:
    IntakeLink.objects.filter(
        client=client, revoked_at__isnull=True, submitted_at__isnull=True
    ).update(revoked_at=now)


@dataclass(frozen=True)
class SentLink:
    link: IntakeLink
    url: str
    emailed: bool
    #: Why no e-mail was queued (no address, no consent), for the staff member.
    not_emailed_reason: str = ""


@transaction.atomic
def intake_link_send(*, client: Client, actor: User) -> SentLink:
    """Staff make a new intake link for ``client`` (any earlier open one stops working) and
    queue an e-mail with it through the outbox when the client can be e-mailed."""
    Client.objects.select_for_update().filter(pk=client.pk).first()
    now = timezone.now()
    _revoke_open(client, now)
    link = IntakeLink.objects.create(
        clinic_id=client.clinic_id, client=client, created_by=actor, expires_at=now + VALID_FOR
    )
    reason = ""
    if not client.email:
        reason = "The client has no e-mail address: give them the link."
    elif not client.email_consent:
        reason = "The client has not agreed to e-mails: give them the link."
    else:
        message_schedule(
            clinic=client.clinic,
            client=client,
            kind=EMAIL_KIND,
            due_at=now,
            dedupe_key=f"intake:link:{link.pk}",
            context={"link_id": link.pk},
            send_now=True,
        )
    audit_record(
        actor=actor,
        action="create",
        object_type="intake_link",
        object_id=link.pk,
        clinic_id=client.clinic_id,
        client_id=client.pk,
        detail={"emailed": not reason},
    )
    return SentLink(
        link=link, url=page_url_for(link), emailed=not reason, not_emailed_reason=reason
    )


@transaction.atomic
def intake_link_revoke(*, link: IntakeLink, actor: User) -> IntakeLink:
    """Staff stop a link from opening (sent to the wrong address, say)."""
    locked = IntakeLink.objects.select_for_update().get(pk=link.pk)
    if locked.revoked_at is None and locked.submitted_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="update",
            object_type="intake_link",
            object_id=locked.pk,
            clinic_id=locked.clinic_id,
            client_id=locked.client_id,
            detail={"revoked": True},
        )
    return locked


def needs_intake(client: Client) -> bool:
    """No screening in force: nothing staff stand behind, and no answers from the client
    waiting for them."""
    confirmed, pending = screenings_in_force(client=client, today=client.clinic.local_today())
    return confirmed is None and not pending


@transaction.atomic
def intake_url_for_booking(client: Client) -> str | None:
    """The intake page for a booking confirmation: the client's open link, or a new one
    (made by no one: the confirmation made it); None when the client has a screening in
    force and needs no intake."""
    if not needs_intake(client):
        return None
    return page_url_for(_open_link(client, detail={"booking_confirmation": True}))


@transaction.atomic
def intake_url_for_course(client: Client) -> str | None:
    """The intake page for a returning client whose answers will be too old for the dates
    they want (the online booking of a course's next session, decision 0021): the open
    link, or a new one. None while answers they sent are still waiting for staff: a second
    questionnaire would add nothing until those are confirmed."""
    _confirmed, pending = screenings_in_force(client=client, today=client.clinic.local_today())
    if pending:
        return None
    return page_url_for(_open_link(client, detail={"course_booking": True}))


def _open_link(client: Client, *, detail: dict[str, bool]) -> IntakeLink:
    """The client's open intake link, or a new one made by no one (audited as such)."""
    Client.objects.select_for_update().filter(pk=client.pk).first()
    now = timezone.now()
    link = (
        IntakeLink.objects.filter(
            client=client,
            revoked_at__isnull=True,
            submitted_at__isnull=True,
            expires_at__gt=now,
        )
        .order_by("-id")
        .first()
    )
    if link is None:
        _revoke_open(client, now)  # an expired one still counts as open in the database
        link = IntakeLink.objects.create(
            clinic_id=client.clinic_id, client=client, expires_at=now + VALID_FOR
        )
        audit_record(
            actor=None,
            action="create",
            object_type="intake_link",
            object_id=link.pk,
            clinic_id=client.clinic_id,
            client_id=client.pk,
            detail=detail,
        )
    return link


# --- what the client sends ----------------------------------------------------------------


@dataclass(frozen=True)
class Submitted:
    link: IntakeLink
    screening: Screening
    message: str

    @property
    def blocked(self) -> bool:
        return self.screening.outcome in BLOCKING


@transaction.atomic
def intake_submit(*, link: IntakeLink, details: dict[str, Any], raw_answers: object) -> Submitted:
    """Store the client's details and answers: the client row updated (audited as done
    through the link) and a client-submitted screening for today in the clinic's zone.

    Every question must be answered (400 naming the missing ones); nothing is stored
    unless all of it is. A link used, revoked or expired meanwhile raises
    :class:`BadLink`, like opening it.
    """
    locked = IntakeLink.objects.select_for_update().select_related("clinic").get(pk=link.pk)
    reason = closed_reason(locked, timezone.now())
    if reason is not None:
        raise _bad(reason, locked.pk, expired=reason == "expired")
    client = Client.objects.select_related("clinic").get(pk=locked.client_id)
    changes = {name: value for name, value in details.items() if name in DETAIL_FIELDS}
    if changes:
        client = clinic_services.client_update(
            client=client, actor=None, data=changes, channel="link"
        )
    screening = client_screening_take(
        client=client, planned_date=client.clinic.local_today(), raw_answers=raw_answers
    )
    locked.screening = screening
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["screening", "submitted_at"])
    audit_record(
        actor=None,
        action="update",
        object_type="intake_link",
        object_id=locked.pk,
        clinic_id=locked.clinic_id,
        client_id=client.pk,
        detail={"submitted": True, "screening": screening.pk},
        channel="link",
    )
    return Submitted(link=locked, screening=screening, message=thank_you(client, screening))


def thank_you(client: Client, screening: Screening) -> str:
    clinic = client.clinic
    if screening.outcome in BLOCKING:
        return (
            f"Thank you, {client.first_name}. From your answers the treatment may need to "
            f"wait; {clinic.name} will call you to talk it through."
        )
    return f"{clinic.name} has your details and answers."


def intake_viewed(*, link: IntakeLink) -> None:
    """The page or its API twin showed the client's details: a read through the link."""
    audit_record(
        actor=None,
        action="read",
        object_type="client",
        object_id=link.client_id,
        clinic_id=link.clinic_id,
        client_id=link.client_id,
        detail={"intake_link": link.pk},
        channel="link",
    )


# --- the e-mail with the link --------------------------------------------------------------


def _link_of(message: OutgoingMessage) -> IntakeLink | None:
    return (
        IntakeLink.objects.select_related("client", "clinic")
        .filter(pk=message.context.get("link_id"), clinic_id=message.clinic_id)
        .first()
    )


def _still_wanted(message: OutgoingMessage) -> str | None:
    link = _link_of(message)
    if link is None:
        return "The intake link no longer exists."
    reason = closed_reason(link, timezone.now())
    if reason is not None:
        return f"The intake link is {reason}."
    return None


def _render(message: OutgoingMessage) -> messaging.EmailContent:
    link = _link_of(message)
    if link is None:  # still_wanted stops this first; be safe anyway
        raise LookupError("intake link missing")
    clinic, client = link.clinic, link.client
    context = {
        "clinic": clinic,
        "client": client,
        "url": page_url_for(link),
        "expires_local": link.expires_at.astimezone(clinic.zone),
    }
    logo, inline_images = messaging.clinic_logo_inline(clinic)
    context.update(logo)
    with timezone.override(clinic.zone):
        subject = " ".join(render_to_string("emails/intake_subject.txt", context).split())
        text = render_to_string("emails/intake.txt", context)
        html = render_to_string("emails/intake.html", context)
    return messaging.EmailContent(
        subject=subject, text=text, html=html, inline_images=inline_images, to=[client.email]
    )


def register_kinds() -> None:
    messaging.register(
        messaging.MessageKind(
            name=EMAIL_KIND,
            render=_render,
            still_wanted=_still_wanted,
            label="Online intake link",
            # The link lasts 14 days; an e-mail days late still helps the client.
            max_lateness=VALID_FOR,
        )
    )
