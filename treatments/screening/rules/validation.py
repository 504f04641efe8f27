"""Is this rule set fit to publish? Every problem at once, keyed for the form and the API."""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from treatments.screening.defaults import SOURCES
from treatments.screening.rules.vocabulary import (
    CONDITION_TYPES,
    DATE_OF_BIRTH,
    EXPLANATION_PLACEHOLDERS,
    QUESTION_BOOLEAN,
    QUESTION_CHOICE,
    QUESTION_DATE,
    QUESTION_TYPES,
    SEVERITIES,
    SEVERITY_ORDER,
)

_QUESTION_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")
_RULE_CODE = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_Add = Callable[[str], None]  # records one error message under a fixed key


def _is_int(value: object) -> TypeGuard[int]:
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
    Source keys are checked against ``treatments.screening.defaults.SOURCES`` plus
    ``data["sources"]``.
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
