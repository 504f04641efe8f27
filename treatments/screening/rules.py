"""Contraindication screening engine: answers + rule set + planned date in, findings out.

Pure by design (standard library only, no Django, no database, no clock): the rule set
is data (``treatments.defaults.DEFAULT_RULE_SET`` or a clinic's published version), and
every date the engine needs is passed in. See ``DOMAIN.md`` section 1 for the clinical
specification this module implements.

Typical use::

    rule_set = RuleSet.from_data(data, version=row.version)
    answers = parse_answers(rule_set, request_answers, today=today)  # may raise AnswersInvalid
    evaluation = evaluate(
        rule_set=rule_set,
        answers=answers,
        date_of_birth=client.date_of_birth,
        fitzpatrick_type=client.fitzpatrick_type,
        planned_date=planned_date,
    )
    evaluation.to_dict()
"""

from __future__ import annotations

import calendar
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any

from treatments.screening.defaults import SOURCES

__all__ = [
    "CONDITION_TYPES",
    "DATE_OF_BIRTH",
    "EXPLANATION_PLACEHOLDERS",
    "OUTCOMES",
    "OUTCOME_CAUTION",
    "OUTCOME_CLEAR",
    "OUTCOME_CONTRAINDICATED",
    "OUTCOME_DEFER",
    "OUTCOME_INCOMPLETE",
    "QUESTION_TYPES",
    "SEVERITIES",
    "SEVERITY_ORDER",
    "AgeUnder",
    "AllOf",
    "AnswerIs",
    "AnswersInvalid",
    "Choice",
    "Condition",
    "DateAtLeast",
    "DateWithin",
    "Evaluation",
    "Finding",
    "FitzpatrickIn",
    "Period",
    "Question",
    "Rule",
    "RuleSet",
    "RuleSetInvalid",
    "add_months",
    "age_on",
    "evaluate",
    "most_severe",
    "parse_answers",
    "severity_rank",
    "validate_rule_set_data",
]

# --- vocabulary -------------------------------------------------------------------------

SEVERITY_NOTE = "note"
SEVERITY_CAUTION = "caution"
SEVERITY_DEFER = "defer"
SEVERITY_CONTRAINDICATED = "contraindicated"

#: Most severe first. Findings are listed in this order.
SEVERITY_ORDER: tuple[str, ...] = (
    SEVERITY_CONTRAINDICATED,
    SEVERITY_DEFER,
    SEVERITY_CAUTION,
    SEVERITY_NOTE,
)
SEVERITIES = frozenset(SEVERITY_ORDER)

OUTCOME_CONTRAINDICATED = "contraindicated"
OUTCOME_DEFER = "defer"
OUTCOME_CAUTION = "caution"
OUTCOME_CLEAR = "clear"
OUTCOME_INCOMPLETE = "incomplete"
OUTCOMES: tuple[str, ...] = (
    OUTCOME_CONTRAINDICATED,
    OUTCOME_DEFER,
    OUTCOME_CAUTION,
    OUTCOME_CLEAR,
    OUTCOME_INCOMPLETE,
)

QUESTION_BOOLEAN = "boolean"
QUESTION_DATE = "date"
QUESTION_CHOICE = "choice"
QUESTION_TYPES = frozenset({QUESTION_BOOLEAN, QUESTION_DATE, QUESTION_CHOICE})

CONDITION_TYPES = frozenset(
    {"answer_is", "date_within", "date_at_least", "all", "age_under", "fitzpatrick_in"}
)

#: The only placeholders an explanation may use (filled with ``str.format_map``).
EXPLANATION_PLACEHOLDERS = frozenset({"answer_date", "eligible_from", "age", "fitzpatrick"})

#: Reported in ``Evaluation.missing`` when an age rule cannot be checked.
DATE_OF_BIRTH = "date_of_birth"

_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_QUESTION_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_RULE_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")


def severity_rank(severity: str) -> int:
    """Higher is more severe: note 0, caution 1, defer 2, contraindicated 3."""
    return len(SEVERITY_ORDER) - 1 - SEVERITY_ORDER.index(severity)


