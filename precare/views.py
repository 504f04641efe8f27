"""Staff pages: the preparation template (and publishing it), the appointment's PDF, the
readiness link (shown to print or pass on, and revoked); the client's readiness page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import request_membership
from clinic.booking.models import Appointment, AppointmentKind
from clinic.booking.selectors import appointment_get
from clinic.messaging.links import BadLink
from clinic.messaging.views import private_response, refuse_link
from clinic.publish import VersionPublishView
from clinic.roles import Ability
from clinic.views import ClinicStaffMixin
from common.audit import audit_record
from common.errors import ApplicationError, NotFound
from common.typing import AuthenticatedHttpRequest
from precare import readiness, selectors, services, timeline
from precare.forms import PrecarePublishForm
from precare.models import PrecareTemplate, ReadinessLink
from precare.pdf import pdf_filename, precare_pdf
from treatments.screening.forms import NEVER_LABEL, AnswersOnlyForm, initial_from_answers
from treatments.screening.services import rule_set_current


class PrecareTemplateView(ClinicStaffMixin, View):
    """The clinic's current preparation: moments, texts, lists and the dated rules."""

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        current = services.precare_template_current(clinic=self.clinic)
        parsed = current.parsed()
        rule_set = rule_set_current(clinic=self.clinic)
        dated_rules = [
            {
                "code": item.rule_code,
                "thing": item.thing,
                "period": item.period,
            }
            for item in timeline.dated_items(
                rule_set.engine(),
                things=parsed.things,
                appointment_date=self.clinic.local_today(),
                planned_on=self.clinic.local_today(),
            )
        ]
        versions = PrecareTemplate.objects.filter(clinic=self.clinic).order_by("-version")[:20]
        return render(
            request,
            "precare/template_detail.html",
            {
                "current": current,
                "template": parsed,
                "rule_set": rule_set,
                "dated_rules": dated_rules,
                "versions": versions,
            },
        )


class PrecarePublishView(VersionPublishView):
    """A manager publishes a new preparation-template version built from the current one."""

    request: AuthenticatedHttpRequest

    template_name = "precare/template_publish.html"
    success_url_name = "precare-template"
    success_note = "Appointments booked or moved from now on use it."

    def current(self) -> PrecareTemplate:
        return services.precare_template_current(clinic=self.clinic)

    def make_form(
        self, current: PrecareTemplate, data: QueryDict | None = None, note: str = ""
    ) -> PrecarePublishForm:
        initial = {**PrecarePublishForm.initial_from(current), "note": note}
        return PrecarePublishForm(data, initial=initial, current=current)

    def publish(self, form: PrecarePublishForm) -> PrecareTemplate:
        return services.precare_template_publish(
            clinic=self.clinic,
            actor=self.request.user,
            data=form.data_for_publishing(),
            note=form.cleaned_data.get("note", ""),
        )

    def extra_context(self, current: Any, form: Any) -> dict[str, Any]:
        return {"item_fields": form.item_fields()}


@login_required
@require_GET
def staff_appointment_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """An appointment's preparation PDF for the clinic's staff; another clinic's is 404."""
    membership = request_membership(request)
    if membership is None:
        raise Http404("No such appointment.")
    try:
        _appointment, schedule = selectors.precare_for_appointment(
            clinic=membership.clinic, appointment_id=pk
        )
    except NotFound:
        raise Http404("No such appointment.") from None
    if schedule is None:
        raise Http404("This appointment has no preparation (it is not a treatment).")
    audit_record(
        actor=request.user,
        action="export",
        object_type="precare_pdf",
        object_id=schedule.pk,
        clinic_id=schedule.clinic_id,
        client_id=schedule.client_id,
    )
    response = HttpResponse(precare_pdf(schedule_id=schedule.pk), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(schedule)}"'
    return private_response(response)


# --- staff: the readiness link of an appointment (decision 0018) --------------------------


class _AppointmentMixin(ClinicStaffMixin):
    """The clinic's appointment named in the path; another clinic's is 404."""

    required_ability = Ability.BOOK  # everyone at the desk, as the link API

    def appointment(self, pk: int) -> Appointment:
        try:
            return appointment_get(clinic=self.clinic, appointment_id=pk)
        except NotFound:
            raise Http404("No such appointment.") from None

    def back(self, appointment: Appointment) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("appointment-detail", args=[appointment.pk]))


