"""Pages: the client's aftercare page (signed link, no login) and the staff PDF download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from aftercare import links, selectors
from aftercare.models import AftercareSchedule
from aftercare.pdf import aftercare_pdf, pdf_filename
from clinic.access import request_membership
from clinic.messaging.links import BadLink
from clinic.messaging.views import private_response, refuse_link
from common.audit import audit_record
from common.errors import NotFound


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


def _pdf_response(schedule: AftercareSchedule) -> HttpResponse:
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
    return _pdf_response(schedule)


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
    return _pdf_response(schedule)
