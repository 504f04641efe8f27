"""Staff pages for contraindication screening and the clinic's screening rules.

Thin, like the API: forms collect input, services decide and write, selectors read.
Nothing here knows a rule; the words for outcomes and conditions are presentation only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from clinic import services as clinic_services
from clinic.models import Client, Membership, User
from clinic.publish import VersionPublishView
from clinic.roles import can_review_screening
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError, NotFound
from common.typing import AuthenticatedHttpRequest
from treatments.screening import display, rules, selectors, services
from treatments.screening.forms import (
    NEVER_LABEL,
    AnswersOnlyForm,
    ConfirmForm,
    ReviewForm,
    RuleSetPublishForm,
    ScreeningForm,
    group_questions,
    question_dom_id,
    question_of_field,
)
from treatments.screening.models import RuleSet, Screening


def _not_found(exc: NotFound) -> Http404:
    return Http404(exc.detail)


# --- taking a screening ---------------------------------------------------------------


class ScreeningNewView(ClinicStaffMixin, View):
    """The intake form; the live panel shows ``live_outcome``, saving asks the service."""

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        client = self.get_client(pk)
        rule_set = services.rule_set_current(clinic=self.clinic)
        form = ScreeningForm(
            questions=rule_set.data["questions"],
            initial={
                "planned_date": client.clinic.local_today(),
                "rule_set_version": rule_set.version,
            },
        )
        clinic_services.client_record_read(client=client, actor=request.user)
        return self._render(request, client, rule_set, form)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        client = self.get_client(pk)
        rule_set = services.rule_set_current(clinic=self.clinic)
        form = ScreeningForm(request.POST, questions=rule_set.data["questions"])
        status = 400
        if form.is_valid():
            if form.cleaned_data["rule_set_version"] != rule_set.version:
                form.add_error(
                    None,
                    f"The clinic published version {rule_set.version} of the screening rules "
                    "while this form was open. Check the answers below and save again.",
                )
                data = request.POST.copy()
                data["rule_set_version"] = str(rule_set.version)
                form.data = data
                status = 409
            else:
                try:
                    screening = services.screening_take(
                        client=client,
                        actor=request.user,
                        planned_date=form.cleaned_data["planned_date"],
                        raw_answers=form.answers(),
                        rule_set=rule_set,
                    )
                except ApplicationError as exc:
                    form.add_service_errors(exc.fields, exc.detail)
                    status = exc.status_code if exc.status_code >= 400 else 400
                else:
                    messages.success(request, "Screening saved.")
                    return HttpResponseRedirect(reverse("screening-detail", args=[screening.pk]))
        return self._render(request, client, rule_set, form, status=status)

    def _render(
        self,
        request: HttpRequest,
        client: Client,
        rule_set: RuleSet,
        form: ScreeningForm,
        status: int = 200,
    ) -> HttpResponse:
        today = client.clinic.local_today()
        form.fields["planned_date"].widget.attrs["min"] = today.isoformat()
        return render(
            request,
            "screening/screening_form.html",
            {
                "client": client,
                "age": client.age_on(today),
                "today": today,
                "rule_set": rule_set,
                "form": form,
                "never_label": NEVER_LABEL,
                "live_url": reverse("screening-live-outcome", args=[client.pk]),
            },
            status=status,
        )


# --- the live outcome beside a screening form ----------------------------------------


@dataclass(frozen=True)
class Problem:
    """An answer to correct before the outcome can be worked out, linked to its field."""

    field: str  # the question code, "planned_date", or "" for the form as a whole
    href: str
    label: str
    messages: str


def _problems(form: ScreeningForm) -> list[Problem]:
    texts = {q["code"]: q["text"] for q in form.questions}
    found = []
    for name, errors in form.errors.items():
        code = question_of_field(name)
        if code is not None:
            found.append(
                Problem(
                    code,
                    f"#{question_dom_id(code)}",
                    texts.get(code, code),
                    " ".join(map(str, errors)),
                )
            )
        elif name in form.fields:
            bound = form[name]
            found.append(
                Problem(
                    name, f"#{bound.id_for_label}", str(bound.label), " ".join(map(str, errors))
                )
            )
        else:
            found.append(Problem("", "", "", " ".join(map(str, errors))))
    return found


def live_outcome_context(
    data: QueryDict,
    *,
    client: Client,
    actor: User | None,
    planned_date: date | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """What ``screening/_live_outcome.html`` shows for the answers in ``data``; nothing is
    stored, each evaluation is audited like the API's dry run.

    Staff forms post the planned date with the answers. The client's own page (online
    intake) has no date field: it passes ``planned_date``, no actor and the ``link``
    channel, and evaluates the same way.
    """
    rule_set = services.rule_set_current(clinic=client.clinic)
    questions = rule_set.data["questions"]
    form: ScreeningForm = (
        ScreeningForm(data, questions=questions)
        if planned_date is None
        else AnswersOnlyForm(data, questions=questions)
    )
    result, detail = None, "Correct these to see the outcome."
    if form.is_valid():
        try:
            prepared = services.screening_dry_run(
                client=client,
                actor=actor,
                planned_date=planned_date or form.cleaned_data["planned_date"],
                raw_answers=form.answers(),
                channel=channel,
            )
        except ApplicationError as exc:
            form.add_service_errors(exc.fields, exc.detail)
            detail = exc.detail
        else:
            result = display.evaluation_result(prepared.evaluation, rule_set)
    problems = _problems(form) if result is None else []
    return {
        "result": result,
        "problems": problems,
        "problems_detail": detail,
        "invalid_fields": [problem.field for problem in problems if problem.field],
    }


def live_outcome(
    request: HttpRequest,
    *,
    client: Client,
    actor: User | None,
    planned_date: date | None = None,
    channel: str | None = None,
) -> HttpResponse:
    """The live outcome of the answers a screening form posts; nothing is stored.

    Renders ``screening/_live_outcome.html``: what the result page would show if the
    form were saved now, or what to correct first. A page with the screening questions
    mounts it with ``screening/_live_panel.html`` and a route that finds the client the
    way that page does and calls this (see :func:`live_outcome_context`).
    """
    context = live_outcome_context(
        request.POST, client=client, actor=actor, planned_date=planned_date, channel=channel
    )
    return render(request, "screening/_live_outcome.html", {**context, "announce": True})


class ScreeningLiveOutcomeView(ClinicStaffMixin, View):
    """The intake form's live outcome (htmx posts the form here as answers change)."""

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        return live_outcome(request, client=self.get_client(pk), actor=request.user)


