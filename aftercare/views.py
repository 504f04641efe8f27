"""Pages: the client's aftercare page and unsubscribing (signed links, no login), and
the staff download of a session's PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import request_membership
from clinic.models import Client
from common.audit import audit_record
from common.errors import ApplicationError, NotFound

from . import links, messaging, selectors, timeline
from .models import AftercareSchedule, Unsubscription
from .pdf import aftercare_pdf, pdf_filename
from .services import client_unsubscribe


def _private(response: HttpResponse) -> HttpResponse:
    """Pages opened by a secret link: not cached, not indexed, the link not leaked."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _refuse(request: HttpRequest, what: str, error: links.BadLink) -> None:
    audit_record(
        actor=None,
        action="denied",
        object_type=what,
        detail={"reason": error.reason, "expired": error.expired},
        channel="link",
    )
    raise Http404("This link is not valid (it may have expired).")


def _schedule_from(request: HttpRequest, token: str) -> AftercareSchedule:
    try:
        schedule_id = links.schedule_id_from(token)
    except links.BadLink as error:
        _refuse(request, "aftercare_schedule", error)
    schedule = (
        AftercareSchedule.objects.select_related(
            "template", "clinic", "client", "session__plan__protocol_set"
        )
        .filter(pk=schedule_id)
        .first()
    )
    if schedule is None:
        _refuse(request, "aftercare_schedule", links.BadLink("no such schedule"))
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
    return _private(response)


def _pdf_response(schedule: AftercareSchedule) -> HttpResponse:
    response = HttpResponse(aftercare_pdf(schedule_id=schedule.pk), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(schedule)}"'
    return _private(response)


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


@csrf_exempt  # the signed token is the permission; RFC 8058 one-click POSTs carry no cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link scanners prefetch links); POST unsubscribes."""
    try:
        wanted = links.unsubscribe_from(token)
    except links.BadLink as error:
        _refuse(request, "unsubscription", error)
    client = Client.objects.select_related("clinic").filter(pk=wanted.client_id).first()
    spec = timeline.AFTERCARE_KINDS.get(wanted.kind)
    if client is None or spec is None:
        _refuse(request, "unsubscription", links.BadLink("no such client or kind"))
    label = messaging.get(wanted.kind).label
    done = Unsubscription.objects.filter(client=client, kind=wanted.kind).exists()
    if request.method == "POST" and not done:
        try:
            client_unsubscribe(client=client, kind=wanted.kind)
        except ApplicationError:
            raise Http404("This kind of e-mail cannot be stopped.") from None
        done = True
    response = render(
        request,
        "aftercare/unsubscribe.html",
        {"clinic": client.clinic, "label": label, "done": done},
    )
    return _private(response)


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
