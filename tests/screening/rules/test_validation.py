"""Whether a clinic's rule set may be published: every problem, keyed for the form."""

from __future__ import annotations

import copy

import pytest

from tests.screening.rules.cases import question_data, rule_data
from treatments.screening.defaults import DEFAULT_RULE_SET
from treatments.screening.rules.validation import validate_rule_set_data


def mutated(change) -> dict[str, list[str]]:
    data = copy.deepcopy(DEFAULT_RULE_SET)
    change(data)
    return validate_rule_set_data(data)


def set_condition(code: str, condition: object):
    def change(data):
        rule_data(data, code)["condition"] = condition

    return change


def set_rule_field(code: str, field: str, value: object):
    def change(data):
        rule_data(data, code)[field] = value

    return change


def set_question_field(code: str, field: str, value: object):
    def change(data):
        question_data(data, code)[field] = value

    return change


def duplicate_rule(data):
    data["rules"].append(copy.deepcopy(rule_data(data, "ISO_CURRENT")))


def duplicate_question(data):
    data["questions"].append(copy.deepcopy(question_data(data, "diabetes")))


@pytest.mark.parametrize(
    ("change", "key", "fragment"),
    [
        (duplicate_rule, "rules.ISO_CURRENT", "Duplicate rule code"),
        (duplicate_question, "questions.diabetes", "Duplicate question code"),
        (
            set_condition("ISO_RECENT", {"type": "date_before", "question": "x", "days": 1}),
            "rules.ISO_RECENT.condition",
            "Unknown condition type",
        ),
        (
            set_condition("ISO_CURRENT", {"type": "answer_is", "question": "shoe", "value": True}),
            "rules.ISO_CURRENT.condition",
            "Unknown question 'shoe'",
        ),
        (
            set_condition(
                "ISO_RECENT", {"type": "date_within", "question": "isotretinoin_current", "days": 7}
            ),
            "rules.ISO_RECENT.condition",
            "needs a date question",
        ),
        (
            set_condition(
                "CANCER_TREATMENT_PAST",
                {"type": "date_at_least", "question": "diabetes", "months": 12},
            ),
            "rules.CANCER_TREATMENT_PAST.condition",
            "needs a date question",
        ),
        (
            set_condition(
                "ISO_CURRENT",
                {"type": "answer_is", "question": "isotretinoin_last_dose", "value": True},
            ),
            "rules.ISO_CURRENT.condition",
            "is a date question",
        ),
        (
            set_condition(
                "ISO_CURRENT", {"type": "answer_is", "question": "isotretinoin_current", "value": 1}
            ),
            "rules.ISO_CURRENT.condition",
            "true/false",
        ),
        (
            set_condition(
                "DIABETES_CONTROLLED",
                {"type": "answer_is", "question": "diabetes", "value": "type 2"},
            ),
            "rules.DIABETES_CONTROLLED.condition",
            "not a choice",
        ),
        (
            set_condition(
                "ISO_RECENT", {"type": "date_within", "question": "isotretinoin_last_dose"}
            ),
            "rules.ISO_RECENT.condition",
            "either days or months",
        ),
        (
            set_condition(
                "ISO_RECENT",
                {
                    "type": "date_within",
                    "question": "isotretinoin_last_dose",
                    "days": 7,
                    "months": 6,
                },
            ),
            "rules.ISO_RECENT.condition",
            "either days or months",
        ),
        (
            set_condition(
                "ISO_RECENT",
                {"type": "date_within", "question": "isotretinoin_last_dose", "days": 0},
            ),
            "rules.ISO_RECENT.condition",
            "positive",
        ),
        (
            set_condition(
                "ISO_RECENT",
                {"type": "date_within", "question": "isotretinoin_last_dose", "months": -6},
            ),
            "rules.ISO_RECENT.condition",
            "positive",
        ),
        (
            set_condition(
                "ISO_RECENT",
                {"type": "date_within", "question": "isotretinoin_last_dose", "days": "7"},
            ),
            "rules.ISO_RECENT.condition",
            "positive",
        ),
        (
            set_condition(
                "ISO_RECENT",
                {"type": "date_within", "question": "isotretinoin_last_dose", "days": True},
            ),
            "rules.ISO_RECENT.condition",
            "positive",
        ),
        (
            set_condition(
                "SKIN_CONDITION_HISTORY",
                {
                    "type": "all",
                    "conditions": [
                        {"type": "answer_is", "question": "skin_condition_history", "value": True},
                        {"type": "answer_is", "question": "nope", "value": False},
                    ],
                },
            ),
            "rules.SKIN_CONDITION_HISTORY.condition",
            "conditions[1]: Unknown question 'nope'",
        ),
        (
            set_condition("SKIN_CONDITION_HISTORY", {"type": "all", "conditions": []}),
            "rules.SKIN_CONDITION_HISTORY.condition",
            "non-empty list",
        ),
        (
            set_condition("MINOR", {"type": "age_under", "years": 0}),
            "rules.MINOR.condition",
            "years",
        ),
        (
            set_condition("PIH_RISK", {"type": "fitzpatrick_in", "types": [4, 7]}),
            "rules.PIH_RISK.condition",
            "Fitzpatrick types 1 to 6",
        ),
        (set_condition("PIH_RISK", "fitzpatrick"), "rules.PIH_RISK.condition", "object"),
        (
            set_rule_field("ISO_CURRENT", "severity", "urgent"),
            "rules.ISO_CURRENT.severity",
            "urgent",
        ),
        (set_rule_field("ISO_CURRENT", "title", ""), "rules.ISO_CURRENT.title", "title"),
        (
            set_rule_field("ISO_RECENT", "explanation", "Last dose {last_dose}."),
            "rules.ISO_RECENT.explanation",
            "Unknown placeholder {last_dose}",
        ),
        (
            set_rule_field("ISO_RECENT", "explanation", "Eligible from {eligible_from."),
            "rules.ISO_RECENT.explanation",
            "braces",
        ),
        (
            set_rule_field("ISO_RECENT", "explanation", ""),
            "rules.ISO_RECENT.explanation",
            "required",
        ),
        (
            set_rule_field("ISO_RECENT", "sources", ["ISO1", "WIKIPEDIA"]),
            "rules.ISO_RECENT.sources",
            "Unknown source 'WIKIPEDIA'",
        ),
        (set_rule_field("ISO_RECENT", "sources", []), "rules.ISO_RECENT.sources", "At least one"),
        (set_rule_field("ISO_RECENT", "code", "iso recent"), "rules[1]", "rule code"),
        (set_question_field("diabetes", "type", "number"), "questions.diabetes", "question type"),
        (set_question_field("diabetes", "choices", []), "questions.diabetes", "at least one"),
        (
            set_question_field(
                "diabetes",
                "choices",
                [{"value": "none", "label": "No"}, {"value": "none", "label": "None"}],
            ),
            "questions.diabetes",
            "Duplicate choice value",
        ),
        (
            set_question_field("metal_allergy", "choices", [{"value": "y", "label": "Y"}]),
            "questions.metal_allergy",
            "Only choice questions",
        ),
        (
            set_question_field("metal_allergy", "past_date", True),
            "questions.metal_allergy",
            "past_date only applies",
        ),
        (set_question_field("metal_allergy", "text", " "), "questions.metal_allergy", "text"),
        (
            set_question_field("metal_allergy", "code", "date_of_birth"),
            "questions.date_of_birth",
            "reserved",
        ),
        (set_question_field("metal_allergy", "code", "Metal Allergy"), "questions[14]", "code"),
    ],
)
def test_validate_rule_set_data_detects(change, key, fragment):
    errors = mutated(change)
    assert key in errors, errors
    assert any(fragment in message for message in errors[key]), errors[key]


