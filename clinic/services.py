"""Writes for clinics, staff and clients: one transaction each, audited."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from knox.models import AuthToken

from clinic import lockout
from clinic.models import Client, Clinic, Membership, Role, User
from common.audit import audit_record
from common.errors import ApplicationError, Conflict

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


@transaction.atomic
def client_create(*, clinic: Clinic, actor: User, data: dict[str, Any]) -> Client:
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
        detail=_audit_detail_changed([f for f in CLIENT_FIELDS if f in data]),
    )
    return client


@transaction.atomic
def client_update(*, client: Client, actor: User, data: dict[str, Any]) -> Client:
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


def client_list_read(*, clinic: Clinic, actor: User, search: str, count: int) -> None:
    audit_record(
        actor=actor,
        action="list",
        object_type="client",
        clinic_id=clinic.pk,
        detail={"search": bool(search), "results": count},
    )


@transaction.atomic
def staff_add(
    *, clinic: Clinic, actor: User, email: str, full_name: str, role: str, request=None
) -> Membership:
    """Give a person a role at the clinic, creating their account if needed.

    A new account has no usable password; the person receives a link to choose one.
    """
    if role not in Role.values:
        raise ApplicationError("Unknown role.", fields={"role": ["Choose a valid role."]})
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=None, full_name=full_name)
    elif Membership.objects.filter(user=user, clinic=clinic).exists():
        raise Conflict(
            f"{email} is already on the staff of {clinic.name}.",
            code="already_staff",
            fields={"email": ["This person is already on the staff."]},
        )
    membership = Membership.objects.create(user=user, clinic=clinic, role=role)
    audit_record(
        actor=actor,
        action="create",
        object_type="membership",
        object_id=membership.pk,
        clinic_id=clinic.pk,
        detail={"role": role, "new_account": created},
    )
    if created:
        transaction.on_commit(lambda: _send_set_password(email, request))
    return membership


def _send_set_password(email: str, request) -> None:
    """E-mail a one-time link to choose a password (Django's reset token)."""
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    context = {
        "email": user.email,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": "https" if request is not None and request.is_secure() else "http",
        "domain": request.get_host() if request is not None else settings.SITE_DOMAIN,
    }
    subject = "".join(render_to_string("registration/staff_invite_subject.txt", context).split())
    body = render_to_string("registration/staff_invite_email.txt", context)
    send_mail(subject, body, None, [user.email])


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
    return AuthToken.objects.create(user=user)


def api_tokens_revoke(*, user: User) -> int:
    """End every API token of the account (logout everywhere, removal from a clinic)."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted
