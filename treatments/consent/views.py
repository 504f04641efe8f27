"""Staff pages for informed consent.

The capture screen is made to hand a tablet to the client: the current consent text in
large type, the risks grouped, a typed name and a drawn signature. Like the API, the
views are thin: the forms collect input, ``consent_services`` decides and writes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from clinic import services as clinic_services
from clinic.models import Client
from clinic.publish import VersionPublishView
from clinic.reauth import PasswordConfirmForm
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError, NotFound
from common.typing import AuthenticatedHttpRequest
from treatments.consent import selectors, services
from treatments.consent.apis import consent_pdf_response
from treatments.consent.client_mode import (
    client_mode_end,
    client_mode_of,
    client_mode_signed,
    client_mode_start,
)
from treatments.consent.forms import ConsentForm, ConsentTextPublishForm
from treatments.consent.models import Consent, ConsentText


def text_context(text: ConsentText) -> dict[str, Any]:
    """A consent text as the pages show it: paragraphs and risks by group."""
    return {
        "text": text,
        "paragraphs": services.consent_text_paragraphs(text.body),
        "risk_groups": services.consent_text_risk_groups(text.risks),
    }


class ConsentNewView(ClinicStaffMixin, View):
    """The capture screen: the client reads the current text, types their name and signs."""

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        client = self.get_client(pk)
        text = services.consent_text_current(clinic=self.clinic)
        clinic_services.client_record_read(client=client, actor=request.user, what="consent_form")
        form = ConsentForm(initial={"text_version": text.version})
        return self._render(request, client, text, form)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        client = self.get_client(pk)
        text = services.consent_text_current(clinic=self.clinic)
        form = ConsentForm(request.POST)
        status = 400
        if form.is_valid():
            if form.cleaned_data["text_version"] != text.version:
                form.add_error(
                    None,
                    f"The clinic published version {text.version} of the consent text while "
                    "this page was open. Please read the text below again, then sign.",
                )
                status = 409
            else:
                try:
                    consent = services.consent_sign(
                        clinic=self.clinic,
                        actor=request.user,
                        client=client,
                        typed_name=form.cleaned_data["typed_name"],
                        signature_png=form.cleaned_data["signature"],
                        text_version=text.version,
                    )
                except ApplicationError as exc:
                    if exc.status_code == 404:
                        raise Http404(exc.detail) from exc
                    if exc.status_code == 403:
                        raise PermissionDenied(exc.detail) from exc
                    form.add_service_errors(exc.fields, exc.detail)
                    status = exc.status_code if exc.status_code >= 400 else 400
                else:
                    if client_mode_of(request) is not None:
                        client_mode_signed(request, consent_id=consent.pk)
                    else:
                        messages.success(request, f"Consent of {client.full_name} saved.")
                    url = reverse("consent-detail", args=[consent.pk])
                    return HttpResponseRedirect(f"{url}?signed=1")
        elif "typed_name" not in form.errors:
            # Say everything that is wrong in one round trip, not the name only after the
            # signature has been fixed.
            try:
                services.consent_typed_name_check(
                    client=client, typed_name=form.cleaned_data["typed_name"]
                )
            except ApplicationError as exc:
                form.add_service_errors(exc.fields, exc.detail)
        # Keep a good drawing across a typo in the name; otherwise the client signs again.
        data = request.POST.copy()
        if status == 409 or "signature" in form.errors or "text_version" in form.errors:
            data["signature"] = ""
        data["text_version"] = str(text.version)
        form.data = data
        return self._render(request, client, text, form, status=status)

    def _render(
        self,
        request: HttpRequest,
        client: Client,
        text: ConsentText,
        form: ConsentForm,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            "consent/consent_form.html",
            {
                **client_mode_context(request),
                "client": client,
                "form": form.describe(),
                "status": selectors.consent_status_for(client=client),
                **text_context(text),
            },
            status=status,
        )


def client_mode_context(request: HttpRequest) -> dict[str, Any]:
    """What a page needs to show itself in client mode (``base_client_mode.html``)."""
    mode = client_mode_of(request)
    return {
        "client_mode": mode is not None,
        "base_template": "consent/base_client_mode.html" if mode else "base.html",
    }


class ConsentClientModeStartView(ClinicStaffMixin, View):
    """Staff hand the tablet to the client: from now on it shows only this consent."""

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        client = self.get_client(pk)
        # Notes meant for staff (about other clients, perhaps) are not for the client's eyes.
        list(messages.get_messages(request))
        client_mode_start(request, client=client)
        return HttpResponseRedirect(reverse("consent-new", args=[client.pk]))


def leave_form(request: HttpRequest, data: QueryDict | None = None) -> PasswordConfirmForm:
    name = getattr(request.user, "full_name", "") or request.user.get_username()
    return PasswordConfirmForm(
        data,
        label="Staff password",
        help_text=f"Staff only: the password of {name}, who handed over the tablet.",
    )


class ConsentClientModeLeaveView(ClinicStaffMixin, View):
    """Back to the staff pages: the password of the staff member who started client mode."""

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if client_mode_of(request) is None:
            return HttpResponseRedirect(reverse("dashboard"))
        return self._render(request, leave_form(request))

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        mode = client_mode_of(request)
        if mode is None:
            return HttpResponseRedirect(reverse("dashboard"))
        form = leave_form(request, request.POST)
        wrong = form.confirm(
            request=request,
            purpose="leave_client_mode",
            object_type="consent_client_mode",
            object_id=mode["client_id"],
            clinic_id=mode["clinic_id"],
            client_id=mode["client_id"],
        )
        if wrong is not None:
            return self._render(request, form, status=wrong, locked=wrong == 429)
        client_mode_end(request)
        messages.success(request, "Client mode ended.")
        if mode.get("consent_id"):
            return HttpResponseRedirect(reverse("consent-detail", args=[mode["consent_id"]]))
        return HttpResponseRedirect(reverse("client-detail", args=[mode["client_id"]]))

    def _render(
        self,
        request: HttpRequest,
        form: PasswordConfirmForm,
        status: int = 200,
        locked: bool = False,
    ) -> HttpResponse:
        mode = client_mode_of(request)
        assert mode is not None
        consent_id = mode.get("consent_id")
        back = (
            reverse("consent-detail", args=[consent_id]) + "?signed=1"
            if consent_id
            else reverse("consent-new", args=[mode["client_id"]])
        )
        return render(
            request,
            "consent/client_mode_leave.html",
            {**client_mode_context(request), "form": form, "back_url": back, "locked": locked},
            status=status,
        )


class ConsentAccessMixin(ClinicStaffMixin):
    request: HttpRequest  # set by View.setup

    def get_consent(self, pk: int) -> Consent:
        try:
            consent = selectors.consent_get(clinic=self.clinic, pk=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        mode = client_mode_of(self.request)
        if mode is not None and consent.client_id != mode["client_id"]:
            # In client mode only the client's own consent exists.
            raise Http404("No consent of this clinic has that id.")
        return consent


class ConsentDetailView(ConsentAccessMixin, View):
    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        consent = self.get_consent(pk)
        services.consent_viewed(consent=consent, actor=request.user)
        current = selectors.consent_text_latest(clinic=self.clinic)
        return render(
            request,
            "consent/consent_detail.html",
            {
                **client_mode_context(request),
                "consent": consent,
                "client": consent.client,
                "just_signed": request.GET.get("signed") == "1",
                "is_current": current is not None and current.pk == consent.text_id,
                "current": current,
                "verified": services.consent_verify(consent=consent),
                "signature_url": services.consent_signature_data_url(consent=consent),
                "signed_local": timezone.localtime(consent.signed_at, self.clinic.zone),
                **text_context(consent.text),
            },
        )


class ConsentPdfView(ConsentAccessMixin, View):
    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:

        consent = self.get_consent(pk)
        response = consent_pdf_response(consent)
        services.consent_viewed(consent=consent, actor=request.user, as_pdf=True)
        return response


class ConsentTextListView(ClinicStaffMixin, View):
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        current = services.consent_text_current(clinic=self.clinic)
        return render(
            request,
            "consent/consent_text_list.html",
            {
                "versions": selectors.consent_text_list(clinic=self.clinic),
                **text_context(current),
            },
        )


class ConsentTextPublishView(VersionPublishView):
    """A manager publishes a new consent-text version built from the current one."""

    request: AuthenticatedHttpRequest  # a staff page: anonymous visitors are turned away

    template_name = "consent/consent_text_publish.html"
    success_url_name = "consent-text-list"
    success_note = (
        "New consents use it; clients who signed an earlier version must sign again "
        "before their next session."
    )

    def current(self) -> ConsentText:
        return services.consent_text_current(clinic=self.clinic)

    def make_form(
        self, current: ConsentText, data: QueryDict | None = None, note: str = ""
    ) -> ConsentTextPublishForm:
        return ConsentTextPublishForm(data, initial=ConsentTextPublishForm.initial_from(current))

    def publish(self, form: ConsentTextPublishForm) -> ConsentText:
        return services.consent_text_publish(
            clinic=self.clinic,
            actor=self.request.user,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            risks=form.risks(),
        )