def test_validate_rule_set_data_reports_a_rule_on_a_removed_question():
    def remove_question(data):
        data["questions"] = [q for q in data["questions"] if q["code"] != "metal_allergy"]

    errors = mutated(remove_question)
    assert list(errors) == ["rules.METAL_ALLERGY.condition"]


def test_validate_rule_set_data_accepts_clinic_sources():
    def cite_clinic_protocol(data):
        data["sources"] = {"OWN1": "Our medical director's protocol, 2025"}
        rule_data(data, "ISO_RECENT")["sources"] = ["ISO1", "OWN1"]

    assert mutated(cite_clinic_protocol) == {}


def test_validate_rule_set_data_rejects_malformed_clinic_sources():
    def bad_sources(data):
        data["sources"] = ["OWN1"]

    assert "sources" in mutated(bad_sources)


def test_validate_rule_set_data_collects_every_error():
    def break_two_rules(data):
        rule_data(data, "ISO_RECENT")["severity"] = "maybe"
        rule_data(data, "MINOR")["sources"] = ["NOPE"]

    assert set(mutated(break_two_rules)) == {"rules.ISO_RECENT.severity", "rules.MINOR.sources"}


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (None, "rule_set"),
        ([], "rule_set"),
        ({"rules": []}, "questions"),
        ({"questions": [], "rules": {}}, "rules"),
        ({"questions": ["diabetes"], "rules": []}, "questions[0]"),
        ({"questions": [], "rules": ["ISO_RECENT"]}, "rules[0]"),
    ],
)
def test_validate_rule_set_data_rejects_malformed_structure(data, key):
    assert key in validate_rule_set_data(data)
