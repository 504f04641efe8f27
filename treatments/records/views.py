"""Staff pages for treatment sessions: start, record during treatment, sign, amend; recall.

Thin, like the API: forms collect input, ``session_services`` decides and writes,
``session_selectors`` reads. A service refusal becomes a form error on the field it
names (``areas.0.justification`` → the first area row's justification box), the page
is shown again with everything that was typed, and nothing is saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from clinic.booking import selectors as booking_selectors
from clinic.models import Role
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError, NotFound
from treatments.plans import protocols
from treatments.plans.defaults import ADVERSE_EVENT_CHOICES, GAIS_CHOICES, GLOGAU_CHOICES
from treatments.plans.models import TreatmentPlan
from treatments.records import selectors as session_selectors
from treatments.records import services as session_services
from treatments.records.forms import (
    AMENDABLE_FIELDS,
    AmendmentForm,
    AreaFormSet,
    ProductFormSet,
    RecallForm,
    SessionForm,
    StartForm,
    add_error,
)
from treatments.records.models import SessionAmendment, SessionStatus, TreatmentSession

RECORDING_ROLES = (Role.PRACTITIONER, Role.MANAGER)
RECONFIRM = "screening_not_confirmed_today"

#: The start checklist: each gate and the blocker codes that belong to it, in order.
START_GATES: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "appointment",
        "Treatment appointment today",
        ("appointment_not_treatment", "appointment_not_active", "appointment_not_today"),
    ),
    ("session", "Not started yet", ("already_started",)),
    ("plan", "Treatment plan", ("plan_missing",)),
    (
        "screening",
        "Valid screening",
        ("screening_missing", "screening_blocks_treatment", RECONFIRM),
    ),
    ("review", "Practitioner's review of a caution result", ("screening_review_missing",)),
    ("consent", "Consent to the current consent text", ("consent_missing", "consent_outdated")),
]
ADVERSE_EVENT_LABELS = dict(ADVERSE_EVENT_CHOICES)


def _optional_url(name: str, *args: Any) -> str | None:
    """A link to a page another part provides, if it has been routed."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _status(exc: ApplicationError) -> int:
    return exc.status_code if exc.status_code >= 400 else 400