class ReadinessLinkView(_AppointmentMixin, View):
    """POST: the client's readiness link, on a page to print or copy into a message.

    The same link the 48-hour e-mail carries (``POST /api/appointments/{id}/readiness-link/``);
    made on first use, so showing it is a write (POST) and audited.
    """

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        appointment = self.appointment(pk)
        if appointment.kind != AppointmentKind.TREATMENT:
            messages.error(request, "Only a treatment has a readiness check.")
            return self.back(appointment)
        if appointment.status not in readiness.ACTIVE or appointment.start <= timezone.now():
            messages.error(
                request, "The appointment is no longer ahead; its readiness check is closed."
            )
            return self.back(appointment)
        link = readiness.readiness_link_for(appointment)
        audit_record(
            actor=request.user,
            action="create",
            object_type="readiness_link",
            object_id=link.pk,
            clinic_id=appointment.clinic_id,
            client_id=appointment.client_id,
        )
        response = render(
            request,
            "precare/readiness_link.html",
            {
                "appointment": appointment,
                "link": link,
                "url": readiness.page_url_for(link),
                "local_start": appointment.start.astimezone(self.clinic.zone),
            },
        )
        return private_response(response)


class ReadinessLinkRevokeView(_AppointmentMixin, View):
    """POST: every open readiness link of the appointment stops opening (audited)."""

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        appointment = self.appointment(pk)
        links = ReadinessLink.objects.filter(
            clinic=self.clinic, appointment=appointment, revoked_at__isnull=True
        )
        revoked = 0
        for link in links:
            readiness.readiness_link_revoke(link=link, actor=request.user)
            revoked += 1
        if revoked:
            messages.success(
                request,
                "The readiness link was revoked: it no longer opens. "
                "Show the readiness link again to make a new one.",
            )
        else:
            messages.info(request, "There was no open readiness link to revoke.")
        return self.back(appointment)


# --- the client's readiness page (signed link, no login; decision 0018) ------------------


# The signed token in the path is the permission, not a session cookie: a page that
# does not hold the token cannot post here. And the page sends no Referer (its address is
# secret), so browsers post with ``Origin: null``, which CSRF's origin check refuses.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def readiness_page(request: HttpRequest, token: str) -> HttpResponse:
    """Mobile-first, no JavaScript: "Nothing has changed", or the questions with the
    client's last answers. Never cancels the appointment."""
    try:
        link = readiness.link_from_token(token)
    except BadLink as error:
        refuse_link(request, "readiness_link", error, getattr(error, "link_id", ""))
    appointment = link.appointment
    rule_set = rule_set_current(clinic=link.clinic)
    questions = rule_set.data["questions"]
    last = readiness.last_screening(appointment)
    message = ""
    status = 200
    if request.method == "POST":
        form = AnswersOnlyForm(request.POST, questions=questions)
        try:
            if request.POST.get("choice") == "unchanged":
                message = readiness.readiness_respond(link=link, unchanged=True).message
            elif form.is_valid():
                message = readiness.readiness_respond(
                    link=link, unchanged=False, raw_answers=form.answers()
                ).message
            else:
                status = 400
        except ApplicationError as exc:
            form.add_service_errors(exc.fields, exc.detail)
            status = 400
    else:
        readiness.readiness_viewed(link=link)
    if status == 200:  # show the answers on record now (the client's new ones, if sent)
        last = readiness.last_screening(appointment)
        form = AnswersOnlyForm(
            questions=questions,
            initial=initial_from_answers(questions, last.answers if last is not None else {}),
        )
    response = render(
        request,
        "precare/readiness_page.html",
        {
            "link": link,
            "clinic": link.clinic,
            "client": link.client,
            "appointment": appointment,
            "local_start": appointment.start.astimezone(link.clinic.zone),
            "zone": link.clinic.timezone,
            "form": form,
            "never_label": NEVER_LABEL,
            "has_answers": last is not None,
            "readiness": readiness.readiness_of(appointment),
            "message": message,
        },
        status=status,
    )
    return private_response(response)
