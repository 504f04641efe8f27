"""The rule set as data: questions, conditions and rules, and their JSON form.

A rule set is built from the JSON a clinic publishes (``RuleSet.from_data``, which
refuses data that ``validation.validate_rule_set_data`` rejects) and turned back into it
(``RuleSet.to_data``). Evaluating answers against it is ``evaluation.evaluate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from treatments.screening.rules.dates import add_months
from treatments.screening.rules.validation import validate_rule_set_data


@dataclass(frozen=True)
class Choice:
    value: str
    label: str

    def to_dict(self) -> dict[str, str]:
        return {"value": self.value, "label": self.label}


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    type: str
    help: str = ""
    choices: tuple[Choice, ...] = ()
    group: str = ""
    past_date: bool = False

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(choice.value for choice in self.choices)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "text": self.text,
            "help": self.help,
            "type": self.type,
            "choices": [choice.to_dict() for choice in self.choices],
            "group": self.group,
            "past_date": self.past_date,
        }


@dataclass(frozen=True)
class AnswerIs:
    """Fires when the answer equals ``value`` (a boolean, or a choice value)."""

    question: str
    value: bool | str

    def to_dict(self) -> dict[str, Any]:
        return {"type": "answer_is", "question": self.question, "value": self.value}


@dataclass(frozen=True)
class Period:
    """A waiting period: either whole days or calendar months (see ``add_months``)."""

    days: int | None = None
    months: int | None = None

    def after(self, start: date) -> date:
        if self.months is not None:
            return add_months(start, self.months)
        return start + timedelta(days=self.days or 0)

    def to_dict(self) -> dict[str, int]:
        if self.months is not None:
            return {"months": self.months}
        return {"days": self.days or 0}


@dataclass(frozen=True)
class DateWithin:
    """Fires while ``planned_date < answer + period``; the finding is dated (eligible then)."""

    question: str
    period: Period

    def to_dict(self) -> dict[str, Any]:
        return {"type": "date_within", "question": self.question, **self.period.to_dict()}


@dataclass(frozen=True)
class DateAtLeast:
    """Fires once ``planned_date >= answer + period`` (e.g. cancer treatment ended long ago)."""

    question: str
    period: Period

    def to_dict(self) -> dict[str, Any]:
        return {"type": "date_at_least", "question": self.question, **self.period.to_dict()}


@dataclass(frozen=True)
class AllOf:
    """Fires when every sub-condition fires."""

    conditions: tuple[Condition, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "all", "conditions": [c.to_dict() for c in self.conditions]}


@dataclass(frozen=True)
class AgeUnder:
    """Fires when the client's age in whole years on the planned date is below ``years``."""

    years: int

    def to_dict(self) -> dict[str, Any]:
        return {"type": "age_under", "years": self.years}


@dataclass(frozen=True)
class FitzpatrickIn:
    """Fires when the client's Fitzpatrick skin type is one of ``types``."""

    types: frozenset[int]

    def to_dict(self) -> dict[str, Any]:
        return {"type": "fitzpatrick_in", "types": sorted(self.types)}


Condition = AnswerIs | DateWithin | DateAtLeast | AllOf | AgeUnder | FitzpatrickIn


def _condition_questions(condition: Condition) -> tuple[str, ...]:
    if isinstance(condition, AnswerIs | DateWithin | DateAtLeast):
        return (condition.question,)
    if isinstance(condition, AllOf):
        return tuple(q for c in condition.conditions for q in _condition_questions(c))
    return ()


def _condition_uses_age(condition: Condition) -> bool:
    if isinstance(condition, AgeUnder):
        return True
    if isinstance(condition, AllOf):
        return any(_condition_uses_age(c) for c in condition.conditions)
    return False


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    severity: str
    condition: Condition
    explanation: str
    sources: tuple[str, ...]

    @cached_property
    def questions(self) -> tuple[str, ...]:
        """Question codes the condition refers to."""
        return _condition_questions(self.condition)

    @cached_property
    def uses_age(self) -> bool:
        return _condition_uses_age(self.condition)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "severity": self.severity,
            "condition": self.condition.to_dict(),
            "explanation": self.explanation,
            "sources": list(self.sources),
        }


class RuleSetInvalid(ValueError):
    """Raised by ``RuleSet.from_data`` for data that ``validate_rule_set_data`` rejects."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        summary = "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in errors.items())
        super().__init__(f"Invalid rule set: {summary}")


@dataclass(frozen=True)
class RuleSet:
    version: int
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *, version: int) -> RuleSet:
        """Build a rule set from its JSON form; raises ``RuleSetInvalid`` if it is not valid."""
        errors = validate_rule_set_data(data)
        if errors:
            raise RuleSetInvalid(errors)
        questions = tuple(_question_from_data(q) for q in data["questions"])
        rules = tuple(_rule_from_data(r) for r in data["rules"])
        return cls(version=version, questions=questions, rules=rules)

    def to_data(self) -> dict[str, Any]:
        """The JSON form accepted by ``from_data`` (without the version)."""
        return {
            "questions": [q.to_dict() for q in self.questions],
            "rules": [r.to_dict() for r in self.rules],
        }

    @cached_property
    def questions_by_code(self) -> dict[str, Question]:
        return {q.code: q for q in self.questions}

    def question(self, code: str) -> Question:
        return self.questions_by_code[code]

    @cached_property
    def uses_age(self) -> bool:
        return any(rule.uses_age for rule in self.rules)


def _question_from_data(data: Mapping[str, Any]) -> Question:
    return Question(
        code=data["code"],
        text=data["text"],
        type=data["type"],
        help=data.get("help", ""),
        choices=tuple(Choice(c["value"], c["label"]) for c in data.get("choices", ())),
        group=data.get("group", ""),
        past_date=data.get("past_date", False),
    )


def _period_from_data(data: Mapping[str, Any]) -> Period:
    return Period(days=data.get("days"), months=data.get("months"))


def _condition_from_data(data: Mapping[str, Any]) -> Condition:
    kind = data["type"]
    if kind == "answer_is":
        return AnswerIs(question=data["question"], value=data["value"])
    if kind == "date_within":
        return DateWithin(question=data["question"], period=_period_from_data(data))
    if kind == "date_at_least":
        return DateAtLeast(question=data["question"], period=_period_from_data(data))
    if kind == "all":
        return AllOf(conditions=tuple(_condition_from_data(c) for c in data["conditions"]))
    if kind == "age_under":
        return AgeUnder(years=data["years"])
    if kind == "fitzpatrick_in":
        return FitzpatrickIn(types=frozenset(data["types"]))
    raise ValueError(f"Unknown condition type {kind!r}.")  # validated before; defensive


def _rule_from_data(data: Mapping[str, Any]) -> Rule:
    return Rule(
        code=data["code"],
        title=data["title"],
        severity=data["severity"],
        condition=_condition_from_data(data["condition"]),
        explanation=data["explanation"],
        sources=tuple(data["sources"]),
    )
