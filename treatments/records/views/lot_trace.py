"""Lot trace: every session that used a lot (of anything recorded) or a device, and its CSV.

Formerly "Recall" (to clinic staff a recall is calling clients back); ``/recalls/``
answers a permanent redirect here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError
from common.typing import AuthenticatedHttpRequest
from treatments.records import audit as session_audit
from treatments.records import selectors as session_selectors
from treatments.records.forms import LotTraceForm, add_error


def _trace_query(form: LotTraceForm) -> dict[str, str] | None:
    """The one search the selector takes, or None (with a form error) if not exactly one."""
    if not form.has_query:
        return None
    lot, serial = form.cleaned_data["lot"], form.cleaned_data["serial"]
    if lot and serial:
        add_error(form, None, "Search by a lot or by a device serial, not both.")
        return None
    return {"lot": lot} if lot else {"device_serial": serial}


class LotTraceView(ClinicStaffMixin, View):
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = LotTraceForm(request.GET or None)
        query = _trace_query(form)
        rows: list[session_selectors.LotTraceHit] = []
        export_url = None
        if query is not None:
            try:
                rows = session_selectors.lot_trace(clinic=self.clinic, **query)
            except ApplicationError as exc:
                add_error(form, None, exc.detail)
                query = None
            else:
                session_audit.recall_searched(
                    clinic=self.clinic,
                    actor=request.user,
                    query=query,
                    sessions=[hit.session for hit in rows],
                    count=len(rows),
                )
                params = {"lot": query.get("lot", ""), "serial": query.get("device_serial", "")}
                export_url = f"{reverse('lot-trace-csv')}?{urlencode(params)}"
        return render(
            request,
            "records/lot_trace.html",
            {
                "form": form,
                "rows": _trace_rows(rows),
                "searched": query is not None,
                "export_url": export_url,
            },
        )


def _trace_rows(hits: list[session_selectors.LotTraceHit]) -> list[dict[str, Any]]:
    """Results as the table shows them."""
    return [
        {
            "pk": hit.session.pk,
            "started": hit.session.started_at,
            "client": hit.session.client,
            "practitioner": hit.session.practitioner.display_name,
            "uses": hit.uses,
            "serial": hit.session.device_serial,
            "status": hit.session.get_status_display(),
            "amended": hit.amendment_count > 0,
            "value_amended": hit.amended,
        }
        for hit in hits
    ]


class LotTraceExportView(ClinicStaffMixin, View):
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = LotTraceForm(request.GET)
        query = _trace_query(form)
        if query is None:
            messages.error(request, "Search by a lot or by a device serial first.")
            return HttpResponseRedirect(reverse("lot-trace"))
        rows = session_selectors.lot_trace(clinic=self.clinic, **query)
        session_audit.recall_searched(
            clinic=self.clinic,
            actor=request.user,
            query={**query, "format": "csv"},
            sessions=[hit.session for hit in rows],
            count=len(rows),
            export=True,
        )
        body = session_selectors.lot_trace_csv(rows=rows)
        stamp = self.clinic.local_today().isoformat()
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="lot-trace-{stamp}.csv"'
        return response


def moved_permanently(to: str) -> Callable[[HttpRequest], HttpResponse]:
    """A view answering 301 to the URL named ``to``, keeping the query string."""

    def view(request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(reverse(to) + (f"?{query}" if query else ""))

    return view
