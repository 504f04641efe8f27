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
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError, NotFound
from common.typing import AuthenticatedHttpRequest
from treatments.consent import selectors, services
from treatments.consent.apis import consent_pdf_response
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
                "client": client,
                "form": form.describe(),
                "status": selectors.consent_status_for(client=client),
                **text_context(text),
            },
            status=status,
        )


class ConsentAccessMixin(ClinicStaffMixin):
    def get_consent(self, pk: int) -> Consent:
        try:
            return selectors.consent_get(clinic=self.clinic, pk=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc


class ConsentDetailView(ConsentAccessMixin, View):
    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        consent = self.get_consent(pk)
        services.consent_viewed(consent=consent, actor=request.user)
        current = selectors.consent_text_latest(clinic=self.clinic)
        return render(
            request,
            "consent/consent_detail.html",
            {
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
