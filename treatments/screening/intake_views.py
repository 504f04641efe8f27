"""Online intake pages (decision 0020): the client's page behind a signed link, and the
staff's buttons on the client page (send a link, revoke it)."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from clinic.messaging.links import BadLink
from clinic.messaging.views import private_response, refuse_link
from clinic.models import Client
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError
from common.typing import AuthenticatedHttpRequest
from treatments.screening import intake
from treatments.screening.forms import NEVER_LABEL, AnswersOnlyForm, IntakeDetailsForm
from treatments.screening.models import IntakeLink
from treatments.screening.services import rule_set_current
from treatments.screening.views import live_outcome, live_outcome_context

FORM_ID = "intake-form"
SAVE_LABEL = "Send my answers"


def _open(request: HttpRequest, token: str) -> IntakeLink:
    """The link a token opens, or 404 with the attempt audited as denied."""
    try:
        return intake.link_from_token(token)
    except BadLink as error:
        refuse_link(request, "intake_link", error, getattr(error, "link_id", ""))


def _as_entered(client: Client, data: QueryDict) -> Client:
    """The client as the page's details say (unsaved): a corrected date of birth changes
    the outcome (age on the treatment date) before it is sent."""
    details = IntakeDetailsForm(data, instance=copy.copy(client))
    if details.is_valid():
        return details.instance
    return client


# The signed token in the path is the permission, not a session cookie; and the page
# sends no Referer (its address is secret), so browsers post with ``Origin: null``,
# which CSRF's origin check refuses. As the readiness page.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def intake_page(request: HttpRequest, token: str) -> HttpResponse:
    """Mobile-first; works without JavaScript. The client's details and the whole
    questionnaire with the staff form's live outcome; "Check my answers" shows the
    outcome without JavaScript, "Send my answers" stores them (once)."""
    link = _open(request, token)
    client = link.client
    questions = rule_set_current(clinic=link.clinic).data["questions"]
    today = link.clinic.local_today()
    live: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        details = IntakeDetailsForm(request.POST, instance=copy.copy(client))
        form = AnswersOnlyForm(request.POST, questions=questions)
        live = live_outcome_context(
            request.POST,
            client=_as_entered(client, request.POST),
            actor=None,
            planned_date=today,
            channel="link",
        )
        if request.POST.get("action") != "send":
            details.is_valid()  # show the details' errors too
        elif details.is_valid() and form.is_valid():
            data = {name: details.cleaned_data[name] for name in intake.DETAIL_FIELDS}
            try:
                submitted = intake.intake_submit(
                    link=link, details=data, raw_answers=form.answers()
                )
            except BadLink as error:  # used or revoked a moment ago
                refuse_link(request, "intake_link", error, link.pk)
            except ApplicationError as exc:
                form.add_service_errors(exc.fields, exc.detail)
                status = 400
            else:
                return _thank_you(request, link, submitted)
        else:
            status = 400
    else:
        intake.intake_viewed(link=link)
        details = IntakeDetailsForm(instance=client)
        form = AnswersOnlyForm(questions=questions)
    response = render(
        request,
        "screening/intake_page.html",
        {
            "clinic": link.clinic,
            "client": client,
            "link": link,
            "expires_local": link.expires_at.astimezone(link.clinic.zone),
            "details": details,
            "form": form,
            "never_label": NEVER_LABEL,
            "live": live,
            "live_url": reverse("intake-live", args=[token]),
            "form_id": FORM_ID,
            "save_label": SAVE_LABEL,
        },
        status=status,
    )
    return private_response(response)


def _thank_you(request: HttpRequest, link: IntakeLink, submitted: intake.Submitted) -> HttpResponse:
    response = render(
        request,
        "screening/intake_done.html",
        {
            "clinic": link.clinic,
            "client": submitted.screening.client,
            "message": submitted.message,
            "blocked": submitted.blocked,
        },
    )
    return private_response(response)


@csrf_exempt
@require_POST
def intake_live(request: HttpRequest, token: str) -> HttpResponse:
    """The page's live outcome (htmx posts the form here): the staff form's rendering,
    evaluated for today in the clinic's zone, audited through the link."""
    link = _open(request, token)
    response = live_outcome(
        request,
        client=_as_entered(link.client, request.POST),
        actor=None,
        planned_date=link.clinic.local_today(),
        channel="link",
    )
    return private_response(response)


# --- staff: the client page's intake link ------------------------------------------------


class IntakeLinkSendView(ClinicStaffMixin, View):
    """A new link for the client (an earlier open one stops working), e-mailed when the
    client can be e-mailed; the page shows it to copy or print."""

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        client = self.get_client(pk)
        sent = intake.intake_link_send(client=client, actor=request.user)
        response = render(
            request,
            "screening/intake_link_sent.html",
            {
                "client": client,
                "sent": sent,
                "expires_local": sent.link.expires_at.astimezone(self.clinic.zone),
            },
        )
        return private_response(response)


class IntakeLinkRevokeView(ClinicStaffMixin, View):
    def post(self, request: AuthenticatedHttpRequest, pk: int, link_pk: int) -> HttpResponse:
        client = self.get_client(pk)
        link = IntakeLink.objects.filter(pk=link_pk, client=client).first()
        if link is None:
            raise Http404("No such intake link.")
        intake.intake_link_revoke(link=link, actor=request.user)
        messages.success(request, "The intake link no longer opens.")
        return HttpResponseRedirect(reverse("client-detail", args=[client.pk]) + "#intake-title")
