"""The manager's audit page and its CSV (decision 0010)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.views import View

from clinic.audit import selectors, services
from clinic.audit.filters import FILTER_NAMES, AuditFilterForm
from clinic.roles import Ability
from clinic.views import ClinicStaffMixin
from common.audit import CHANNELS
from common.typing import AuthenticatedHttpRequest

PAGE_SIZE = 50


def _filter_form(request: AuthenticatedHttpRequest, clinic) -> AuditFilterForm:
    bound = any(request.GET.get(name) for name in FILTER_NAMES)
    return AuditFilterForm(request.GET if bound else None, clinic=clinic)


def _query(form: AuditFilterForm) -> str:
    """The filters in use, for the pages' and the CSV's links."""
    return urlencode({name: form.data[name] for name in FILTER_NAMES if form.data.get(name)})


class AuditListView(ClinicStaffMixin, View):
    required_ability = Ability.READ_AUDIT

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        form = _filter_form(request, self.clinic)
        valid = not form.is_bound or form.is_valid()
        events = selectors.clinic_events(clinic=self.clinic)
        if form.is_bound and valid:
            events = form.filter(events)
        page = Paginator(events if valid else events.none(), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        rows = list(page.object_list)
        names = selectors.client_names(
            clinic=self.clinic, client_ids=(event.client_id for event in rows)
        )
        if valid:
            services.audit_trail_read(
                clinic=self.clinic,
                actor=request.user,
                filters=form.applied() if form.is_bound else {},
                count=page.paginator.count,
            )
        query = _query(form) if form.is_bound else ""
        return render(
            request,
            "audit/event_list.html",
            {
                "form": form,
                "page": page,
                "rows": [
                    {
                        "event": event,
                        "client_name": names.get(event.client_id or 0, ""),
                        "object_label": selectors.object_type_label(event.object_type),
                        "channel_label": CHANNELS.get(event.channel, event.channel),
                    }
                    for event in rows
                ],
                "query": query,
                "valid": valid,
            },
            status=200 if valid else 400,
        )


class AuditExportView(ClinicStaffMixin, View):
    required_ability = Ability.READ_AUDIT

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponseBase:
        form = _filter_form(request, self.clinic)
        if form.is_bound and not form.is_valid():
            return AuditListView.as_view()(request)
        events = selectors.clinic_events(clinic=self.clinic)
        if form.is_bound:
            events = form.filter(events)
        services.audit_trail_read(
            clinic=self.clinic,
            actor=request.user,
            filters=form.applied() if form.is_bound else {},
            count=events.count(),
            export=True,
        )
        response = StreamingHttpResponse(
            selectors.audit_csv_lines(clinic=self.clinic, events=events),
            content_type="text/csv; charset=utf-8",
        )
        stamp = self.clinic.local_today().isoformat()
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response
