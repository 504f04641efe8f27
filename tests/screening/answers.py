"""Answer sets for screening tests."""

from __future__ import annotations

import copy
from typing import Any

from treatments.screening.defaults import DEFAULT_RULE_SET


def all_no_answers(**overrides: Any) -> dict[str, Any]:
    """Every default question answered "no" / "never" / "none", then ``overrides``."""
    answers: dict[str, Any] = {}
    for question in DEFAULT_RULE_SET["questions"]:
        if question["type"] == "boolean":
            answers[question["code"]] = False
        elif question["type"] == "date":
            answers[question["code"]] = None
        else:
            answers[question["code"]] = "none"
    answers.update(overrides)
    return answers


def rule_set_with_isotretinoin_months(months: int) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT_RULE_SET)
    for rule in data["rules"]:
        if rule["code"] == "ISO_RECENT":
            rule["condition"]["months"] = months
    return data
