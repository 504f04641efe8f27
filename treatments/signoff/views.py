"""The clinical sign-off page (decision 0019)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from clinic.reauth import PasswordConfirmForm
from clinic.roles import Ability, can
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError
from treatments.signoff import selectors, services
from treatments.signoff.datasets import data_sets


def _rows(status: selectors.SignOffStatus) -> list[dict]:
    changed = {d.key for d in status.changed}
    return [
        {
            "key": d.key,
            "label": d.label,
            "version": status.in_force[d.key],
            "url": reverse(d.page) if d.page else "",
            "signed_version": status.latest.versions.get(d.key) if status.latest else None,
            "changed": d.key in changed,
        }
        for d in data_sets()
    ]


def _history(clinic) -> list[Any]:
    labels = {d.key: d.label for d in data_sets()}
    history = selectors.sign_off_history(clinic=clinic)
    for item in history:
        item.labelled = [  # type: ignore[attr-defined]
            (labels.get(key, key), version) for key, version in item.versions.items()
        ]
    return history


def sign_off_form(data: Any = None) -> PasswordConfirmForm:
    return PasswordConfirmForm(
        data,
        help_text="Signing off is your signature: confirm it with the password you sign in with.",
    )


class SignOffView(ClinicStaffMixin, View):
    """Every staff member sees the state; practitioners and managers sign, with their
    password again (decision 0011: the same act as signing a treatment record)."""

    def page(
        self,
        request,
        *,
        error: str = "",
        status: int = 200,
        form: PasswordConfirmForm | None = None,
    ):
        state = selectors.sign_off_status(clinic=self.clinic)
        return render(
            request,
            "signoff/sign_off.html",
            {
                "state": state,
                "rows": _rows(state),
                "history": _history(self.clinic),
                "may_sign": can(self.membership, Ability.SIGN_OFF),
                "error": error,
                "form": form or sign_off_form(),
                # A refused password keeps the tick: the signer types the password again only.
                "accepted": form is not None and request.POST.get("accept") == "on",
            },
            status=status,
        )

    def get(self, request):
        return self.page(request)

    def post(self, request):
        membership = self.membership
        if membership is None or not can(membership, Ability.SIGN_OFF):
            raise PermissionDenied("Only a practitioner or a manager signs off the clinical data.")
        expected = {d.key: request.POST.get(f"version_{d.key}", "") for d in data_sets()}
        try:
            parsed = {k: int(v) for k, v in expected.items()}
        except ValueError:
            return self.page(request, error="The form is out of date; review it again.", status=400)
        # The director's signature: their password again, whoever left the screen open.
        form = sign_off_form(request.POST)
        wrong = form.confirm(
            request=request,
            purpose=services.PASSWORD_PURPOSE,
            object_type="clinical_sign_off",
            clinic_id=self.clinic.pk,
        )
        if wrong is not None:
            return self.page(request, status=wrong, form=form)
        try:
            services.clinical_sign_off(
                clinic=self.clinic,
                actor=request.user,
                role=membership.role,
                accepted=request.POST.get("accept") == "on",
                expected=parsed,
            )
        except ApplicationError as exc:
            return self.page(request, error=exc.detail, status=exc.status_code)
        messages.success(request, "Signed off. Treatments can be booked.")
        return redirect("clinical-sign-off")