# --- a stored screening ---------------------------------------------------------------


class ScreeningAccessMixin(ClinicStaffMixin):
    membership: Membership  # ClinicStaffMixin.dispatch turns away requests without one

    def get_screening(self, pk: int) -> Screening:
        try:
            return selectors.screening_get(clinic=self.clinic, screening_id=pk)
        except NotFound as exc:
            raise _not_found(exc) from exc

    def can_review(self) -> bool:
        return can_review_screening(self.membership)

    def render_screening(
        self,
        request: HttpRequest,
        screening: Screening,
        review_form: ReviewForm | None = None,
        review_error: str = "",
        status: int = 200,
        confirm_form: ConfirmForm | None = None,
        confirm_error: str = "",
    ) -> HttpResponse:
        review = getattr(screening, "review", None)
        show_review_form = (
            screening.outcome == rules.OUTCOME_CAUTION and review is None and self.can_review()
        )
        confirmation = getattr(screening, "confirmation", None)
        show_confirm_form = (
            screening.client_submitted and confirmation is None and self.can_review()
        )
        return render(
            request,
            "screening/screening_detail.html",
            {
                "screening": screening,
                "client": screening.client,
                "result": display.stored_result(screening),
                "answer_groups": display.answer_groups(screening.rule_set, screening.answers),
                "valid_until": selectors.screening_valid_until(screening),
                "review": review,
                "review_form": (review_form or ReviewForm()) if show_review_form else None,
                "review_error": review_error,
                "confirmation": confirmation,
                "confirm_form": (confirm_form or ConfirmForm()) if show_confirm_form else None,
                "confirm_error": confirm_error,
                "via_link": getattr(screening, "intake_link", None),
                "clinic_timezone": self.clinic.timezone,
            },
            status=status,
        )


class ScreeningDetailView(ScreeningAccessMixin, View):
    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        screening = self.get_screening(pk)
        services.screening_viewed(screening=screening, actor=request.user)
        return self.render_screening(request, screening)


