"""Staff pages for treatment plans (courses) and the clinic's protocol versions.

Thin: forms collect input, services decide and write, selectors read. The protocol
numbers shown here all come from the plan's (or the current) protocol version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from clinic.models import Client
from clinic.publish import VersionPublishView
from clinic.roles import can_plan
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError, NotFound
from common.typing import AuthenticatedHttpRequest
from treatments.plans import (
    protocol_services,
    protocols,
)
from treatments.plans import (
    selectors as plan_selectors,
)
from treatments.plans import (
    services as plan_services,
)
from treatments.plans.forms import PlanEditForm, PlanForm, ProtocolPublishForm, limit_words
from treatments.plans.models import ProtocolSet, TreatmentPlan


def _status(exc: ApplicationError) -> int:
    return exc.status_code if exc.status_code in (400, 409) else 400


@dataclass(frozen=True)
class AreaRow:
    """An area of a plan with its depth limit for the plan's indication, for display."""

    code: str
    label: str
    limit: protocols.AreaLimit | None  # None: not an area or indication of the version
    words: str = ""
    note: str = ""


def area_rows(engine: protocols.Protocols, indication: str, areas: list[str]) -> list[AreaRow]:
    """The plan's areas with their depth limits for the indication, for display."""
    rows = []
    for code in areas:
        if code not in engine.areas or indication not in engine.indications:
            rows.append(AreaRow(code=code, label=code, limit=None))
            continue
        limit = engine.area_limit(indication=indication, area=code)
        rows.append(
            AreaRow(
                code=code,
                label=limit.label,
                limit=limit,
                words=limit_words(limit),
                note=limit.note,
            )
        )
    return rows


