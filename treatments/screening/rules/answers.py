"""Answers as they arrive (API or form): checked against the questions, dates parsed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from treatments.screening.rules.dates import parse_iso_date
from treatments.screening.rules.model import RuleSet
from treatments.screening.rules.vocabulary import QUESTION_BOOLEAN, QUESTION_DATE


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


def parse_answers(rule_set: RuleSet, raw: object, *, today: date) -> dict[str, object]:
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
            day = parse_iso_date(value)
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
