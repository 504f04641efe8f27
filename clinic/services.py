"""Writes for clinics, staff and clients: one transaction each, audited."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import authenticate, password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from knox.models import AuthToken

from clinic import lockout
from clinic.models import Client, Clinic, Invitation, Membership, Role, User
from clinic.selectors import client_duplicates
from clinic.sender import sender_for, site_url
from clinic.tasks import send_account_email
from common.audit import audit_reads, audit_record
from common.errors import ApplicationError, Conflict, NotFound

CLIENT_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "fitzpatrick_type",
    "skin_concerns",
    "timezone",
    "email_consent",
    "notes",
)


def _audit_detail_changed(fields: list[str]) -> dict[str, Any]:
    # Names of the fields, never their values: the trail must not copy health data.
    return {"fields": sorted(fields)}


class PossibleDuplicate(Conflict):
    code = "possible_duplicate"


def _check_duplicates(clinic: Clinic, data: dict[str, Any]) -> None:
    found = client_duplicates(
        clinic=clinic,
        first_name=str(data.get("first_name") or ""),
        last_name=str(data.get("last_name") or ""),
        date_of_birth=data.get("date_of_birth"),
        email=str(data.get("email") or ""),
    )
    if not found:
        return
    first, why = found[0]
    what = "name and date of birth" if why == "name_and_birth" else "e-mail address"
    raise PossibleDuplicate(
        f"{first.full_name} (born {first.date_of_birth:%-d %B %Y}) is already a client with "
        f"the same {what}. Open that record, or confirm that this is a different person.",
        extra={
            "duplicate": first.pk,
            "duplicates": [
                {"id": client.pk, "full_name": client.full_name, "match": match}
                for client, match in found
            ],
        },
    )


@transaction.atomic
def client_create(
    *,
    clinic: Clinic,
    actor: User,
    data: dict[str, Any],
    confirm_different_person: bool = False,
) -> Client:
    """Add a client. One with the same name and date of birth, or the same e-mail, as an
    existing client of the clinic is refused (409 ``possible_duplicate``, naming them)
    unless staff confirm that this is a different person."""
    if not confirm_different_person:
        _check_duplicates(clinic, data)
    client = Client(clinic=clinic, created_by=actor)
    for field in CLIENT_FIELDS:
        if field in data:
            setattr(client, field, data[field])
    client.full_clean()
    client.save()
    audit_record(
        actor=actor,
        action="create",
        object_type="client",
        object_id=client.pk,
        clinic_id=clinic.pk,
        client_id=client.pk,
        detail={
            **_audit_detail_changed([f for f in CLIENT_FIELDS if f in data]),
            **({"confirmed_different_person": True} if confirm_different_person else {}),
        },
    )
    return client


@transaction.atomic
def client_update(
    *, client: Client, actor: User | None, data: dict[str, Any], channel: str | None = None
) -> Client:
    """Change a client's details; ``actor=None, channel="link"`` when the client changes
    their own through a signed link (online intake)."""
    # Lock the row so two receptionists saving at once apply one after the other.
    locked = Client.objects.select_for_update().get(pk=client.pk)
    changed = [f for f in CLIENT_FIELDS if f in data and getattr(locked, f) != data[f]]
    for field in changed:
        setattr(locked, field, data[field])
    if changed:
        locked.full_clean()
        locked.save()
    audit_record(
        actor=actor,
        action="update",
        object_type="client",
        object_id=locked.pk,
        clinic_id=locked.clinic_id,
        client_id=locked.pk,
        detail=_audit_detail_changed(changed),
        channel=channel,
    )
    return locked


def client_record_read(*, client: Client, actor: User, what: str = "client") -> None:
    audit_record(
        actor=actor,
        action="read",
        object_type=what,
        object_id=client.pk,
        clinic_id=client.clinic_id,
        client_id=client.pk,
    )


def client_list_read(
    *, clinic: Clinic, actor: User, search: str, clients: Iterable[Client], count: int
) -> None:
    """One ``list`` event per client shown, in one write (decision 0010)."""
    audit_reads(
        actor=actor,
        object_type="client",
        objects=((client.pk, client.pk) for client in clients),
        clinic_id=clinic.pk,
        detail={"search": bool(search), "results": count},
    )


# --- staff invitations (decision 0008) ---------------------------------------------

INVITATION_SALT = "clinic.invitation"


def invitation_token(invitation: Invitation) -> str:
    """The secret part of the invitation's link: signed, and only good for this row."""
    return signing.Signer(salt=INVITATION_SALT).sign_object(
        {"i": invitation.pk, "n": invitation.nonce}
    )


