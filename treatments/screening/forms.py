"""HTML forms for screening: the intake questionnaire, a review, and publishing a rule set.

The forms only collect input and translate it to the shapes the services take (answers
as the API sends them, rule-set data as ``treatments.screening.defaults`` defines it).
Whether the answers or the rule set are acceptable is decided by the services and the
engine, whose errors the views attach to these forms with ``add_service_errors``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.forms.utils import ErrorDict

from clinic.models import Client
from treatments.screening import rules
from treatments.screening.defaults import QUESTION_GROUPS

YES, NO = "yes", "no"
NEVER_LABEL = "Never / not applicable"

# Field names carry a hyphen, which question and rule codes cannot contain, so a
# clinic's own question codes can never collide with each other or with our fields.
_ANSWER = "q-"
_NEVER = "never-"


def answer_field_name(code: str) -> str:
    return f"{_ANSWER}{code}"


def never_field_name(code: str) -> str:
    return f"{_NEVER}{code}"


def question_of_field(name: str) -> str | None:
    """The question code a field of ``ScreeningForm`` answers; None for other fields."""
    for prefix in (_ANSWER, _NEVER):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return None


def question_dom_id(code: str) -> str:
    """The id of a question's fieldset on the page, for links to it."""
    return f"question-{code}"


def _messages(errors: Iterable[object]) -> list[str]:
    """A field's error messages as text (the list may hold lazy strings)."""
    return [str(message) for message in errors]


def _describe(widget: forms.Widget, ids: list[str], invalid: bool) -> None:
    if ids:
        widget.attrs["aria-describedby"] = " ".join(ids)
    else:
        widget.attrs.pop("aria-describedby", None)
    if invalid:
        widget.attrs["aria-invalid"] = "true"
    else:
        widget.attrs.pop("aria-invalid", None)


def group_questions(
    questions: list[dict[str, Any]],
) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """``(group code, heading, questions)`` like the paper form, in ``QUESTION_GROUPS`` order.

    Groups the shipped defaults do not know (a clinic's own) follow, in the order their
    first question appears.
    """
    order = list(QUESTION_GROUPS)
    by_group: dict[str, list[dict[str, Any]]] = {}
    for question in questions:
        by_group.setdefault(question.get("group") or "", []).append(question)
    codes = sorted(by_group, key=lambda g: order.index(g) if g in order else len(order))
    return [
        (
            code,
            QUESTION_GROUPS.get(code) or code.replace("_", " ").capitalize() or "Other questions",
            by_group[code],
        )
        for code in codes
    ]


class LinkedDescriptionsMixin(forms.Form):
    """Point ``aria-describedby`` of ``linked_fields`` at their help and error messages.

    The ids are the ones ``templates/includes/field.html`` renders (``<id>_help`` and
    ``<id>_error``); updated whenever an error is added, including a service's.
    """

    linked_fields: tuple[str, ...] = ()
    # Set by ``BaseForm.__init__``; None until the form is validated. Read instead of
    # ``errors``, which would validate the form.
    _errors: ErrorDict | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.linked_fields:
            self._link(name)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for name in self.linked_fields:
            self._link(name)

    def _link(self, name: str) -> None:
        bound = self[name]
        auto_id = bound.id_for_label
        ids = [f"{auto_id}_help"] if bound.help_text else []
        has_errors = bool(self._errors and name in self._errors)
        if has_errors:
            ids.append(f"{auto_id}_error")
        _describe(bound.field.widget, ids, has_errors)


@dataclass
class QuestionRow:
    """One question as the template renders it."""

    question: dict[str, Any]
    field: forms.BoundField
    never: forms.BoundField | None = None
    errors: list[str] = dataclasses.field(default_factory=list)

    @property
    def code(self) -> str:
        return self.question["code"]

    @property
    def dom_id(self) -> str:
        return question_dom_id(self.code)

    @property
    def help_id(self) -> str:
        return f"{self.dom_id}-help"

    @property
    def error_id(self) -> str:
        return f"{self.dom_id}-error"

    @property
    def described_by(self) -> str:
        ids = [self.help_id] if self.question.get("help") else []
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)


@dataclass
class QuestionGroup:
    code: str
    heading: str
    rows: list[QuestionRow]