def _messages_of(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    return [str(value)]


def _local(moment: datetime | None, zone) -> datetime | None:
    return moment.astimezone(zone) if moment else None


# --- blockers --------------------------------------------------------------------------


@dataclass
class ShownBlocker:
    code: str
    detail: str
    fix_label: str = ""
    fix_url: str | None = None


@dataclass
class Gate:
    code: str
    label: str
    blockers: list[ShownBlocker] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.blockers


def _blocker_fields(blocker: Any) -> tuple[str, str, Any]:
    if isinstance(blocker, dict):
        return blocker.get("code", ""), blocker.get("detail", ""), blocker.get("action")
    return (
        getattr(blocker, "code", ""),
        getattr(blocker, "detail", ""),
        getattr(blocker, "action", None),
    )


def _fix(code: str, appointment: Any) -> tuple[str, str | None]:
    client = appointment.client
    if code in ("screening_missing", "screening_blocks_treatment", RECONFIRM):
        return "Screen the client", _optional_url("screening-new", client.pk)
    if code == "screening_review_missing":
        screening = appointment.screening or (
            client.screenings.order_by("-taken_at", "-id").first()
        )
        if screening is None:
            return "", None
        # The review form lives on the screening's page (screening-review takes its POST).
        return "Review the screening", _optional_url("screening-detail", screening.pk)
    if code in ("consent_missing", "consent_outdated"):
        return "Take the client's consent", _optional_url("consent-new", client.pk)
    if code == "plan_missing":
        return "Plan the course", _optional_url("plan-new", client.pk) or _optional_url(
            "client-detail", client.pk
        )
    if code == "already_started":
        session = getattr(appointment, "treatment_session", None)
        return "Open the session", reverse("session-detail", args=[session.pk]) if session else None
    if code.startswith("appointment_"):
        return "Open the appointment", _optional_url("appointment-detail", appointment.pk)
    return "", None


def start_gates(blockers: list[Any], appointment: Any) -> list[Gate]:
    gates = [Gate(code, label) for code, label, _ in START_GATES]
    by_code = {
        code: gate for gate, (_, _, codes) in zip(gates, START_GATES, strict=True) for code in codes
    }
    other = Gate("other", "Other")
    for blocker in blockers:
        code, detail, _action = _blocker_fields(blocker)
        label, url = _fix(code, appointment)
        by_code.get(code, other).blockers.append(ShownBlocker(code, detail, label, url))
    return gates + ([other] if other.blockers else [])


# --- mixins ----------------------------------------------------------------------------


class _SessionMixin(ClinicStaffMixin):
    def get_session(self, pk: int) -> TreatmentSession:
        try:
            return session_selectors.session_get(clinic=self.clinic, pk=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc

    def can_record(self) -> bool:
        return self.membership.role in RECORDING_ROLES

    def require_recorder(self) -> None:
        if not self.can_record():
            raise PermissionDenied("Only practitioners and managers record treatment sessions.")

    def is_performer(self, session: TreatmentSession) -> bool:
        membership = getattr(session.practitioner, "membership", None)
        return membership is not None and membership.user_id == self.request.user.pk


# --- start -----------------------------------------------------------------------------


class SessionStartView(_SessionMixin, View):
    """The start checklist for an appointment, and the Start button."""

    def get_appointment(self, pk: int) -> Any:
        try:
            return booking_selectors.appointment_get(clinic=self.clinic, appointment_id=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc

    def active_plans(self, appointment: Any) -> list[TreatmentPlan]:
        if appointment.treatment_plan_id:
            return []
        return list(
            TreatmentPlan.objects.filter(
                clinic=self.clinic, client=appointment.client, status="active"
            ).order_by("-created_at")
        )

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        appointment = self.get_appointment(pk)
        session = getattr(appointment, "treatment_session", None)
        if session is not None:
            return HttpResponseRedirect(reverse("session-detail", args=[session.pk]))
        plans = self.active_plans(appointment)
        return self._render(request, appointment, StartForm(plans=plans), plans)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        appointment = self.get_appointment(pk)
        self.require_recorder()
        plans = self.active_plans(appointment)
        form = StartForm(request.POST, plans=plans)
        if not form.is_valid():
            return self._render(request, appointment, form, plans, status=400)
        plan = None
        if form.cleaned_data["plan"]:
            plan = next((p for p in plans if p.pk == form.cleaned_data["plan"]), None)
        try:
            session = session_services.session_start(
                clinic=self.clinic,
                actor=request.user,
                appointment=appointment,
                plan=plan,
                screening_reconfirmed=form.cleaned_data["screening_reconfirmed"],
            )
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.detail) from exc
            if exc.code == "session_start_blocked":
                missing = exc.extra.get("missing") or []
                if any(_blocker_fields(b)[0] == RECONFIRM for b in missing):
                    add_error(
                        form,
                        "screening_reconfirmed",
                        "Ask the client whether anything has changed since the screening, "
                        "then tick this box (or take a new screening).",
                    )
                return self._render(request, appointment, form, plans, blockers=missing, status=409)
            add_error(form, None, exc.detail)
            return self._render(request, appointment, form, plans, status=_status(exc))
        messages.success(request, f"Session started for {appointment.client.full_name}.")
        return HttpResponseRedirect(reverse("session-edit", args=[session.pk]))

    def _render(
        self,
        request: HttpRequest,
        appointment: Any,
        form: StartForm,
        plans: list[TreatmentPlan],
        blockers: list[Any] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        if blockers is None:
            blockers = session_services.session_start_check(
                clinic=self.clinic, appointment=appointment, screening_reconfirmed=False
            )
        codes = [_blocker_fields(b)[0] for b in blockers]
        needs_reconfirm = RECONFIRM in codes
        others = [c for c in codes if c != RECONFIRM]
        zone = self.clinic.zone
        return render(
            request,
            "records/session_start.html",
            {
                "appointment": appointment,
                "client": appointment.client,
                "local_start": _local(appointment.start, zone),
                "gates": start_gates(blockers, appointment),
                "needs_reconfirm": needs_reconfirm,
                "can_start": not others,
                "can_record": self.can_record(),
                "form": form,
                "plans": plans,
            },
            status=status,
        )


# --- the record ------------------------------------------------------------------------


def _protocol_context(session: TreatmentSession) -> dict[str, Any]:
    """Area choices, endpoints and the depth limit of every area and skin for the plan."""
    plan = session.plan
    engine = plan.protocol_set.engine()
    limits = {}
    for code in engine.areas:
        limits[code] = {
            skin: str(engine.max_depth(indication=plan.indication, area=code, skin=skin))
            for skin, _ in protocols.SKIN_CHOICES
        }
    planned = [a for a in plan.areas if a in engine.areas]
    ordered = planned + [a for a in engine.areas if a not in planned]
    return {
        "engine": engine,
        "area_choices": [(code, engine.areas[code].label) for code in ordered],
        "area_labels": {code: a.label for code, a in engine.areas.items()},
        "area_notes": {code: a.note for code, a in engine.areas.items() if a.note},
        "endpoints": engine.endpoints,
        "limits": limits,
        "indication_label": engine.indications[plan.indication].label
        if plan.indication in engine.indications
        else plan.get_indication_display(),
    }


def _hhmm(moment: datetime | None, zone) -> str | None:
    return moment.astimezone(zone).strftime("%H:%M") if moment else None


def _session_initial(session: TreatmentSession, zone) -> dict[str, Any]:
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


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


@dataclass
class AreaRow:
    form: Any
    limit: str | None
    over: bool
    note: str = ""


def _area_rows(formset: Any, limits: dict[str, dict[str, str]], notes: dict[str, str]):
    rows = []
    for form in formset:
        area, skin = form["area"].value(), form["skin"].value() or protocols.SKIN_THIN
        limit = limits.get(area, {}).get(skin) if area else None
        depth = _decimal(form["depth_mm"].value())
        over = bool(limit and depth is not None and depth > Decimal(limit))
        rows.append(AreaRow(form, limit, over, notes.get(area, "")))
    return rows


@dataclass
class RecordForms:
    session: SessionForm
    areas: Any
    products: Any
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
    session: TreatmentSession, protocol: dict[str, Any], devices: list[Any], data=None, files=None
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
        target, name = forms.session, parts[0]
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
        for message in _messages_of(value):
            add_error(target, name, message)
            placed = True
    if exc.code == "vitamin_c_during_needling" and not any(f.errors for f in forms.products):
        for form in forms.products:
            data = getattr(form, "cleaned_data", {}) or {}
            if protocols.vitamin_c_refusal(
                product=data.get("product", ""),
                timing=data.get("timing", ""),
                declared=bool(data.get("is_vitamin_c")),
            ):
                add_error(form, "timing", exc.detail)
                placed = True
    if not placed:
        add_error(forms.session, None, exc.detail)


class SessionDetailView(_SessionMixin, View):
    """The record as it stands: read-only; signed records show history and amendments."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        session_services.session_viewed(session=session, actor=request.user)
        return self.render_detail(request, session)

    def render_detail(
        self,
        request: HttpRequest,
        session: TreatmentSession,
        amend_form: AmendmentForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        can_amend = session.is_signed and self.can_record()
        return render(
            request,
            "records/session_detail.html",
            {
                **_record_context(session),
                "can_record": self.can_record() and not session.is_signed,
                "can_amend": can_amend,
                "amend_form": (amend_form or AmendmentForm()) if can_amend else None,
                "is_performer": self.is_performer(session),
            },
            status=status,
        )


def _history(session: TreatmentSession) -> list[dict[str, Any]]:
    """The selector's history with field names in words and from → to pairs."""
    labels = {"device": "Device", "ended_at": "End time", **dict(AMENDABLE_FIELDS)}
    shown = []
    for event in session_selectors.session_history(session=session):
        changes = []
        for name, change in (event.changes or {}).items():
            pair = change if isinstance(change, dict) else {"to": change}
            changes.append(
                {
                    "field": labels.get(name, name.replace("_", " ").capitalize()),
                    "from": pair.get("from"),
                    "to": pair.get("to"),
                }
            )
        shown.append({"event": event, "changes": changes})
    return shown


def _plan_progress(session: TreatmentSession) -> dict[str, Any]:
    signed = session_selectors.session_list(
        clinic=session.clinic, plan=session.plan, status=SessionStatus.SIGNED
    ).count()
    number = getattr(session, "plan_position", None) or signed + (0 if session.is_signed else 1)
    planned = session.plan.planned_sessions
    return {
        "number": number,
        "signed": signed,
        "planned": planned,
        "percent": min(100, round(100 * signed / planned)) if planned else 0,
        "plan_url": _optional_url("plan-detail", session.plan.pk),
    }


def _record_context(session: TreatmentSession) -> dict[str, Any]:
    zone = session.clinic.zone
    protocol = _protocol_context(session)
    previous = session_selectors.session_previous(session=session)
    return {
        "session": session,
        "client": session.client,
        "plan": session.plan,
        "protocol": protocol,
        "zone": zone,
        "started_local": _local(session.started_at, zone),
        "ended_local": _local(session.ended_at, zone),
        "signed_local": _local(session.signed_at, zone),
        "areas": [
            {"row": a, "label": protocol["area_labels"].get(a.area, a.area)}
            for a in session.areas.all()
        ],
        "products": list(session.products.all()),
        "photos": list(session.photos.all()),
        "adverse_events": [ADVERSE_EVENT_LABELS.get(c, c) for c in session.adverse_events or []],
        "endpoint_label": protocol["endpoints"].get(
            session.endpoint_reached, session.endpoint_reached
        ),
        "glogau_label": dict(GLOGAU_CHOICES).get(session.glogau),
        "gais_label": dict(GAIS_CHOICES).get(session.gais),
        "history": _history(session),
        "amended": session.amendments.exists(),
        "previous": _previous_context(previous, protocol),
        "progress": _plan_progress(session),
        "appointment_url": _optional_url("appointment-detail", session.appointment_id),
    }


def _previous_context(previous: TreatmentSession | None, protocol: dict[str, Any]):
    if previous is None:
        return None
    return {
        "session": previous,
        "started_local": _local(previous.started_at, previous.clinic.zone),
        "areas": [
            {"row": a, "label": protocol["area_labels"].get(a.area, a.area)}
            for a in previous.areas.all()
        ],
        "adverse_events": [ADVERSE_EVENT_LABELS.get(c, c) for c in previous.adverse_events or []],
        "endpoint_label": protocol["endpoints"].get(
            previous.endpoint_reached, previous.endpoint_reached
        ),
    }


class SessionRecordView(_SessionMixin, View):
    """The in-treatment form: Save keeps the session in progress; Sign goes to confirm."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        if session.is_signed:
            messages.info(request, "This record is signed; corrections are amendments.")
            return HttpResponseRedirect(reverse("session-detail", args=[session.pk]))
        self.require_recorder()
        protocol = _protocol_context(session)
        forms = _build_forms(session, protocol, self.devices())
        return self.render_record(request, session, protocol, forms)

    def devices(self) -> list[Any]:
        return list(booking_selectors.device_list(clinic=self.clinic))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        if session.is_signed:
            messages.error(request, "This record was signed; it can only be amended now.")
            return HttpResponseRedirect(reverse("session-detail", args=[session.pk]))
        self.require_recorder()
        protocol = _protocol_context(session)
        forms = _build_forms(session, protocol, self.devices(), request.POST, request.FILES)
        valid = [forms.session.is_valid(), forms.areas.is_valid(), forms.products.is_valid()]
        if not all(valid):
            return self.render_record(request, session, protocol, forms, status=400)
        data = forms.session.service_data(
            day_start=session.started_at.astimezone(session.clinic.zone)
        )
        data["areas"], data["products"] = [], []
        for index, form in enumerate(forms.areas):
            if not form.is_blank():
                forms.area_index.append(index)
                data["areas"].append(form.row())
        for index, form in enumerate(forms.products):
            if not form.is_blank():
                forms.product_index.append(index)
                data["products"].append(form.row())
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
            return self.render_record(request, session, protocol, forms, status=_status(exc))
        photo_failed = False
        for kind, upload in forms.session.photos():
            try:
                session_services.session_photo_add(
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
        context = _record_context(session)
        return render(
            request,
            "records/session_record.html",
            {
                **context,
                "form": forms.session,
                "area_formset": forms.areas,
                "area_rows": _area_rows(forms.areas, protocol["limits"], protocol["area_notes"]),
                "product_formset": forms.products,
                "has_errors": forms.has_errors or bool(sign_errors),
                "sign_errors": sign_errors or [],
                "is_performer": self.is_performer(session),
                "now_local": timezone.now().astimezone(session.clinic.zone),
                "live_config": {
                    "limits": protocol["limits"],
                    "notes": protocol["area_notes"],
                    "timezone": session.clinic.timezone,
                },
            },
            status=status,
        )


class SessionSignView(_SessionMixin, View):
    """Confirm, then sign: only the practitioner who performed the session."""

    def check(self, request: HttpRequest, session: TreatmentSession) -> HttpResponse | None:
        if session.is_signed:
            messages.info(request, "This record is already signed.")
            return HttpResponseRedirect(reverse("session-detail", args=[session.pk]))
        if not self.is_performer(session):
            raise PermissionDenied("Only the practitioner who performed the session signs it.")
        return None

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        refused = self.check(request, session)
        if refused is not None:
            return refused
        return render(request, "records/session_sign.html", _record_context(session))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        refused = self.check(request, session)
        if refused is not None:
            return refused
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
            protocol = _protocol_context(session)
            forms = _build_forms(session, protocol, view.devices())
            sign_errors = []
            for key, value in (exc.fields or {}).items():
                for message in _messages_of(value):
                    name = key.split(".")[0]
                    if name in forms.session.fields:
                        add_error(forms.session, name, message)
                    sign_errors.append(message)
            return view.render_record(
                request,
                session,
                protocol,
                forms,
                status=_status(exc),
                sign_errors=[exc.detail, *sign_errors],
            )
        messages.success(request, "Signed. The record is now read-only.")
        return HttpResponseRedirect(reverse("session-detail", args=[pk]))


class SessionAmendView(SessionDetailView):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return HttpResponseRedirect(reverse("session-detail", args=[pk]))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        self.require_recorder()
        if not session.is_signed:
            messages.info(request, "The session is in progress: change the record itself.")
            return HttpResponseRedirect(reverse("session-edit", args=[pk]))
        form = AmendmentForm(request.POST)
        if not form.is_valid():
            return self.render_detail(request, session, amend_form=form, status=400)
        try:
            session_services.session_amend(
                session=session,
                actor=request.user,
                reason=form.cleaned_data["reason"].strip(),
                note=(form.cleaned_data.get("note") or "").strip(),
                changes=form.changes(),
            )
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.detail) from exc
            for key, value in (exc.fields or {}).items():
                name = key.split(".")[0]
                if name == "changes" or name in dict(AMENDABLE_FIELDS):
                    name = "value"
                for message in _messages_of(value):
                    add_error(form, name, message)
            if not exc.fields:
                add_error(form, None, exc.detail)
            return self.render_detail(
                request, self.get_session(pk), amend_form=form, status=_status(exc)
            )
        messages.success(request, "Amendment added to the record.")
        return HttpResponseRedirect(reverse("session-detail", args=[pk]) + "#history")


# --- recall ----------------------------------------------------------------------------


def _recall_query(form: RecallForm) -> dict[str, str] | None:
    """The one search the selector takes, or None (with a form error) if not exactly one."""
    if not form.has_query:
        return None
    lot, serial = form.cleaned_data["lot"], form.cleaned_data["serial"]
    if lot and serial:
        add_error(form, None, "Search by a cartridge lot or by a device serial, not both.")
        return None
    return {"lot": lot} if lot else {"device_serial": serial}


class RecallView(ClinicStaffMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = RecallForm(request.GET or None)
        query = _recall_query(form)
        rows: list[Any] = []
        export_url = None
        if query is not None:
            try:
                rows = session_selectors.recall_sessions(clinic=self.clinic, **query)
            except ApplicationError as exc:
                add_error(form, None, exc.detail)
                query = None
            else:
                session_services.recall_searched(
                    clinic=self.clinic, actor=request.user, query=query, count=len(rows)
                )
                params = {"lot": query.get("lot", ""), "serial": query.get("device_serial", "")}
                export_url = f"{reverse('recall-csv')}?{urlencode(params)}"
        return render(
            request,
            "records/recall.html",
            {
                "form": form,
                "rows": _recall_rows(rows),
                "searched": query is not None,
                "export_url": export_url,
            },
        )


def _recall_rows(rows: list[Any]) -> list[dict[str, Any]]:
    """Results as the table shows them (the selector gives sessions, or rows of one)."""
    sessions = [getattr(r, "session", r) for r in rows]
    counted = all(hasattr(s, "amendment_count") for s in sessions)
    amended_ids = (
        {s.pk for s in sessions if s.amendment_count}
        if counted
        else set(
            SessionAmendment.objects.filter(session__in=sessions).values_list(
                "session_id", flat=True
            )
        )
    )
    shown = []
    for row, s in zip(rows, sessions, strict=True):
        shown.append(
            {
                "pk": s.pk,
                "started": s.started_at,
                "client": s.client,
                "practitioner": s.practitioner.display_name,
                "lot": s.cartridge_lot,
                "serial": s.device_serial,
                "status": s.get_status_display(),
                "amended": s.pk in amended_ids,
                "value_amended": bool(
                    getattr(row, "amended", False) or getattr(s, "recall_amended", False)
                ),
            }
        )
    return shown


class RecallExportView(ClinicStaffMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = RecallForm(request.GET)
        query = _recall_query(form)
        if query is None:
            messages.error(request, "Search by a cartridge lot or by a device serial first.")
            return HttpResponseRedirect(reverse("recall"))
        rows = session_selectors.recall_sessions(clinic=self.clinic, **query)
        session_services.recall_searched(
            clinic=self.clinic,
            actor=request.user,
            query={**query, "export": "csv"},
            count=len(rows),
        )
        body = session_selectors.recall_csv(rows=rows)
        stamp = self.clinic.local_today().isoformat()
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="recall-{stamp}.csv"'
        return response