def _new_nonce() -> str:
    return secrets.token_urlsafe(24)


@transaction.atomic
def invitation_create(
    *,
    clinic: Clinic,
    actor: User | None,
    email: str,
    role: str,
    full_name: str = "",
    request: HttpRequest | None = None,
) -> Invitation:
    """Invite an e-mail address to a role at the clinic and e-mail them the link.

    No membership exists until the person accepts. The answer, and the audit trail the
    clinic's managers read, are the same whether or not the address has an account. An
    open invitation to the same address is revoked: its link stops working. ``actor``
    is None for the first manager of a new clinic (``clinic_create``).
    """
    if role not in Role.values:
        raise ApplicationError("Unknown role.", fields={"role": ["Choose a valid role."]})
    email = email.strip().lower()
    if Membership.objects.filter(clinic=clinic, user__email__iexact=email).exists():
        raise Conflict(
            f"{email} is already on the staff of {clinic.name}.",
            code="already_staff",
            fields={"email": ["This person is already on the staff."]},
        )
    now = timezone.now()
    Invitation.objects.filter(clinic=clinic, email=email, accepted_at=None, revoked_at=None).update(
        revoked_at=now, updated_at=now
    )
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                clinic=clinic,
                email=email,
                role=role,
                full_name=full_name.strip(),
                invited_by=actor,
                expires_at=now + Invitation.VALID_FOR,
                nonce=_new_nonce(),
            )
    except IntegrityError as exc:  # another manager invited the address at this moment
        raise Conflict(f"{email} was invited a moment ago.", code="invitation_pending") from exc
    audit_record(
        actor=actor,
        action="create",
        object_type="invitation",
        object_id=invitation.pk,
        clinic_id=clinic.pk,
        detail={"role": role},
    )
    _send_invitation(invitation, request)
    return invitation


@transaction.atomic
def invitation_resend(
    *, invitation: Invitation, actor: User | None, request: HttpRequest | None = None
) -> Invitation:
    """E-mail a new link, good for another 7 days; the previous link stops working."""
    locked = Invitation.objects.select_for_update().select_related("clinic").get(pk=invitation.pk)
    if not locked.is_open:
        raise Conflict("This invitation was already accepted or revoked.", code="not_open")
    locked.nonce = _new_nonce()
    locked.expires_at = timezone.now() + Invitation.VALID_FOR
    locked.save(update_fields=["nonce", "expires_at", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        object_type="invitation",
        object_id=locked.pk,
        clinic_id=locked.clinic_id,
        detail={"resent": True},
    )
    _send_invitation(locked, request)
    return locked


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None:
        raise Conflict("This invitation was already accepted.", code="not_open")
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=actor,
            action="update",
            object_type="invitation",
            object_id=locked.pk,
            clinic_id=locked.clinic_id,
            detail={"revoked": True},
        )
    return locked


def _refusal(invitation: Invitation | None, nonce: str) -> str | None:
    """Why a link to this invitation does not work, or None if it does."""
    if invitation is None:
        return "unknown"
    if not constant_time_compare(invitation.nonce, nonce):
        return "superseded"
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if timezone.now() >= invitation.expires_at:
        return "expired"
    return None


NOT_VALID = "This invitation link does not work any more. Ask your clinic manager for a new one."