class ScreeningForm(LinkedDescriptionsMixin):
    """The intake questionnaire of one rule-set version, plus the planned treatment date."""

    linked_fields: tuple[str, ...] = ("planned_date",)

    planned_date = forms.DateField(
        label="Planned treatment date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the planned treatment date."},
    )
    rule_set_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, questions: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            code, kind = question["code"], question["type"]
            name = answer_field_name(code)
            if kind == rules.QUESTION_BOOLEAN:
                self.fields[name] = forms.ChoiceField(
                    label=question["text"],
                    choices=[(YES, "Yes"), (NO, "No")],
                    required=False,
                    widget=forms.RadioSelect,
                )
            elif kind == rules.QUESTION_DATE:
                self.fields[name] = forms.DateField(
                    label="Date",
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                    error_messages={"invalid": "Enter a whole date, or tick “Never”."},
                )
                self.fields[never_field_name(code)] = forms.BooleanField(
                    label=NEVER_LABEL, required=False
                )
            else:
                self.fields[name] = forms.ChoiceField(
                    label=question["text"],
                    choices=[(c["value"], c["label"]) for c in question.get("choices", [])],
                    required=False,
                    widget=forms.RadioSelect,
                )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        for question in self.questions:
            if question["type"] != rules.QUESTION_DATE:
                continue
            code = question["code"]
            if cleaned.get(answer_field_name(code)) and cleaned.get(never_field_name(code)):
                self.add_error(
                    answer_field_name(code),
                    f"Give a date or tick “{NEVER_LABEL}”, not both.",
                )
        return cleaned

    def answers(self) -> dict[str, Any]:
        """The answers in the API's shape; unanswered questions are left out."""
        answers: dict[str, Any] = {}
        for question in self.questions:
            code, kind = question["code"], question["type"]
            value = self.cleaned_data.get(answer_field_name(code))
            if kind == rules.QUESTION_BOOLEAN:
                if value in (YES, NO):
                    answers[code] = value == YES
            elif kind == rules.QUESTION_DATE:
                if isinstance(value, date):
                    answers[code] = value.isoformat()
                elif self.cleaned_data.get(never_field_name(code)):
                    answers[code] = None
            elif value:
                answers[code] = value
        return answers

    def add_service_errors(self, fields: dict[str, list[str]] | None, detail: str) -> None:
        """Attach an ``ApplicationError``'s messages to the fields they are about."""
        codes = {q["code"] for q in self.questions}
        placed = False
        for key, messages in (fields or {}).items():
            target: str | None = None
            if key == "planned_date" and "planned_date" in self.fields:
                target = "planned_date"
            elif key.startswith("answers.") and key.removeprefix("answers.") in codes:
                target = answer_field_name(key.removeprefix("answers."))
            for message in messages:
                self.add_error(target, message)
            placed = placed or target is not None
        if not placed:
            self.add_error(None, detail)

    @property
    def groups(self) -> list[QuestionGroup]:
        return [
            QuestionGroup(code=code, heading=heading, rows=[self._row(q) for q in questions])
            for code, heading, questions in group_questions(self.questions)
        ]

    def _row(self, question: dict[str, Any]) -> QuestionRow:
        code = question["code"]
        name = answer_field_name(code)
        errors = _messages(self.errors.get(name, [])) if self.is_bound else []
        row = QuestionRow(question=question, field=self[name], errors=errors)
        if question["type"] == rules.QUESTION_DATE:
            row.never = self[never_field_name(code)]
            # The date input is the control the help and the error are about.
            ids = [row.help_id] if question.get("help") else []
            if errors:
                ids.append(row.error_id)
            _describe(self.fields[name].widget, ids, bool(errors))
        return row


def initial_from_answers(
    questions: list[dict[str, Any]], answers: dict[str, Any]
) -> dict[str, Any]:
    """A :class:`ScreeningForm`'s initial values from stored answers (the client's last)."""
    initial: dict[str, Any] = {}
    for question in questions:
        code, kind = question["code"], question["type"]
        if code not in answers:
            continue
        value = answers[code]
        if kind == rules.QUESTION_BOOLEAN and isinstance(value, bool):
            initial[answer_field_name(code)] = YES if value else NO
        elif kind == rules.QUESTION_DATE:
            if value is None:
                initial[never_field_name(code)] = True
            else:
                initial[answer_field_name(code)] = value
        elif value is not None:
            initial[answer_field_name(code)] = value
    return initial


class AnswersOnlyForm(ScreeningForm):
    """The questionnaire without the treatment date: the client's own pages, where the date
    is the appointment's."""

    linked_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, questions: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, questions=questions, **kwargs)
        del self.fields["planned_date"]
        del self.fields["rule_set_version"]


