"""Recall: every session that used a cartridge lot or a device, and its CSV download."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError
from common.typing import AuthenticatedHttpRequest
from treatments.records import audit as session_audit
from treatments.records import selectors as session_selectors
from treatments.records.forms import RecallForm, add_error

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
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = RecallForm(request.GET or None)
        query = _recall_query(form)
        rows: list[session_selectors.RecallHit] = []
        export_url = None
        if query is not None:
            try:
                rows = session_selectors.recall_sessions(clinic=self.clinic, **query)
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


def _recall_rows(hits: list[session_selectors.RecallHit]) -> list[dict[str, Any]]:
    """Results as the table shows them."""
    return [
        {
            "pk": hit.session.pk,
            "started": hit.session.started_at,
            "client": hit.session.client,
            "practitioner": hit.session.practitioner.display_name,
            "lot": hit.session.cartridge_lot,
            "serial": hit.session.device_serial,
            "status": hit.session.get_status_display(),
            "amended": hit.amendment_count > 0,
            "value_amended": hit.amended,
        }
        for hit in hits
    ]


class RecallExportView(ClinicStaffMixin, View):
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = RecallForm(request.GET)
        query = _recall_query(form)
        if query is None:
            messages.error(request, "Search by a cartridge lot or by a device serial first.")
            return HttpResponseRedirect(reverse("recall"))
        rows = session_selectors.recall_sessions(clinic=self.clinic, **query)
        session_audit.recall_searched(
            clinic=self.clinic,
            actor=request.user,
            query={**query, "format": "csv"},
            sessions=[hit.session for hit in rows],
            count=len(rows),
            export=True,
        )
        body = session_selectors.recall_csv(rows=rows)
        stamp = self.clinic.local_today().isoformat()
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="recall-{stamp}.csv"'
        return response
