"""Evaluation: parsed answers + rule set + client facts + planned date in, findings out.

The outcome follows DOMAIN.md §1: the most severe finding wins (a ``note`` never changes
it), any missing answer makes it ``incomplete``, and a deferral is dated only if every
deferral is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from treatments.screening.rules.dates import age_on, iso, parse_iso_date
from treatments.screening.rules.model import (
    AgeUnder,
    AllOf,
    AnswerIs,
    Condition,
    DateAtLeast,
    DateWithin,
    FitzpatrickIn,
    Rule,
    RuleSet,
)
from treatments.screening.rules.vocabulary import (
    DATE_OF_BIRTH,
    OUTCOME_CLEAR,
    OUTCOME_DEFER,
    OUTCOME_INCOMPLETE,
    SEVERITY_DEFER,
    SEVERITY_NOTE,
    SEVERITY_ORDER,
    most_severe,
)

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}


class FindingData(TypedDict):
    """A finding as JSON: stored on a screening, sent by the API, shown on the pages."""

    rule: str
    title: str
    severity: str
    eligible_from: str | None  # YYYY-MM-DD
    explanation: str
    sources: list[str]


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    severity: str
    eligible_from: date | None
    explanation: str
    sources: tuple[str, ...]

    def to_dict(self) -> FindingData:
        return {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity,
            "eligible_from": iso(self.eligible_from),
            "explanation": self.explanation,
            "sources": list(self.sources),
        }


@dataclass(frozen=True)
class Evaluation:
    outcome: str
    eligible_from: date | None
    rule_set_version: int
    missing: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "eligible_from": iso(self.eligible_from),
            "rule_set_version": self.rule_set_version,
            "missing": list(self.missing),
            "findings": [finding.to_dict() for finding in self.findings],
        }


@dataclass(frozen=True)
class _Context:
    answers: Mapping[str, object]
    date_of_birth: date | None
    fitzpatrick_type: int | None
    planned_date: date


@dataclass(frozen=True)
class _Match:
    """A condition that fired; dated conditions say when they stop firing."""

    eligible_from: date | None = None
    answer_date: date | None = None


def _answer_date(context: _Context, question: str) -> date | None:
    # Also accepts an ISO string, so answers stored as JSON can be re-evaluated as they are.
    return parse_iso_date(context.answers.get(question))


def _same_answer(answer: object, expected: object) -> bool:
    # 1 == True in Python; a boolean rule must only match a real boolean answer.
    if isinstance(answer, bool) or isinstance(expected, bool):
        return isinstance(answer, bool) and isinstance(expected, bool) and answer is expected
    return answer == expected


def _match(condition: Condition, context: _Context) -> _Match | None:
    if isinstance(condition, AnswerIs):
        answer = context.answers.get(condition.question)
        return _Match() if _same_answer(answer, condition.value) else None
    if isinstance(condition, DateWithin):
        answered = _answer_date(context, condition.question)
        if answered is None:
            return None
        end = condition.period.after(answered)
        return _Match(end, answered) if context.planned_date < end else None
    if isinstance(condition, DateAtLeast):
        answered = _answer_date(context, condition.question)
        if answered is None:
            return None
        end = condition.period.after(answered)
        return _Match(None, answered) if context.planned_date >= end else None
    if isinstance(condition, AllOf):
        matches = []
        for sub in condition.conditions:
            sub_match = _match(sub, context)
            if sub_match is None:
                return None
            matches.append(sub_match)
        # The conjunction stops firing as soon as its first dated part expires.
        dated = [m for m in matches if m.eligible_from is not None]
        if dated:
            return min(dated, key=lambda m: m.eligible_from or date.max)
        answered = next((m.answer_date for m in matches if m.answer_date is not None), None)
        return _Match(None, answered)
    if isinstance(condition, AgeUnder):
        if context.date_of_birth is None:
            return None
        age = age_on(context.date_of_birth, context.planned_date)
        return _Match() if age < condition.years else None
    if isinstance(condition, FitzpatrickIn):
        if context.fitzpatrick_type is None:
            return None
        return _Match() if context.fitzpatrick_type in condition.types else None
    raise TypeError(f"Unknown condition {condition!r}")  # pragma: no cover


class _Placeholders(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"  # validated rule sets never get here; never crash a screening


def _explain(rule: Rule, match: _Match, context: _Context) -> str:
    age = (
        str(age_on(context.date_of_birth, context.planned_date))
        if context.date_of_birth is not None
        else "unknown"
    )
    fitzpatrick = (
        _ROMAN.get(context.fitzpatrick_type, str(context.fitzpatrick_type))
        if context.fitzpatrick_type is not None
        else "unknown"
    )
    values = _Placeholders(
        answer_date=iso(match.answer_date) or "",
        eligible_from=iso(match.eligible_from) or "",
        age=age,
        fitzpatrick=fitzpatrick,
    )
    try:
        return rule.explanation.format_map(values)
    except (ValueError, IndexError, AttributeError, KeyError):
        return rule.explanation


def evaluate(
    *,
    rule_set: RuleSet,
    answers: Mapping[str, object],
    date_of_birth: date | None,
    fitzpatrick_type: int | None,
    planned_date: date,
) -> Evaluation:
    """Screen one client for a treatment on ``planned_date``.

    ``answers`` are parsed answers (see ``parse_answers``). A question whose code is absent
    is missing (a date question answered None counts as "never"); any missing answer makes
    the outcome ``incomplete`` but findings are still reported. A rule whose condition
    refers to a missing answer does not fire.
    """
    missing = [q.code for q in rule_set.questions if q.code not in answers]
    if date_of_birth is None and rule_set.uses_age:
        missing.append(DATE_OF_BIRTH)
    missing_set = set(missing)

    context = _Context(
        answers=answers,
        date_of_birth=date_of_birth,
        fitzpatrick_type=fitzpatrick_type,
        planned_date=planned_date,
    )
    fired: list[tuple[int, int, Finding]] = []
    for position, rule in enumerate(rule_set.rules):
        if missing_set.intersection(rule.questions):
            continue
        match = _match(rule.condition, context)
        if match is None:
            continue
        finding = Finding(
            rule=rule.code,
            title=rule.title,
            severity=rule.severity,
            eligible_from=match.eligible_from,
            explanation=_explain(rule, match, context),
            sources=rule.sources,
        )
        fired.append((SEVERITY_ORDER.index(rule.severity), position, finding))
    findings = tuple(finding for _, _, finding in sorted(fired, key=lambda t: t[:2]))

    outcome, eligible_from = _outcome(findings, incomplete=bool(missing))
    return Evaluation(
        outcome=outcome,
        eligible_from=eligible_from,
        rule_set_version=rule_set.version,
        missing=tuple(missing),
        findings=findings,
    )


def _outcome(findings: tuple[Finding, ...], *, incomplete: bool) -> tuple[str, date | None]:
    if incomplete:
        return OUTCOME_INCOMPLETE, None
    worst = most_severe(f.severity for f in findings if f.severity != SEVERITY_NOTE)
    if worst is None:
        return OUTCOME_CLEAR, None
    if worst != SEVERITY_DEFER:
        return worst, None
    dates = [f.eligible_from for f in findings if f.severity == SEVERITY_DEFER]
    if any(d is None for d in dates):
        return OUTCOME_DEFER, None  # re-screen when resolved
    return OUTCOME_DEFER, max(d for d in dates if d is not None)