class ReviewForm(LinkedDescriptionsMixin):
    linked_fields = ("note",)

    note = forms.CharField(
        label="Review note",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you checked and decided, e.g. clearance seen, treat around moles.",
        error_messages={"required": "Write what you reviewed."},
    )


class ConfirmForm(LinkedDescriptionsMixin):
    """Staff confirm a client's answers (decision 0018); the note is optional."""

    linked_fields = ("note",)

    note = forms.CharField(
        label="Note",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional, e.g. “went through the answers with the client by phone”.",
    )


# --- publishing a rule set ------------------------------------------------------------

DAYS, MONTHS = "days", "months"
PERIOD_UNITS = [(DAYS, "days"), (MONTHS, "months")]
SEVERITY_CHOICES = [
    (rules.SEVERITY_CONTRAINDICATED, "Contraindicated"),
    (rules.SEVERITY_DEFER, "Defer"),
    (rules.SEVERITY_CAUTION, "Caution"),
    (rules.SEVERITY_NOTE, "Note"),
]


def _period_conditions(
    condition: object, path: tuple[int, ...] = ()
) -> list[tuple[tuple[int, ...], dict[str, Any]]]:
    """Every date_within / date_at_least condition, with its path inside "all" nestings."""
    if not isinstance(condition, dict):
        return []
    kind = condition.get("type")
    if kind in {"date_within", "date_at_least"}:
        return [(path, condition)]
    if kind == "all":
        found = []
        for index, sub in enumerate(condition.get("conditions") or []):
            found.extend(_period_conditions(sub, (*path, index)))
        return found
    return []


def _condition_at(condition: dict[str, Any], path: tuple[int, ...]) -> dict[str, Any]:
    for index in path:
        condition = condition["conditions"][index]
    return condition


@dataclass
class PeriodRow:
    path: tuple[int, ...]
    question: str
    kind: str
    amount: forms.BoundField
    unit: forms.BoundField


