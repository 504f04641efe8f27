"""How screenings and rule sets are shown: words, tones and symbols, never a rule.

The result page, the live outcome beside the intake form and the rule-set pages all
take their words from here, so an outcome reads the same wherever it appears. Whether
something is a finding, and how severe, is decided by the engine (``rules``) only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from treatments.screening import rules
from treatments.screening.forms import NEVER_LABEL, group_questions
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

#: What ``rules.DATE_OF_BIRTH`` in a list of missing answers stands for.
DATE_OF_BIRTH_TEXT = "The client's date of birth"

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


def _severity_display(severity: str) -> dict[str, str]:
    return SEVERITY_DISPLAY.get(severity, {"label": severity, "tone": "neutral"})


# --- an outcome and its findings --------------------------------------------------------


@dataclass(frozen=True)
class MissingAnswer:
    code: str
    text: str

    @property
    def is_question(self) -> bool:
        return self.code != rules.DATE_OF_BIRTH


@dataclass(frozen=True)
class ScreeningResult:
    """An outcome with its findings, as ``screening/_outcome.html`` and ``_findings.html``
    show it: the same for a stored screening and for answers still being given."""

    outcome: str
    eligible_from: date | None
    missing: list[MissingAnswer]
    findings: list[dict[str, Any]]

    @property
    def shown(self) -> dict[str, str]:
        return OUTCOME_DISPLAY[self.outcome]


def findings_for_display(
    findings: Iterable[Mapping[str, Any]], citations: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Findings (their JSON form) with severity words and full citations of their sources."""
    shown = []
    for finding in findings:
        eligible = finding.get("eligible_from")
        shown.append(
            {
                **finding,
                "severity_display": _severity_display(finding["severity"]),
                "eligible_date": date.fromisoformat(eligible) if eligible else None,
                "citations": [(key, citations.get(key, key)) for key in finding["sources"]],
            }
        )
    return shown


def screening_result(
    *,
    rule_set: RuleSet,
    outcome: str,
    eligible_from: date | None,
    missing: Iterable[str],
    findings: Iterable[Mapping[str, Any]],
) -> ScreeningResult:
    """An evaluation's parts, as evaluated with ``rule_set``, ready to be shown."""
    question_text = {q["code"]: q["text"] for q in rule_set.data.get("questions", [])}
    question_text[rules.DATE_OF_BIRTH] = DATE_OF_BIRTH_TEXT
    return ScreeningResult(
        outcome=outcome,
        eligible_from=eligible_from,
        missing=[MissingAnswer(code, question_text.get(code, code)) for code in missing],
        findings=findings_for_display(findings, rule_set.sources),
    )


def stored_result(screening: Screening) -> ScreeningResult:
    """A stored screening's result, as it was evaluated when it was taken."""
    return screening_result(
        rule_set=screening.rule_set,
        outcome=screening.outcome,
        eligible_from=screening.eligible_from,
        missing=screening.missing,
        findings=screening.findings,
    )


def evaluation_result(evaluation: rules.Evaluation, rule_set: RuleSet) -> ScreeningResult:
    """A fresh evaluation (nothing stored), shown exactly like a stored one."""
    return screening_result(
        rule_set=rule_set,
        outcome=evaluation.outcome,
        eligible_from=evaluation.eligible_from,
        missing=evaluation.missing,
        findings=[finding.to_dict() for finding in evaluation.findings],
    )


# --- the answers of a stored screening --------------------------------------------------


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


# --- rule sets --------------------------------------------------------------------------


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
    shown: list[dict[str, Any]] = []
    used: list[str] = []
    for rule in rule_set.data.get("rules", []):
        shown.append(
            {
                **rule,
                "condition_words": condition_words(rule["condition"], questions),
                "severity_display": _severity_display(rule["severity"]),
            }
        )
        used.extend(key for key in rule["sources"] if key not in used)
    return shown, [(key, citations.get(key, key)) for key in used]
