"""The engine's words: severities, outcomes, question and condition types (DOMAIN.md §1)."""

from __future__ import annotations

from collections.abc import Iterable

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


def severity_rank(severity: str) -> int:
    """Higher is more severe: note 0, caution 1, defer 2, contraindicated 3."""
    return len(SEVERITY_ORDER) - 1 - SEVERITY_ORDER.index(severity)


def most_severe(severities: Iterable[str]) -> str | None:
    """The most severe of ``severities``, or None if there are none."""
    return max(severities, key=severity_rank, default=None)