@dataclass
class RuleRow:
    rule: dict[str, Any]
    title: forms.BoundField
    severity: forms.BoundField
    explanation: forms.BoundField
    periods: list[PeriodRow]
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.rule["code"]

    @property
    def all_errors(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


class RuleSetPublishForm(LinkedDescriptionsMixin):
    """Edits to the current version's rules; never changes a stored version."""

    linked_fields = ("note",)

    base_version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label="What changed",
        max_length=500,
        # Not required here: the service says so, after checking the rules, so that one
        # round trip shows every problem.
        required=False,
        help_text="For the audit trail, e.g. “Isotretinoin: 3 months, per Dr Shah, 12 May”.",
    )

    def __init__(self, *args: Any, data_source: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = data_source
        self.rule_errors: dict[str, dict[str, list[str]]] = {}
        for rule in data_source.get("rules", []):
            code = rule["code"]
            self.fields[f"{code}-title"] = forms.CharField(
                label=f"Title of {code}",
                required=False,  # the rule-set validation says a title is required
                max_length=200,
                initial=rule["title"],
            )
            self.fields[f"{code}-severity"] = forms.ChoiceField(
                label=f"Severity of {code}", choices=SEVERITY_CHOICES, initial=rule["severity"]
            )
            self.fields[f"{code}-explanation"] = forms.CharField(
                label=f"Explanation of {code}",
                required=False,  # the rule-set validation says what an explanation needs
                strip=True,
                widget=forms.Textarea(attrs={"rows": 4}),
                initial=rule["explanation"],
            )
            for path, condition in _period_conditions(rule.get("condition")):
                prefix = self._period_prefix(code, path)
                unit = MONTHS if "months" in condition else DAYS
                self.fields[f"{prefix}-amount"] = forms.IntegerField(
                    label=f"Waiting period of {code}",
                    initial=condition.get(unit),
                    widget=forms.NumberInput(attrs={"min": 1, "step": 1, "inputmode": "numeric"}),
                    error_messages={"invalid": "Enter a whole number."},
                )
                self.fields[f"{prefix}-unit"] = forms.ChoiceField(
                    label=f"Unit of the waiting period of {code}",
                    choices=PERIOD_UNITS,
                    initial=unit,
                )

    @staticmethod
    def _period_prefix(code: str, path: tuple[int, ...]) -> str:
        return f"{code}-period" + "".join(f"-{i}" for i in path)

    def rule_set_data(self) -> dict[str, Any]:
        """A deep copy of the source data with this form's edits applied."""
        data = copy.deepcopy(self.source)
        for rule in data.get("rules", []):
            code = rule["code"]
            rule["title"] = self.cleaned_data[f"{code}-title"]
            rule["severity"] = self.cleaned_data[f"{code}-severity"]
            rule["explanation"] = self.cleaned_data[f"{code}-explanation"]
            for path, _ in _period_conditions(rule.get("condition")):
                prefix = self._period_prefix(code, path)
                condition = _condition_at(rule["condition"], path)
                condition.pop("days", None)
                condition.pop("months", None)
                condition[self.cleaned_data[f"{prefix}-unit"]] = self.cleaned_data[
                    f"{prefix}-amount"
                ]
        return data

    def add_service_errors(self, fields: dict[str, list[str]] | None, detail: str) -> None:
        """Place ``data.rules.<CODE>.<part>`` messages on the rule's row, the rest on top."""
        codes = {rule["code"] for rule in self.source.get("rules", [])}
        self.add_error(None, detail)
        if not (self.cleaned_data.get("note") or "").strip() and "note" not in (fields or {}):
            self.add_error("note", "Say what changed.")
        for key, messages in (fields or {}).items():
            if key == "note":
                for message in messages:
                    self.add_error("note", message)
                continue
            parts = key.split(".")
            if len(parts) >= 3 and parts[0] == "data" and parts[1] == "rules":
                code, part = parts[2], ".".join(parts[3:]) or "rule"
                if code in codes:
                    self.rule_errors.setdefault(code, {}).setdefault(part, []).extend(messages)
                    continue
            for message in messages:
                self.add_error(None, message)

    @property
    def rows_with_errors(self) -> list[RuleRow]:
        return [row for row in self.rows if row.errors]

    @property
    def rows(self) -> list[RuleRow]:
        result = []
        for rule in self.source.get("rules", []):
            code = rule["code"]
            errors: dict[str, list[str]] = {
                part: list(messages) for part, messages in self.rule_errors.get(code, {}).items()
            }
            periods = []
            for path, condition in _period_conditions(rule.get("condition")):
                prefix = self._period_prefix(code, path)
                for name in (f"{prefix}-amount", f"{prefix}-unit"):
                    if self.is_bound and name in self.errors:
                        errors.setdefault("condition", []).extend(_messages(self.errors[name]))
                periods.append(
                    PeriodRow(
                        path=path,
                        question=condition.get("question", ""),
                        kind=condition.get("type", ""),
                        amount=self[f"{prefix}-amount"],
                        unit=self[f"{prefix}-unit"],
                    )
                )
            for part in ("title", "severity", "explanation"):
                if self.is_bound and f"{code}-{part}" in self.errors:
                    errors.setdefault(part, []).extend(_messages(self.errors[f"{code}-{part}"]))
            row = RuleRow(
                rule=rule,
                title=self[f"{code}-title"],
                severity=self[f"{code}-severity"],
                explanation=self[f"{code}-explanation"],
                periods=periods,
                errors=errors,
            )
            error_id = f"rule-{code}-error"
            for part, bound in (
                ("title", row.title),
                ("severity", row.severity),
                ("explanation", row.explanation),
            ):
                _describe(bound.field.widget, [error_id] if errors else [], part in errors)
            for period in periods:
                invalid = "condition" in errors
                _describe(period.amount.field.widget, [error_id] if errors else [], invalid)
            result.append(row)
        return result


class IntakeDetailsForm(forms.ModelForm):
    """The client's own details on the online intake page (decision 0020).

    Validates a copy of the client row with the model's own validators; the service
    applies the change under a row lock.
    """

    prefix = "client"

    class Meta:
        model = Client
        fields = ["first_name", "last_name", "date_of_birth", "phone", "email", "email_consent"]
        labels = {
            "first_name": "First name",
            "last_name": "Last name",
            "date_of_birth": "Date of birth",
            "phone": "Phone",
            "email": "E-mail",
            "email_consent": "E-mail me about my appointments, preparation and aftercare",
        }
        help_texts = {
            "phone": "The clinic may call you about your answers.",
            "email_consent": (
                "Without it the clinic cannot e-mail you reminders or aftercare advice; you "
                "can stop optional reminders from any of them."
            ),
        }
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        }
