"""Pages: the client's aftercare page (signed link, no login), the staff PDF download and
the staff page that cancels a session's aftercare."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_GET

from aftercare import links, selectors
from aftercare.forms import AftercareCancelForm
from aftercare.models import AftercareSchedule
from aftercare.pdf import aftercare_pdf, pdf_filename
from aftercare.schedules import aftercare_cancel
from clinic.access import request_membership
from clinic.messaging.links import BadLink
from clinic.messaging.models import OutgoingMessage
from clinic.messaging.views import private_response, refuse_link
from clinic.roles import Ability
from clinic.views import ClinicStaffMixin
from common.audit import audit_record
from common.errors import ApplicationError, NotFound
from common.typing import AuthenticatedHttpRequest


def _schedule_from(request: HttpRequest, token: str) -> AftercareSchedule:
    try:
        schedule_id = links.schedule_id_from(token)
    except BadLink as error:
        refuse_link(request, "aftercare_schedule", error)
    schedule = (
        AftercareSchedule.objects.select_related(
            "template", "clinic", "client", "session__plan__protocol_set"
        )
        .filter(pk=schedule_id)
        .first()
    )
    if schedule is None:
        refuse_link(request, "aftercare_schedule", BadLink("no such schedule"), schedule_id)
    return schedule


@require_GET
def client_page(request: HttpRequest, token: str) -> HttpResponse:
    """The client's aftercare: what is done, what comes next, the PDF, the clinic."""
    schedule = _schedule_from(request, token)
    audit_record(
        actor=None,
        action="read",
        object_type="aftercare_schedule",
        object_id=schedule.pk,
        clinic_id=schedule.clinic_id,
        client_id=schedule.client_id,
        channel="link",
    )
    rows = selectors.schedule_rows(schedule=schedule)
    next_row = next((row for row in rows if not row.done), None)
    response = render(
        request,
        "aftercare/client_page.html",
        {
            "schedule": schedule,
            "clinic": schedule.clinic,
            "client": schedule.client,
            "rows": rows,
            "next_row": next_row,
            "session_local": schedule.ended_at.astimezone(schedule.zone),
            "warning_signs": schedule.template.warning_signs,
            "pdf_url": links.page_pdf_url(token),
            "cancelled": schedule.cancelled_at is not None,
        },
    )
    return private_response(response)


def pdf_response(schedule: AftercareSchedule) -> HttpResponse:
    response = HttpResponse(aftercare_pdf(schedule_id=schedule.pk), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(schedule)}"'
    return private_response(response)


@require_GET
def client_pdf(request: HttpRequest, token: str) -> HttpResponse:
    schedule = _schedule_from(request, token)
    audit_record(
        actor=None,
        action="export",
        object_type="aftercare_pdf",
        object_id=schedule.pk,
        clinic_id=schedule.clinic_id,
        client_id=schedule.client_id,
        channel="link",
    )
    return pdf_response(schedule)


@login_required
@require_GET
def staff_session_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A session's aftercare PDF for the clinic's staff; another clinic's is 404."""
    membership = request_membership(request)
    if membership is None:
        raise Http404("No such session.")
    try:
        schedule = selectors.schedule_for_session(clinic=membership.clinic, session_id=pk)
    except NotFound:
        raise Http404("No such session.") from None
    audit_record(
        actor=request.user,
        action="export",
        object_type="aftercare_pdf",
        object_id=schedule.pk,
        clinic_id=schedule.clinic_id,
        client_id=schedule.client_id,
    )
    return pdf_response(schedule)


class SessionAftercareCancelView(ClinicStaffMixin, View):
    """Cancel a signed session's aftercare: the page is the confirm step, with the reason."""

    required_ability = Ability.CANCEL_AFTERCARE

    def get_schedule(self, pk: int) -> AftercareSchedule:
        try:
            return selectors.schedule_for_session(clinic=self.clinic, session_id=pk)
        except NotFound:
            raise Http404("No such session.") from None

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        schedule = self.get_schedule(pk)
        if schedule.cancelled_at is not None:
            messages.info(request, "This aftercare is already cancelled.")
            return HttpResponseRedirect(reverse("session-detail", args=[pk]))
        return self.render_page(request, schedule, AftercareCancelForm())

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        schedule = self.get_schedule(pk)
        form = AftercareCancelForm(request.POST)
        if not form.is_valid():
            return self.render_page(request, schedule, form, status=400)
        try:
            aftercare_cancel(
                schedule=schedule, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.detail) from exc
            if exc.code == "aftercare_already_cancelled":
                messages.info(request, exc.detail)
                return HttpResponseRedirect(reverse("session-detail", args=[pk]))
            for name, errors in (exc.fields or {"__all__": [exc.detail]}).items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
            return self.render_page(request, schedule, form, status=exc.status_code)
        messages.success(
            request, "The aftercare is cancelled: no further aftercare e-mails go to the client."
        )
        return HttpResponseRedirect(reverse("session-detail", args=[pk]) + "#aftercare")

    def render_page(
        self,
        request: HttpRequest,
        schedule: AftercareSchedule,
        form: AftercareCancelForm,
        status: int = 200,
    ) -> HttpResponse:
        pending = [
            row
            for row in selectors.schedule_rows(schedule=schedule)
            if row.message is not None and row.message.status == OutgoingMessage.Status.PENDING
        ]
        return render(
            request,
            "aftercare/cancel.html",
            {
                "schedule": schedule,
                "session": schedule.session,
                "client": schedule.client,
                "pending": pending,
                "zone": schedule.zone,
                "form": form,
            },
            status=status,
        )