def invitation_open(*, token: str) -> Invitation:
    """The invitation a link names, if the link still works; otherwise NotFound.

    A refused link (used, expired, revoked, superseded, unknown or tampered) writes a
    ``denied`` audit event: many from one address mean someone is guessing. Call it
    outside a transaction, so that the event stays when the caller's work rolls back.
    """
    invitation: Invitation | None
    reason: str | None
    try:
        payload = signing.Signer(salt=INVITATION_SALT).unsign_object(token)
        invitation_id, nonce = int(payload["i"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        invitation, nonce, reason = None, "", "tampered"
    else:
        invitation = Invitation.objects.select_related("clinic").filter(pk=invitation_id).first()
        reason = _refusal(invitation, nonce)
    if reason is not None:
        audit_record(
            actor=None,
            action="read",
            outcome="denied",
            object_type="invitation",
            object_id=invitation.pk if invitation is not None else "",
            clinic_id=invitation.clinic_id if invitation is not None else None,
            detail={"reason": reason},
        )
        raise NotFound(NOT_VALID)
    assert invitation is not None
    return invitation


def invitation_accept(
    *, invitation: Invitation, password: str, full_name: str = "", request: HttpRequest
) -> Membership:
    """Accept an open invitation: the person joins the clinic's staff in its role.

    For an address without an account, a new account is created with ``full_name`` and
    ``password`` (Django's password validators apply). An existing account must give its
    own password; the check goes through ``authenticate()``, so the sign-in lockout counts
    these tries too (and it runs before the transaction, so a refusal still counts).
    """
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is not None:
        if authenticate(request, username=user.email, password=password) is None:
            if lockout.locked_out(request):
                raise ApplicationError(lockout.locked_message(), code="locked_out", status_code=429)
            raise ApplicationError(
                f"That is not the password of the account {user.email}.",
                code="invalid_credentials",
                fields={"password": ["That is not the password of this account."]},
            )
    else:
        full_name = full_name.strip()
        if not full_name:
            raise ApplicationError(
                "Give your full name.", fields={"full_name": ["Give your full name."]}
            )
        try:
            password_validation.validate_password(
                password, user=User(email=invitation.email, full_name=full_name)
            )
        except ValidationError as exc:
            raise ApplicationError(
                "Choose another password.", fields={"password": list(exc.messages)}
            ) from exc
    return _invitation_join(
        invitation=invitation, user=user, password=password, full_name=full_name
    )


@transaction.atomic
def _invitation_join(
    *, invitation: Invitation, user: User | None, password: str, full_name: str
) -> Membership:
    locked = Invitation.objects.select_for_update().select_related("clinic").get(pk=invitation.pk)
    if _refusal(locked, invitation.nonce) is not None:  # used or revoked meanwhile
        raise NotFound(NOT_VALID)
    new_account = user is None
    if user is None:
        if User.objects.filter(email__iexact=locked.email).exists():
            raise Conflict("An account was created for this address meanwhile; try again.")
        user = User.objects.create_user(email=locked.email, password=password, full_name=full_name)
    if Membership.objects.filter(user=user, clinic=locked.clinic).exists():
        raise Conflict(
            f"You are already on the staff of {locked.clinic.name}.", code="already_staff"
        )
    membership = Membership.objects.create(user=user, clinic=locked.clinic, role=locked.role)
    locked.accepted_at = timezone.now()
    locked.accepted_by = user
    locked.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_record(
        actor=user,
        action="create",
        object_type="membership",
        object_id=membership.pk,
        clinic_id=locked.clinic_id,
        detail={"role": locked.role, "invitation": locked.pk, "new_account": new_account},
    )
    return membership


def _send_invitation(invitation: Invitation, request: HttpRequest | None) -> None:
    """Render the invitation e-mail now (its link needs the request's host); send it
    through the worker once the transaction commits."""
    context = {
        "invitation": invitation,
        "clinic": invitation.clinic,
        "inviter": invitation.invited_by,
        "role": invitation.get_role_display(),
        "url": invitation_link(invitation, request),
        "valid_days": Invitation.VALID_FOR.days,
    }
    account_email_send(
        to=invitation.email,
        subject_template="registration/staff_invite_subject.txt",
        body_template="registration/staff_invite_email.txt",
        context=context,
        clinic=invitation.clinic,
    )


def invitation_link(invitation: Invitation, request: HttpRequest | None = None) -> str:
    """The absolute address of the invitation's page (the link its e-mail carries)."""
    return _absolute(reverse("invitation-accept", args=[invitation_token(invitation)]), request)


def _absolute(path: str, request: HttpRequest | None) -> str:
    # The one base URL (SITE_URL), never the request's Host header: a forged Host must
    # not end up in an e-mail (decision 0013).
    return site_url(path)


def account_email_send(
    *,
    to: str,
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    clinic: Clinic | None = None,
) -> None:
    """Render a staff account e-mail now; the worker sends it after the commit.

    From and Reply-To are the clinic's (``clinic.sender``); ``site_url`` in the
    templates is the base of their links.
    """
    context = {**context, "site_url": site_url()}
    # A subject is one line: its lines are joined by a space, never glued together.
    subject = " ".join(render_to_string(subject_template, context).split())
    body = render_to_string(body_template, context)
    sender = sender_for(clinic)

    def send() -> None:
        send_account_email.delay(
            to=to,
            subject=subject,
            body=body,
            from_email=sender.from_email,
            reply_to=sender.reply_to,
        )

    # Robust: a broker that is down must not undo the caller's commit (it is logged).
    transaction.on_commit(send, robust=True)


@transaction.atomic
def staff_update(
    *, membership: Membership, actor: User, role: str | None = None, is_active: bool | None = None
) -> Membership:
    locked = Membership.objects.select_for_update().select_related("clinic").get(pk=membership.pk)
    new_role = role if role is not None else locked.role
    new_active = is_active if is_active is not None else locked.is_active
    if new_role not in Role.values:
        raise ApplicationError("Unknown role.", fields={"role": ["Choose a valid role."]})
    demotes_manager = locked.role == Role.MANAGER and (new_role != Role.MANAGER or not new_active)
    if demotes_manager:
        managers_left = (
            Membership.objects.filter(clinic=locked.clinic, role=Role.MANAGER, is_active=True)
            .exclude(pk=locked.pk)
            .count()
        )
        if managers_left == 0:
            raise Conflict("A clinic needs at least one active manager.", code="last_manager")
    deactivated = locked.is_active and not new_active
    locked.role = new_role
    locked.is_active = new_active
    locked.save(update_fields=["role", "is_active", "updated_at"])
    if deactivated:
        # A token is not tied to one clinic: the person signs in again for the others.
        api_tokens_revoke(user=locked.user)
    audit_record(
        actor=actor,
        action="update",
        object_type="membership",
        object_id=locked.pk,
        clinic_id=locked.clinic_id,
        detail={"role": new_role, "is_active": new_active},
    )
    return locked


@transaction.atomic
def staff_unlock(*, membership: Membership, actor: User) -> bool:
    """Let a staff member sign in again before the cool-off ends (audited).

    Returns whether the account had failed sign-ins to forget.
    """
    forgotten = lockout.forget_failures(membership.user.email)
    audit_record(
        actor=actor,
        action="update",
        object_type="membership",
        object_id=membership.pk,
        clinic_id=membership.clinic_id,
        detail={"unlocked": True},
    )
    return forgotten > 0


def api_token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new API token for a sign-in that gave the right password.

    Only its hash is stored; it expires after ``API_TOKEN_TTL_HOURS``. The account's
    failed sign-ins are forgotten, as after a sign-in on the login page. Returns the row
    and the token, which is shown this once.
    """
    lockout.forget_failures(user.email)
    instance, token = AuthToken.objects.create(user=user)
    return instance, str(token)


def api_tokens_revoke(*, user: User) -> int:
    """End every API token of the account (logout everywhere, removal from a clinic)."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return int(deleted)


@transaction.atomic
def account_password_set(*, user: User) -> None:
    """After a password reset (or a first password) by e-mailed link: the account's
    failed sign-ins are forgotten, and it is audited. The new password has already
    ended the account's API tokens (``User.save``) and other sessions."""
    lockout.forget_failures(user.email)
    audit_record(actor=user, action="update", object_type="password", object_id=user.pk)