class ScreeningReviewView(ScreeningAccessMixin, View):
    """A practitioner records the review of a ``caution`` result."""

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        screening = self.get_screening(pk)
        if not self.can_review():
            raise PermissionDenied("Only a practitioner can review a screening.")
        form = ReviewForm(request.POST)
        if not form.is_valid():
            return self.render_screening(request, screening, review_form=form, status=400)
        try:
            services.screening_review(
                screening=screening,
                actor=request.user,
                role=self.membership.role,
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.detail) from exc
            if exc.fields and "note" in exc.fields:
                for error in exc.fields["note"]:
                    form.add_error("note", error)
                return self.render_screening(
                    request, screening, review_form=form, status=exc.status_code
                )
            # E.g. another practitioner reviewed it a moment ago: show theirs and why.
            return self.render_screening(
                request,
                self.get_screening(pk),
                review_form=form,
                review_error=exc.detail,
                status=exc.status_code,
            )
        messages.success(request, "Review recorded.")
        return HttpResponseRedirect(reverse("screening-detail", args=[screening.pk]))


class ScreeningConfirmView(ScreeningAccessMixin, View):
    """A practitioner confirms a client's submitted answers (``screening_confirm``, the
    service ``POST /api/screenings/{id}/confirm/`` uses); its refusals are shown."""

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        screening = self.get_screening(pk)
        if not self.can_review():
            raise PermissionDenied("Only a practitioner can confirm a client's screening answers.")
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            return self.render_screening(request, screening, confirm_form=form, status=400)
        try:
            services.screening_confirm(
                screening=screening,
                actor=request.user,
                role=self.membership.role,
                note=form.cleaned_data["note"],
            )
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.detail) from exc
            # Already confirmed by someone else, expired, a staff screening: say why.
            return self.render_screening(
                request,
                self.get_screening(pk),
                confirm_form=form,
                confirm_error=exc.detail,
                status=exc.status_code,
            )
        messages.success(request, "The client's answers are confirmed.")
        return HttpResponseRedirect(reverse("screening-detail", args=[screening.pk]))


# --- rule sets ------------------------------------------------------------------------


class RuleSetListView(ClinicStaffMixin, View):
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        current = services.rule_set_current(clinic=self.clinic)
        return _render_rule_set(
            request,
            "screening/rule_set_list.html",
            current,
            versions=selectors.rule_set_list(clinic=self.clinic).order_by("-version"),
        )


class RuleSetDetailView(ClinicStaffMixin, View):
    def get(self, request: AuthenticatedHttpRequest, version: int) -> HttpResponse:
        current = services.rule_set_current(clinic=self.clinic)  # version 1 on first use
        try:
            rule_set = selectors.rule_set_get(clinic=self.clinic, version=version)
        except NotFound as exc:
            raise _not_found(exc) from exc
        return _render_rule_set(
            request,
            "screening/rule_set_detail.html",
            rule_set,
            is_current=rule_set.pk == current.pk,
            current=current,
        )


def _render_rule_set(
    request: HttpRequest, template: str, rule_set: RuleSet, **extra: Any
) -> HttpResponse:
    shown, citations = display.rules_for_display(rule_set)
    return render(
        request,
        template,
        {
            "rule_set": rule_set,
            "rules": shown,
            "citations": citations,
            "question_groups": [
                (heading, questions)
                for _, heading, questions in group_questions(rule_set.data.get("questions", []))
            ],
            **extra,
        },
    )


class RuleSetPublishView(VersionPublishView):
    """A manager publishes a new rule-set version built from the current one."""

    request: AuthenticatedHttpRequest  # a staff page: anonymous visitors are turned away

    template_name = "screening/rule_set_publish.html"
    success_url_name = "rule-set-list"
    success_note = (
        "New screenings use it; earlier screenings keep the version they were taken with."
    )

    def current(self) -> RuleSet:
        return services.rule_set_current(clinic=self.clinic)

    def make_form(
        self, current: RuleSet, data: QueryDict | None = None, note: str = ""
    ) -> RuleSetPublishForm:
        initial = {"base_version": current.version, "note": note}
        return RuleSetPublishForm(data, data_source=current.data, initial=initial)

    def publish(self, form: RuleSetPublishForm) -> RuleSet:
        return services.rule_set_publish(
            clinic=self.clinic,
            actor=self.request.user,
            data=form.rule_set_data(),
            note=form.cleaned_data["note"],
        )

    def extra_context(self, current: RuleSet, form: RuleSetPublishForm) -> dict:
        questions = {q["code"]: q for q in current.data.get("questions", [])}
        rows = [
            (row, display.condition_words(row.rule["condition"], questions)) for row in form.rows
        ]
        return {"rows": rows}
