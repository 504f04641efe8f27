"""Asking the signed-in staff member for their password again (decision 0011).

Signing a treatment record and leaving the consent client mode are acts of the person,
not of whoever finds the computer unlocked. The check goes through ``authenticate()``,
so the sign-in lockout (django-axes) counts a wrong password as a failed sign-in: at the
account's limit even the right password is refused until the cool-off has passed or a
manager unlocks the account, exactly as at the login page. Every refusal is a ``denied``
audit event naming what was being confirmed; the password itself is never recorded.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.http import HttpRequest

from clinic import lockout
from common.audit import audit_record
from common.errors import ApplicationError
from common.models import AuditEvent

WRONG_PASSWORD = "That is not your password. Nothing was done."  # noqa: S105 (a message)
PASSWORD_REQUIRED = "Type your password to confirm."  # noqa: S105 (a message)


def password_confirm(
    *,
    request: HttpRequest,
    password: str,
    purpose: str,
    object_type: str,
    object_id: object = "",
    clinic_id: int | None = None,
    client_id: int | None = None,
) -> None:
    """Pass if ``password`` is the signed-in user's; otherwise audit and refuse.

    Raises ``ApplicationError`` with ``fields={"password": …}``: ``wrong_password`` (400)
    or ``locked_out`` (429). ``purpose`` (``"session_sign"``, ``"leave_client_mode"``)
    goes into the audit event's detail.
    """
    user = request.user
    if not user.is_authenticated:
        raise ApplicationError("Sign in first.", code="not_authenticated", status_code=401)
    if not password:
        raise ApplicationError(
            PASSWORD_REQUIRED, code="password_required", fields={"password": [PASSWORD_REQUIRED]}
        )
    email = user.get_username()
    if authenticate(request, username=email, password=password) is not None:
        # As a successful sign-in does: the account's failed tries are forgiven.
        lockout.forget_failures(email)
        return
    locked = lockout.locked_out(request)
    audit_record(
        actor=user,
        # the attempted change, refused (decision 0010: refusals keep their action)
        action=AuditEvent.Action.UPDATE,
        outcome=AuditEvent.Outcome.DENIED,
        object_type=object_type,
        object_id=object_id,
        clinic_id=clinic_id,
        client_id=client_id,
        detail={"reason": "locked_out" if locked else "wrong_password", "for": purpose},
    )
    if locked:
        message = lockout.locked_message()
        raise ApplicationError(
            message, code="locked_out", status_code=429, fields={"password": [message]}
        )
    raise ApplicationError(
        WRONG_PASSWORD, code="wrong_password", fields={"password": [WRONG_PASSWORD]}
    )


class PasswordConfirmForm(forms.Form):
    """One password box: the page's part of :func:`password_confirm`."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=4096,
        error_messages={"required": PASSWORD_REQUIRED},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(
        self, *args: Any, label: str = "Your password", help_text: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = label
        self.fields["password"].help_text = help_text
        self._describe()

    def _describe(self) -> None:
        """Tie the box to its help and its error, for screen readers."""
        bound = self["password"]
        ids = [f"{bound.id_for_label}_helptext"] if bound.help_text else []
        attrs = self.fields["password"].widget.attrs
        if self.is_bound and self.errors.get("password"):
            ids.append(f"{bound.id_for_label}_error")
            attrs["aria-invalid"] = "true"
        else:
            attrs.pop("aria-invalid", None)
        if ids:
            attrs["aria-describedby"] = " ".join(ids)

    def confirm(self, *, request: HttpRequest, purpose: str, **audit: Any) -> int | None:
        """``None`` if the password is right; else the error is on the field and the
        answer's status (400, or 429 when the account is locked) is returned."""
        status: int | None = None
        if not self.is_valid():
            status = 400
        else:
            try:
                password_confirm(
                    request=request,
                    password=self.cleaned_data["password"],
                    purpose=purpose,
                    **audit,
                )
            except ApplicationError as exc:
                for message in (exc.fields or {}).get("password") or [exc.detail]:
                    self.add_error("password", message)
                status = exc.status_code
        self._describe()
        return status
