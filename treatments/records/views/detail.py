"""The record as it stands (read-only once signed) and the amendment form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from common.errors import ApplicationError
from common.typing import AuthenticatedHttpRequest
from treatments.records import amendments as session_amendments
from treatments.records import audit as session_audit
from treatments.records.forms import AMENDABLE_FIELDS, AmendmentForm, add_error
from treatments.records.models import TreatmentSession
from treatments.records.views.base import SessionPageMixin, messages_of, status_of
from treatments.records.views.context import record_context


class SessionDetailView(SessionPageMixin, View):
    """The record as it stands: read-only; signed records show history and amendments."""

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        session_audit.session_viewed(session=session, actor=request.user)
        return self.render_detail(request, session)

    def render_detail(
        self,
        request: HttpRequest,
        session: TreatmentSession,
        amend_form: AmendmentForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        # Corrections to a signed record are amendments, by those who record sessions.
        can_amend = session.is_signed and self.can_record()
        return render(
            request,
            "records/session_detail.html",
            {
                **record_context(session),
                "amend_form": (amend_form or AmendmentForm()) if can_amend else None,
                "is_performer": self.is_performer(session),
            },
            status=status,
        )


class SessionAmendView(SessionDetailView):
    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        return HttpResponseRedirect(reverse("session-detail", args=[pk]))

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        session = self.get_session(pk)
        self.require_recorder()
        if not session.is_signed:
            messages.info(request, "The session is in progress: change the record itself.")
            return HttpResponseRedirect(reverse("session-edit", args=[pk]))
        form = AmendmentForm(request.POST)
        if not form.is_valid():
            return self.render_detail(request, session, amend_form=form, status=400)
        try:
            session_amendments.session_amend(
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
                for message in messages_of(value):
                    add_error(form, name, message)
            if not exc.fields:
                add_error(form, None, exc.detail)
            return self.render_detail(
                request, self.get_session(pk), amend_form=form, status=status_of(exc)
            )
        messages.success(request, "Amendment added to the record.")
        return HttpResponseRedirect(reverse("session-detail", args=[pk]) + "#history")
