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
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from clinic import services as clinic_services
from clinic.publish import VersionPublishView
from clinic.roles import can_review_screening
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError, NotFound
from treatments.screening import rules, selectors, services
from treatments.screening.forms import (
    NEVER_LABEL,
    ReviewForm,
    RuleSetPublishForm,
    ScreeningForm,
    group_questions,
)
from treatments.screening.models import RuleSet, Screening

#: How each outcome is shown: words first, colour (tone) and a symbol second.
OUTCOME_DISPLAY: dict[str, dict[str, str]] = {
    rules.OUTCOME_CLEAR: {
        "label": "Clear",
        "tone": "ok",
        "icon": "✓",
        "summary": "Nothing found that stands in the way of treatment.",
    },
    rules.OUTCOME_CAUTION: {
        "label": "Caution",
        "tone": "warn",
        "icon": "!",
        "summary": "May be treated once a practitioner has reviewed this screening.",
    },
    rules.OUTCOME_DEFER: {
        "label": "Defer",
        "tone": "warn",
        "icon": "‖",
        "summary": "Not now.",
    },
    rules.OUTCOME_CONTRAINDICATED: {
        "label": "Contraindicated",
        "tone": "danger",
        "icon": "✕",
        "summary": "Do not microneedle this client.",
    },
    rules.OUTCOME_INCOMPLETE: {
        "label": "Incomplete",
        "tone": "neutral",
        "icon": "…",
        "summary": "Some questions were not answered; it cannot be used to book a treatment.",
    },
}

SEVERITY_DISPLAY: dict[str, dict[str, str]] = {
    rules.SEVERITY_CONTRAINDICATED: {"label": "Contraindicated", "tone": "danger"},
    rules.SEVERITY_DEFER: {"label": "Defer", "tone": "warn"},
    rules.SEVERITY_CAUTION: {"label": "Caution", "tone": "warn"},
    rules.SEVERITY_NOTE: {"label": "Note", "tone": "info"},
}

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


def _not_found(exc: NotFound) -> Http404:
    return Http404(exc.detail)


# --- taking a screening ---------------------------------------------------------------


class ScreeningNewView(ClinicStaffMixin, View):
    """The intake form; the live panel asks the evaluate API, saving asks the service."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
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

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
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
                form.data = form.data.copy()
                form.data["rule_set_version"] = str(rule_set.version)
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
        client: Any,
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
                "live_config": {
                    "endpoint": reverse("api-screening-evaluate"),
                    "client": client.pk,
                    "clinic": self.clinic.pk,
                    "outcomes": OUTCOME_DISPLAY,
                    "severities": SEVERITY_DISPLAY,
                },
            },
            status=status,
        )


# --- a stored screening ---------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    text: str
    answer: str
    state: str  # answered, never, missing


@dataclass(frozen=True)
class AnswerGroup:
    heading: str
    rows: list[AnswerRow]


def _format_answer(question: dict[str, Any], answers: dict[str, Any]) -> AnswerRow:
    code, kind = question["code"], question["type"]
    if code not in answers:
        return AnswerRow(question["text"], "Not answered", "missing")
    value = answers[code]
    if kind == rules.QUESTION_DATE:
        if value is None:
            return AnswerRow(question["text"], NEVER_LABEL, "never")
        try:
            shown = date.fromisoformat(value).strftime("%-d %B %Y")
        except (TypeError, ValueError):
            shown = str(value)
        return AnswerRow(question["text"], shown, "answered")
    if kind == rules.QUESTION_BOOLEAN:
        return AnswerRow(question["text"], "Yes" if value is True else "No", "answered")
    labels = {c["value"]: c["label"] for c in question.get("choices", [])}
    return AnswerRow(question["text"], labels.get(value, str(value)), "answered")


def answer_groups(rule_set: RuleSet, answers: dict[str, Any]) -> list[AnswerGroup]:
    """The answers as given, grouped like the form of *that* rule-set version."""
    return [
        AnswerGroup(heading, [_format_answer(q, answers) for q in questions])
        for _, heading, questions in group_questions(rule_set.data.get("questions", []))
    ]


def findings_for_display(screening: Screening) -> list[dict[str, Any]]:
    """The stored findings with severity words and full citations of their sources."""
    citations = screening.rule_set.sources
    shown = []
    for finding in screening.findings:
        eligible = finding.get("eligible_from")
        shown.append(
            {
                **finding,
                "severity_display": SEVERITY_DISPLAY.get(
                    finding["severity"], {"label": finding["severity"], "tone": "neutral"}
                ),
                "eligible_date": date.fromisoformat(eligible) if eligible else None,
                "citations": [(key, citations.get(key, key)) for key in finding["sources"]],
            }
        )
    return shown


class ScreeningAccessMixin(ClinicStaffMixin):
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
    ) -> HttpResponse:
        review = getattr(screening, "review", None)
        show_review_form = (
            screening.outcome == rules.OUTCOME_CAUTION and review is None and self.can_review()
        )
        question_text = {q["code"]: q["text"] for q in screening.rule_set.data.get("questions", [])}
        return render(
            request,
            "screening/screening_detail.html",
            {
                "screening": screening,
                "client": screening.client,
                "outcome": OUTCOME_DISPLAY[screening.outcome],
                "findings": findings_for_display(screening),
                "answer_groups": answer_groups(screening.rule_set, screening.answers),
                "missing": [question_text.get(code, code) for code in screening.missing],
                "valid_until": selectors.screening_valid_until(screening),
                "review": review,
                "review_form": (review_form or ReviewForm()) if show_review_form else None,
                "review_error": review_error,
                "clinic_timezone": self.clinic.timezone,
            },
            status=status,
        )


class ScreeningDetailView(ScreeningAccessMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        screening = self.get_screening(pk)
        services.screening_viewed(screening=screening, actor=request.user)
        return self.render_screening(request, screening)


class ScreeningReviewView(ScreeningAccessMixin, View):
    """A practitioner records the review of a ``caution`` result."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
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


