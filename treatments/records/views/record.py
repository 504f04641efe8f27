"""The in-treatment form: record, save and sign.

A service refusal becomes a form error on the field it names (``areas.0.justification``
→ the first area row's justification box), the page is shown again with everything
that was typed, and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.forms import BaseFormSet, Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.views import View

from clinic.booking import selectors as booking_selectors
from clinic.booking.models import Device
from clinic.reauth import PasswordConfirmForm
from common.errors import ApplicationError
from common.typing import AuthenticatedHttpRequest
from treatments.plans import protocols
from treatments.records import photos as session_photos
from treatments.records import services as session_services
from treatments.records.forms import (
    AreaForm,
    AreaFormSet,
    ProductForm,
    ProductFormSet,
    SessionForm,
    add_error,
)
from treatments.records.models import TreatmentSession
from treatments.records.views.base import SessionPageMixin, messages_of, status_of
from treatments.records.views.checks import AreaCheck, area_check, product_refusal
from treatments.records.views.context import protocol_context, record_context


def _hhmm(moment: datetime | None, zone: tzinfo) -> str | None:
    return moment.astimezone(zone).strftime("%H:%M") if moment else None


def _session_initial(session: TreatmentSession, zone: tzinfo) -> dict[str, Any]:
    initial = {name: getattr(session, name) for name in SessionForm.SCALARS if name != "device"}
    initial["device"] = session.device_id
    initial["adverse_events"] = list(session.adverse_events or [])
    for name in SessionForm.TIMES:
        initial[name] = _hhmm(getattr(session, name), zone)
    return initial


def _area_initial(session: TreatmentSession) -> list[dict[str, Any]]:
    rows = [
        {
            "area": a.area,
            "skin": a.skin,
            "depth_mm": a.depth_mm,
            "passes": a.passes,
            "justification": a.justification,
        }
        for a in session.areas.all()
    ]
    if not rows:
        rows = [{"area": code, "skin": protocols.SKIN_THIN} for code in session.plan.areas]
    return rows


def _product_initial(session: TreatmentSession) -> list[dict[str, Any]]:
    return [
        {"product": p.product, "lot": p.lot, "timing": p.timing, "is_vitamin_c": p.is_vitamin_c}
        for p in session.products.all()
    ]


@dataclass
class RecordForms:
    session: SessionForm
    areas: BaseFormSet[AreaForm]
    products: BaseFormSet[ProductForm]
    #: Which formset row each item of the service's ``areas`` / ``products`` lists came from.
    area_index: list[int] = field(default_factory=list)
    product_index: list[int] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.session.errors
            or any(f.errors for f in self.areas)
            or any(f.errors for f in self.products)
            or self.areas.non_form_errors()
            or self.products.non_form_errors()
        )


def _build_forms(
    session: TreatmentSession,
    protocol: dict[str, Any],
    devices: list[Device],
    data: QueryDict | None = None,
    files: MultiValueDict[str, UploadedFile] | None = None,
) -> RecordForms:
    zone = session.clinic.zone
    kwargs = {"area_choices": protocol["area_choices"]}
    if data is None:
        return RecordForms(
            SessionForm(
                initial=_session_initial(session, zone),
                devices=devices,
                endpoints=protocol["endpoints"],
            ),
            AreaFormSet(prefix="areas", initial=_area_initial(session), form_kwargs=kwargs),
            ProductFormSet(prefix="products", initial=_product_initial(session)),
        )
    return RecordForms(
        SessionForm(data, files, devices=devices, endpoints=protocol["endpoints"]),
        AreaFormSet(data, prefix="areas", form_kwargs=kwargs),
        ProductFormSet(data, prefix="products"),
    )


def apply_service_errors(forms: RecordForms, exc: ApplicationError) -> None:
    """Put a service refusal on the fields it names, so the page can show it in place."""
    placed = False
    for key, value in (exc.fields or {}).items():
        parts = key.split(".")
        target: Form = forms.session
        name: str | None = parts[0]
        if parts[0] in ("areas", "products") and len(parts) >= 2 and parts[1].isdigit():
            index_map = forms.area_index if parts[0] == "areas" else forms.product_index
            formset = forms.areas if parts[0] == "areas" else forms.products
            position = int(parts[1])
            if position < len(index_map):
                target = formset.forms[index_map[position]]
                name = parts[2] if len(parts) > 2 else None
            else:
                name = None
        elif parts[0] in ("areas", "products"):
            target, name = forms.session, None
        for message in messages_of(value):
            add_error(target, name, message)
            placed = True
    if exc.code == "vitamin_c_during_needling" and not any(f.errors for f in forms.products):
        for form in forms.products:
            if product_refusal(form):
                add_error(form, "timing", exc.detail)
                placed = True
    if not placed:
        add_error(forms.session, None, exc.detail)


class SessionRecordView(SessionPageMixin, View):
    """The in-treatment form: Save keeps the session in progress; Sign goes to confirm."""

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        if session.is_signed:
            messages.info(request, "This record is signed; corrections are amendments.")
            return HttpResponseRedirect(reverse("session-detail", args=[session.pk]))
        self.require_recorder()
        protocol = protocol_context(session)
        forms = _build_forms(session, protocol, self.devices())
        return self.render_record(request, session, protocol, forms)

    def devices(self) -> list[Device]:
        return list(booking_selectors.device_list(clinic=self.clinic))

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        if session.is_signed:
            messages.error(request, "This record was signed; it can only be amended now.")
            return HttpResponseRedirect(reverse("session-detail", args=[session.pk]))
        self.require_recorder()
        protocol = protocol_context(session)
        forms = _build_forms(session, protocol, self.devices(), request.POST, request.FILES)
        valid = [forms.session.is_valid(), forms.areas.is_valid(), forms.products.is_valid()]
        if not all(valid):
            return self.render_record(request, session, protocol, forms, status=400)
        data = forms.session.service_data(
            day_start=session.started_at.astimezone(session.clinic.zone)
        )
        data["areas"], data["products"] = [], []
        for index, area in enumerate(forms.areas):
            if not area.is_blank():
                forms.area_index.append(index)
                data["areas"].append(area.row())
        for index, product in enumerate(forms.products):
            if not product.is_blank():
                forms.product_index.append(index)
                data["products"].append(product.row())
        try:
            session = session_services.session_update(
                session=session, actor=request.user, data=data
            )
        except ApplicationError as exc:
            if exc.code == "session_signed":
                messages.error(request, exc.detail)
                return HttpResponseRedirect(reverse("session-detail", args=[pk]))
            if exc.status_code == 403:
                raise PermissionDenied(exc.detail) from exc
            apply_service_errors(forms, exc)
            return self.render_record(request, session, protocol, forms, status=status_of(exc))
        photo_failed = False
        for kind, upload in forms.session.photos():
            try:
                session_photos.session_photo_add(
                    session=session, actor=request.user, kind=kind, upload=upload
                )
            except ApplicationError as exc:
                add_error(forms.session, f"photo_{kind}", exc.detail)
                photo_failed = True
        if photo_failed:
            messages.warning(request, "The record was saved, but a photo was not.")
            session = self.get_session(pk)
            return self.render_record(request, session, protocol, forms, status=400)
        if request.POST.get("action") == "sign":
            return HttpResponseRedirect(reverse("session-sign", args=[pk]))
        messages.success(request, "Saved. The session is still in progress.")
        return HttpResponseRedirect(reverse("session-edit", args=[pk]))

    def render_record(
        self,
        request: HttpRequest,
        session: TreatmentSession,
        protocol: dict[str, Any],
        forms: RecordForms,
        status: int = 200,
        sign_errors: list[str] | None = None,
    ) -> HttpResponse:
        context = record_context(session)
        engine, indication = protocol["engine"], session.plan.indication
        return render(
            request,
            "records/session_record.html",
            {
                **context,
                "form": forms.session,
                "area_formset": forms.areas,
                "area_rows": [
                    {"form": form, "check": area_check(form, engine=engine, indication=indication)}
                    for form in forms.areas
                ],
                "empty_area_check": AreaCheck(forms.areas.empty_form.prefix or "", None),
                "product_formset": forms.products,
                "has_errors": forms.has_errors or bool(sign_errors),
                "sign_errors": sign_errors or [],
                "is_performer": self.is_performer(session),
                "now_local": timezone.now().astimezone(session.clinic.zone),
            },
            status=status,
        )


def sign_form(data: QueryDict | None = None) -> PasswordConfirmForm:
    return PasswordConfirmForm(
        data,
        help_text="Signing is your legal signature: confirm it with the password you sign in with.",
    )


class SessionSignView(SessionPageMixin, View):
    """Confirm, then sign: only the practitioner who performed the session."""

    def check(self, request: HttpRequest, session: TreatmentSession) -> HttpResponse | None:
        if session.is_signed:
            messages.info(request, "This record is already signed.")
            return HttpResponseRedirect(reverse("session-detail", args=[session.pk]))
        if not self.is_performer(session):
            raise PermissionDenied("Only the practitioner who performed the session signs it.")
        return None

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        refused = self.check(request, session)
        if refused is not None:
            return refused
        return self.render_confirm(request, session, sign_form())

    def render_confirm(
        self,
        request: HttpRequest,
        session: TreatmentSession,
        form: PasswordConfirmForm,
        status: int = 200,
    ) -> HttpResponse:
        return render(
            request,
            "records/session_sign.html",
            {**record_context(session), "form": form},
            status=status,
        )

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        refused = self.check(request, session)
        if refused is not None:
            return refused
        # The practitioner's signature: their password again, whoever left the screen open.
        form = sign_form(request.POST)
        wrong = form.confirm(
            request=request,
            purpose="session_sign",
            object_type="treatment_session",
            object_id=session.pk,
            clinic_id=session.clinic_id,
            client_id=session.client_id,
        )
        if wrong is not None:
            return self.render_confirm(request, session, form, status=wrong)
        try:
            session_services.session_sign(session=session, actor=request.user)
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.detail) from exc
            if exc.code == "session_signed":
                messages.info(request, exc.detail)
                return HttpResponseRedirect(reverse("session-detail", args=[pk]))
            # Not complete yet: back to the form, the missing items shown where they belong.
            session = self.get_session(pk)
            view = SessionRecordView()
            view.request, view.membership, view.clinic = request, self.membership, self.clinic
            protocol = protocol_context(session)
            forms = _build_forms(session, protocol, view.devices())
            sign_errors = []
            for key, value in (exc.fields or {}).items():
                for message in messages_of(value):
                    name = key.split(".")[0]
                    if name in forms.session.fields:
                        add_error(forms.session, name, message)
                    sign_errors.append(message)
            return view.render_record(
                request,
                session,
                protocol,
                forms,
                status=status_of(exc),
                sign_errors=[exc.detail, *sign_errors],
            )
        messages.success(request, "Signed. The record is now read-only.")
        return HttpResponseRedirect(reverse("session-detail", args=[pk]))