class PlanAccessMixin(ClinicStaffMixin):
    def get_plan(self, pk: int) -> TreatmentPlan:
        try:
            return plan_selectors.plan_get(clinic=self.clinic, pk=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc

    def require_planner(self) -> None:
        if not can_plan(self.membership):
            raise PermissionDenied("Only practitioners and managers plan treatment courses.")


# --- a new plan -------------------------------------------------------------------------


class PlanNewView(PlanAccessMixin, View):
    """Plan a course, starting from what the protocol proposes for the client's concerns."""

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        self.require_planner()
        client = self.get_client(pk)
        protocol_set = protocol_services.protocol_set_current(clinic=self.clinic)
        engine = protocol_set.engine()
        indication = self._indication(engine, client, request.GET.get("indication"))
        proposal = engine.propose(indication=indication, fitzpatrick_type=client.fitzpatrick_type)
        form = PlanForm(
            engine=engine,
            indication=indication,
            initial={
                "indication": indication,
                "areas": proposal.areas,
                "planned_sessions": proposal.planned_sessions,
                "interval_days": proposal.interval_days,
            },
        )
        plan_services.plan_proposals_viewed(client=client, actor=request.user)
        return self._render(request, client, protocol_set, engine, indication, form)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        self.require_planner()
        client = self.get_client(pk)
        protocol_set = protocol_services.protocol_set_current(clinic=self.clinic)
        engine = protocol_set.engine()
        indication = self._indication(engine, client, request.POST.get("indication"))
        form = PlanForm(request.POST, engine=engine, indication=indication)
        status = 400
        if form.is_valid():
            try:
                plan = plan_services.plan_create(
                    clinic=self.clinic,
                    actor=request.user,
                    client=client,
                    indication=form.cleaned_data["indication"],
                    areas=form.cleaned_data["areas"],
                    planned_sessions=form.cleaned_data["planned_sessions"],
                    interval_days=form.cleaned_data["interval_days"],
                    notes=form.cleaned_data["notes"],
                )
            except ApplicationError as exc:
                form.add_service_errors(exc.fields, exc.detail)
                status = _status(exc)
            else:
                messages.success(request, f"Course planned: {plan.get_indication_display()}.")
                return HttpResponseRedirect(reverse("plan-detail", args=[plan.pk]))
        return self._render(request, client, protocol_set, engine, indication, form, status=status)

    @staticmethod
    def _indication(engine: protocols.Protocols, client: Client, wanted: str | None) -> str:
        if wanted in engine.indications:
            return wanted
        for code in client.skin_concerns or []:
            if code in engine.indications:
                return code
        return next(iter(engine.indications))

    def _render(
        self,
        request: HttpRequest,
        client: Client,
        protocol_set: ProtocolSet,
        engine: protocols.Protocols,
        indication: str,
        form: PlanForm,
        status: int = 200,
    ) -> HttpResponse:
        proposal = engine.propose(indication=indication, fitzpatrick_type=client.fitzpatrick_type)
        limits = {row.code: row for row in area_rows(engine, indication, list(engine.areas))}
        area_choices = [(choice, limits[choice.data["value"]]) for choice in form["areas"]]
        concerns = [
            {"code": code, "label": engine.indications[code].label}
            for code in client.skin_concerns or []
            if code in engine.indications
        ]
        return render(
            request,
            "plans/plan_form.html",
            {
                "client": client,
                "protocol_set": protocol_set,
                "indication": engine.indications[indication],
                "indications": list(engine.indications.values()),
                "concerns": concerns,
                "proposal": proposal,
                "endpoints": [engine.endpoints.get(e, e) for e in proposal.endpoint],
                "form": form,
                "area_choices": area_choices,
            },
            status=status,
        )


# --- one plan ---------------------------------------------------------------------------


def _book_url(plan: TreatmentPlan, due: date | None, today: date) -> str | None:
    try:
        base = reverse("appointment-new")
    except Exception:  # booking pages not installed
        return None
    when = max(due, today) if due else today
    query = {
        "client": plan.client_id,
        "kind": "treatment",
        "treatment_plan": plan.pk,
        "date": when.isoformat(),
    }
    return f"{base}?{urlencode(query)}"


class PlanDetailView(PlanAccessMixin, View):
    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        plan = self.get_plan(pk)
        plan_services.plan_viewed(plan=plan, actor=request.user)
        engine = plan.protocol_set.engine()
        progress = plan_selectors.plan_progress(plan=plan)
        today = self.clinic.local_today()
        ind = engine.indications.get(plan.indication)
        return render(
            request,
            "plans/plan_detail.html",
            {
                "plan": plan,
                "client": plan.client,
                "progress": progress,
                "indication": ind,
                "endpoints": [engine.endpoints.get(e, e) for e in (ind.endpoint if ind else ())],
                "areas": area_rows(engine, plan.indication, plan.areas),
                "pih_note": engine.pih_text if plan.pih_risk else "",
                "maintenance": engine.maintenance_text,
                "today": today,
                "overdue": progress.next_due is not None and progress.next_due < today,
                "book_url": (
                    _book_url(plan, progress.next_due, today)
                    if plan.status == "active" and not progress.is_complete
                    else None
                ),
            },
        )


class PlanEditView(PlanAccessMixin, View):
    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        self.require_planner()
        plan = self.get_plan(pk)
        plan_services.plan_viewed(plan=plan, actor=request.user)
        form = PlanEditForm(
            engine=plan.protocol_set.engine(),
            indication=plan.indication,
            initial={
                "areas": plan.areas,
                "planned_sessions": plan.planned_sessions,
                "interval_days": plan.interval_days,
                "status": plan.status,
                "notes": plan.notes,
            },
        )
        return self._render(request, plan, form)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        self.require_planner()
        plan = self.get_plan(pk)
        engine = plan.protocol_set.engine()
        form = PlanEditForm(request.POST, engine=engine, indication=plan.indication)
        status = 400
        if form.is_valid():
            try:
                plan_services.plan_update(plan=plan, actor=request.user, data=form.cleaned_data)
            except ApplicationError as exc:
                form.add_service_errors(exc.fields, exc.detail)
                status = _status(exc)
            else:
                messages.success(request, "Plan saved.")
                return HttpResponseRedirect(reverse("plan-detail", args=[plan.pk]))
        return self._render(request, plan, form, status=status)

    def _render(
        self, request: HttpRequest, plan: TreatmentPlan, form: PlanEditForm, status: int = 200
    ) -> HttpResponse:
        engine = plan.protocol_set.engine()
        limits = {row.code: row for row in area_rows(engine, plan.indication, list(engine.areas))}
        return render(
            request,
            "plans/plan_edit.html",
            {
                "plan": plan,
                "client": plan.client,
                "form": form,
                "area_choices": [(c, limits[c.data["value"]]) for c in form["areas"]],
                "pih_note": engine.pih_text if plan.pih_risk else "",
            },
            status=status,
        )


# --- protocol versions ------------------------------------------------------------------


def protocol_tables(protocol_set: ProtocolSet) -> dict[str, Any]:
    engine = protocol_set.engine()
    return {
        "protocol_set": protocol_set,
        "engine": engine,
        "indication_rows": [
            {
                "item": ind,
                "endpoints": [engine.endpoints.get(e, e) for e in ind.endpoint],
                "areas": [engine.areas[a].label for a in ind.default_areas if a in engine.areas],
            }
            for ind in engine.indications.values()
        ],
        "area_rows": list(engine.areas.values()),
    }


class ProtocolListView(ClinicStaffMixin, View):
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        current = protocol_services.protocol_set_current(clinic=self.clinic)
        return render(
            request,
            "plans/protocol_list.html",
            {
                **protocol_tables(current),
                "versions": plan_selectors.protocol_set_list(clinic=self.clinic).order_by(
                    "-version"
                ),
            },
        )


class ProtocolDetailView(ClinicStaffMixin, View):
    def get(self, request: AuthenticatedHttpRequest, version: int) -> HttpResponse:
        current = protocol_services.protocol_set_current(clinic=self.clinic)
        try:
            protocol_set = plan_selectors.protocol_set_get(clinic=self.clinic, version=version)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        return render(
            request,
            "plans/protocol_detail.html",
            {
                **protocol_tables(protocol_set),
                "current": current,
                "is_current": protocol_set.pk == current.pk,
            },
        )


class ProtocolPublishView(VersionPublishView):
    """A manager publishes a new protocol version built from the current one."""

    request: AuthenticatedHttpRequest  # a staff page: anonymous visitors are turned away

    template_name = "plans/protocol_publish.html"
    success_url_name = "protocol-list"
    success_note = "New plans use it; existing plans keep the version they were made with."

    def current(self) -> ProtocolSet:
        return protocol_services.protocol_set_current(clinic=self.clinic)

    def make_form(
        self, current: ProtocolSet, data: QueryDict | None = None, note: str = ""
    ) -> ProtocolPublishForm:
        initial = {"base_version": current.version, "note": note}
        return ProtocolPublishForm(data, data_source=current.data, initial=initial)

    def publish(self, form: ProtocolPublishForm) -> ProtocolSet:
        return protocol_services.protocol_set_publish(
            clinic=self.clinic,
            actor=self.request.user,
            data=form.protocol_data(),
            note=form.cleaned_data["note"],
        )