def most_severe(severities: Iterable[str]) -> str | None:
    """The most severe of ``severities``, or None if there are none."""
    return max(severities, key=severity_rank, default=None)


# --- date arithmetic --------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    """Add calendar months, clamping the day to the end of a shorter month.

    31 Aug + 6 months is 28 Feb (29 Feb in a leap year); 29 Feb + 12 months is 28 Feb.
    """
    month_index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(d.day, last_day))


def age_on(date_of_birth: date, on: date) -> int:
    """Age in whole years on the day ``on``.

    Someone born on 29 February becomes a year older on 1 March in non-leap years
    (the legal convention in e.g. England and Wales, and most US states): on 28 February
    of a non-leap year they have not reached their birthday yet.
    """
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


# --- rule-set model ---------------------------------------------------------------------


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


# --- results ----------------------------------------------------------------------------


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    severity: str
    eligible_from: date | None
    explanation: str
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity,
            "eligible_from": _iso(self.eligible_from),
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
            "eligible_from": _iso(self.eligible_from),
            "rule_set_version": self.rule_set_version,
            "missing": list(self.missing),
            "findings": [finding.to_dict() for finding in self.findings],
        }


# --- answers ----------------------------------------------------------------------------


class AnswersInvalid(Exception):
    """Raw answers failed validation; ``fields`` maps question code -> messages."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        self.fields = fields
        super().__init__("Some answers are not valid.")


MSG_UNKNOWN_QUESTION = "Unknown question code."
MSG_BOOLEAN = "Answer true or false."
MSG_DATE = "Enter a date as YYYY-MM-DD, or null for never / not applicable."
MSG_FUTURE_DATE = "This date cannot be in the future."
MSG_NOT_AN_OBJECT = "Answers must be an object mapping question codes to answers."


def _parse_date(value: object) -> date | None:
    """A date object or a strict ISO ``YYYY-MM-DD`` string; None if it is neither."""
    if isinstance(value, datetime):
        return None  # a timestamp is not a calendar date; refuse rather than guess a zone
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def parse_answers(
    rule_set: RuleSet, raw: Mapping[str, object], *, today: date
) -> dict[str, object]:
    """Validate answers as they arrive from the API; return them parsed (dates as ``date``).

    Collects every problem before raising ``AnswersInvalid``. For boolean and choice
    questions None means "not answered" and the key is dropped; for date questions None
    means "never / not applicable" and is kept. Result keys follow questionnaire order.
    """
    if not isinstance(raw, Mapping):
        raise AnswersInvalid({"answers": [MSG_NOT_AN_OBJECT]})
    errors: dict[str, list[str]] = {}
    parsed: dict[str, object] = {}
    for code, value in raw.items():
        question = rule_set.questions_by_code.get(code) if isinstance(code, str) else None
        if question is None:
            errors.setdefault(str(code), []).append(MSG_UNKNOWN_QUESTION)
            continue
        if question.type == QUESTION_DATE:
            if value is None:
                parsed[code] = None
                continue
            day = _parse_date(value)
            if day is None:
                errors.setdefault(code, []).append(MSG_DATE)
            elif question.past_date and day > today:
                errors.setdefault(code, []).append(MSG_FUTURE_DATE)
            else:
                parsed[code] = day
        elif value is None:
            continue  # unanswered: reported as missing by evaluate()
        elif question.type == QUESTION_BOOLEAN:
            if isinstance(value, bool):
                parsed[code] = value
            else:
                errors.setdefault(code, []).append(MSG_BOOLEAN)
        elif isinstance(value, str) and value in question.choice_values:
            parsed[code] = value
        else:
            allowed = ", ".join(question.choice_values)
            errors.setdefault(code, []).append(f"Choose one of: {allowed}.")
    if errors:
        raise AnswersInvalid(errors)
    return {q.code: parsed[q.code] for q in rule_set.questions if q.code in parsed}


# --- evaluation -------------------------------------------------------------------------


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
    return _parse_date(context.answers.get(question))


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
        answer_date=_iso(match.answer_date) or "",
        eligible_from=_iso(match.eligible_from) or "",
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