# --- rule sets ------------------------------------------------------------------------


def _period_words(condition: dict[str, Any]) -> str:
    if "months" in condition:
        amount, unit = condition["months"], "month"
    else:
        amount, unit = condition.get("days"), "day"
    return f"{amount} {unit}{'' if amount == 1 else 's'}"


def condition_words(condition: dict[str, Any], questions: dict[str, dict[str, Any]]) -> str:
    """A condition as a short sentence, e.g. "isotretinoin_last_dose within 6 months"."""
    kind = condition.get("type")
    if kind == "answer_is":
        code, value = condition["question"], condition["value"]
        if isinstance(value, bool):
            return f"{code} = {'yes' if value else 'no'}"
        labels = {c["value"]: c["label"] for c in questions.get(code, {}).get("choices", [])}
        return f"{code} = {value}" + (f" ({labels[value]})" if value in labels else "")
    if kind == "date_within":
        return f"{condition['question']} within {_period_words(condition)}"
    if kind == "date_at_least":
        return f"{condition['question']} {_period_words(condition)} or more ago"
    if kind == "all":
        return " and ".join(condition_words(c, questions) for c in condition["conditions"])
    if kind == "age_under":
        return f"age under {condition['years']} on the planned date"
    if kind == "fitzpatrick_in":
        types = [_ROMAN.get(t, str(t)) for t in sorted(condition["types"])]
        listed = ", ".join(types[:-1]) + " or " + types[-1] if len(types) > 1 else types[0]
        return f"Fitzpatrick skin type {listed}"
    return str(kind)


def rules_for_display(rule_set: RuleSet) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """The rules with their condition in words, and the citations of the sources they use."""
    questions = {q["code"]: q for q in rule_set.data.get("questions", [])}
    citations = rule_set.sources
    shown, used = [], []
    for rule in rule_set.data.get("rules", []):
        shown.append(
            {
                **rule,
                "condition_words": condition_words(rule["condition"], questions),
                "severity_display": SEVERITY_DISPLAY.get(
                    rule["severity"], {"label": rule["severity"], "tone": "neutral"}
                ),
            }
        )
        used.extend(key for key in rule["sources"] if key not in used)
    return shown, [(key, citations.get(key, key)) for key in used]


class RuleSetListView(ClinicStaffMixin, View):
    def get(self, request: HttpRequest) -> HttpResponse:
        current = services.rule_set_current(clinic=self.clinic)
        return _render_rule_set(
            request,
            "screening/rule_set_list.html",
            current,
            versions=selectors.rule_set_list(clinic=self.clinic).order_by("-version"),
        )


class RuleSetDetailView(ClinicStaffMixin, View):
    def get(self, request: HttpRequest, version: int) -> HttpResponse:
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
    shown, citations = rules_for_display(rule_set)
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

    template_name = "screening/rule_set_publish.html"
    success_url_name = "rule-set-list"
    success_note = (
        "New screenings use it; earlier screenings keep the version they were taken with."
    )

    def current(self) -> RuleSet:
        return services.rule_set_current(clinic=self.clinic)

    def make_form(self, current: RuleSet, data=None, note: str = "") -> RuleSetPublishForm:
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
        rows = [(row, condition_words(row.rule["condition"], questions)) for row in form.rows]
        return {"rows": rows}
