"""Contraindication screening engine: answers + rule set + planned date in, findings out.

Pure by design (standard library only, no Django, no database, no clock): the rule set
is data (``treatments.screening.defaults.DEFAULT_RULE_SET`` or a clinic's published
version), and every date the engine needs is passed in. See ``DOMAIN.md`` section 1 for
the clinical specification this package implements. Its modules, lowest first:

- ``vocabulary``: severities, outcomes, question and condition types;
- ``dates``: calendar months, age in whole years, strict ISO dates;
- ``validation``: whether rule-set data may be published (every problem, keyed);
- ``model``: questions, conditions, rules and the rule set, from and to their JSON;
- ``answers``: raw answers checked against the questions, dates parsed;
- ``evaluation``: the findings and the outcome.

Callers import this package, whose names are the engine's public interface::

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

from treatments.screening.rules.answers import AnswersInvalid, parse_answers
from treatments.screening.rules.dates import add_months, age_on
from treatments.screening.rules.evaluation import Evaluation, Finding, FindingData, evaluate
from treatments.screening.rules.model import (
    AgeUnder,
    AllOf,
    AnswerIs,
    Choice,
    Condition,
    DateAtLeast,
    DateWithin,
    FitzpatrickIn,
    Period,
    Question,
    Rule,
    RuleSet,
    RuleSetInvalid,
)
from treatments.screening.rules.validation import validate_rule_set_data
from treatments.screening.rules.vocabulary import (
    CONDITION_TYPES,
    DATE_OF_BIRTH,
    EXPLANATION_PLACEHOLDERS,
    OUTCOME_CAUTION,
    OUTCOME_CLEAR,
    OUTCOME_CONTRAINDICATED,
    OUTCOME_DEFER,
    OUTCOME_INCOMPLETE,
    OUTCOMES,
    QUESTION_BOOLEAN,
    QUESTION_CHOICE,
    QUESTION_DATE,
    QUESTION_TYPES,
    SEVERITIES,
    SEVERITY_CAUTION,
    SEVERITY_CONTRAINDICATED,
    SEVERITY_DEFER,
    SEVERITY_NOTE,
    SEVERITY_ORDER,
    most_severe,
    severity_rank,
)

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
    "QUESTION_BOOLEAN",
    "QUESTION_CHOICE",
    "QUESTION_DATE",
    "QUESTION_TYPES",
    "SEVERITIES",
    "SEVERITY_CAUTION",
    "SEVERITY_CONTRAINDICATED",
    "SEVERITY_DEFER",
    "SEVERITY_NOTE",
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
    "FindingData",
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