# --- rule-set validation ----------------------------------------------------------------


_Add = Callable[[str], None]  # records one error message under a fixed key


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _nonempty_str(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _validate_question(data: object, add: _Add) -> None:
    if not isinstance(data, Mapping):
        add("Each question must be an object.")
        return
    if not _nonempty_str(data.get("text")):
        add("Question text is required.")
    if not isinstance(data.get("help", ""), str):
        add("Help must be text.")
    if not isinstance(data.get("group", ""), str):
        add("Group must be text.")
    past_date = data.get("past_date", False)
    if not isinstance(past_date, bool):
        add("past_date must be true or false.")
    kind = data.get("type")
    if kind not in QUESTION_TYPES:
        add(f"Unknown question type {kind!r}; use boolean, date or choice.")
        return
    if past_date is True and kind != QUESTION_DATE:
        add("past_date only applies to date questions.")
    choices = data.get("choices", [])
    if not isinstance(choices, list):
        add("Choices must be a list.")
        return
    if kind != QUESTION_CHOICE:
        if choices:
            add("Only choice questions have choices.")
        return
    if not choices:
        add("A choice question needs at least one choice.")
    values: set[str] = set()
    for choice in choices:
        if not (
            isinstance(choice, Mapping)
            and _nonempty_str(choice.get("value"))
            and _nonempty_str(choice.get("label"))
        ):
            add("Each choice needs a value and a label.")
            continue
        if choice["value"] in values:
            add(f"Duplicate choice value {choice['value']!r}.")
        values.add(choice["value"])


def _validate_period(data: Mapping[str, Any], add: _Add) -> None:
    has_days, has_months = "days" in data, "months" in data
    if has_days == has_months:
        add("Give either days or months.")
        return
    value = data["days"] if has_days else data["months"]
    if not _is_int(value) or value <= 0:
        add(f"The period must be a positive whole number of {'days' if has_days else 'months'}.")


def _validate_condition(
    data: object, questions: Mapping[str, Mapping[str, Any]], add: _Add, path: str = ""
) -> None:
    where = f"{path}: " if path else ""
    if not isinstance(data, Mapping):
        add(f"{where}A condition must be an object with a type.")
        return
    kind = data.get("type")
    if kind not in CONDITION_TYPES:
        add(f"{where}Unknown condition type {kind!r}.")
        return
    if kind in {"answer_is", "date_within", "date_at_least"}:
        code = data.get("question")
        question = questions.get(code) if isinstance(code, str) else None
        if question is None:
            add(f"{where}Unknown question {code!r}.")
            return
        qtype = question.get("type")
        if kind == "answer_is":
            value = data.get("value")
            if qtype == QUESTION_BOOLEAN and not isinstance(value, bool):
                add(f"{where}Question {code!r} is a yes/no question; value must be true/false.")
            elif qtype == QUESTION_CHOICE:
                allowed = [
                    c.get("value") for c in question.get("choices", []) if isinstance(c, Mapping)
                ]
                if value not in allowed or isinstance(value, bool):
                    add(f"{where}{value!r} is not a choice of question {code!r}.")
            elif qtype == QUESTION_DATE:
                add(f"{where}Question {code!r} is a date question; use date_within/at_least.")
        else:
            if qtype != QUESTION_DATE:
                add(f"{where}{kind} needs a date question; {code!r} is {qtype!r}.")
            _validate_period(data, lambda msg: add(f"{where}{msg}"))
    elif kind == "all":
        subs = data.get("conditions")
        if not isinstance(subs, list) or not subs:
            add(f"{where}'all' needs a non-empty list of conditions.")
            return
        for index, sub in enumerate(subs):
            _validate_condition(sub, questions, add, f"{path}conditions[{index}]")
    elif kind == "age_under":
        years = data.get("years")
        if not _is_int(years) or years <= 0:
            add(f"{where}years must be a positive whole number.")
    else:  # fitzpatrick_in
        types = data.get("types")
        if (
            not isinstance(types, list)
            or not types
            or not all(_is_int(t) and 1 <= t <= 6 for t in types)
        ):
            add(f"{where}types must be a non-empty list of Fitzpatrick types 1 to 6.")


def _validate_explanation(text: object, add: _Add) -> None:
    if not isinstance(text, str) or not text.strip():
        add("An explanation for staff is required.")
        return
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        add("Unbalanced braces; write {{ and }} for literal braces.")
        return
    for name in fields:
        if name not in EXPLANATION_PLACEHOLDERS:
            allowed = ", ".join("{" + p + "}" for p in sorted(EXPLANATION_PLACEHOLDERS))
            add(f"Unknown placeholder {{{name}}}; use {allowed}.")


def validate_rule_set_data(data: object) -> dict[str, list[str]]:
    """Errors in a rule set a clinic manager wants to publish; empty if it is fine.

    Keys: ``rule_set``, ``questions``, ``rules``, ``sources`` for structural problems,
    ``questions.<code>`` for a question and ``rules.<CODE>.<field>`` (or ``rules.<CODE>``)
    for a rule; entries without a usable code are keyed by position (``rules[3]``).
    Source keys are checked against ``treatments.defaults.SOURCES`` plus ``data["sources"]``.
    """
    errors: dict[str, list[str]] = {}

    def adder(key: str) -> _Add:
        return lambda message: errors.setdefault(key, []).append(message)

    if not isinstance(data, Mapping):
        return {"rule_set": ["A rule set must be an object with questions and rules."]}

    known_sources = set(SOURCES)
    extra_sources = data.get("sources", {})
    if isinstance(extra_sources, Mapping) and all(
        isinstance(k, str) and _nonempty_str(v) for k, v in extra_sources.items()
    ):
        known_sources.update(extra_sources)
    else:
        adder("sources")("sources must map source keys to citation text.")

    questions: dict[str, Mapping[str, Any]] = {}
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list):
        adder("questions")("questions must be a list.")
        raw_questions = []
    for index, question in enumerate(raw_questions):
        if not isinstance(question, Mapping):
            adder(f"questions[{index}]")("Each question must be an object.")
            continue
        code = question.get("code")
        if not isinstance(code, str) or not _QUESTION_CODE.fullmatch(code):
            adder(f"questions[{index}]")(
                "A question code is required: lower-case letters, digits and underscores."
            )
            _validate_question(question, adder(f"questions[{index}]"))
            continue
        add = adder(f"questions.{code}")
        if code == DATE_OF_BIRTH:
            add("date_of_birth is reserved for the client's date of birth.")
        if code in questions:
            add("Duplicate question code.")
            continue
        _validate_question(question, add)
        questions[code] = question

    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list):
        adder("rules")("rules must be a list.")
        raw_rules = []
    seen_rules: set[str] = set()
    for index, rule in enumerate(raw_rules):
        if not isinstance(rule, Mapping):
            adder(f"rules[{index}]")("Each rule must be an object.")
            continue
        code = rule.get("code")
        if not isinstance(code, str) or not _RULE_CODE.fullmatch(code):
            adder(f"rules[{index}]")(
                "A rule code is required: upper-case letters, digits and underscores."
            )
            prefix = f"rules[{index}]"
        else:
            prefix = f"rules.{code}"
            if code in seen_rules:
                adder(prefix)("Duplicate rule code.")
                continue
            seen_rules.add(code)
        if not _nonempty_str(rule.get("title")):
            adder(f"{prefix}.title")("A title is required.")
        if rule.get("severity") not in SEVERITIES:
            adder(f"{prefix}.severity")(
                f"Unknown severity {rule.get('severity')!r}; use "
                + ", ".join(reversed(SEVERITY_ORDER))
                + "."
            )
        _validate_condition(rule.get("condition"), questions, adder(f"{prefix}.condition"))
        _validate_explanation(rule.get("explanation"), adder(f"{prefix}.explanation"))
        sources = rule.get("sources")
        if not isinstance(sources, list) or not sources:
            adder(f"{prefix}.sources")("At least one source is required.")
        else:
            for key in sources:
                if not isinstance(key, str) or key not in known_sources:
                    adder(f"{prefix}.sources")(f"Unknown source {key!r}.")
    return errors
