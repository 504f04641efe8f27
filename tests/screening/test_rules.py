"""The screening engine against DOMAIN.md section 1 (pure: no Django, no database)."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from treatments.screening.defaults import DEFAULT_RULE_SET, QUESTION_GROUPS, SOURCES
from treatments.screening.rules import (
    SEVERITY_ORDER,
    AnswersInvalid,
    Evaluation,
    RuleSet,
    RuleSetInvalid,
    add_months,
    age_on,
    evaluate,
    most_severe,
    parse_answers,
    severity_rank,
    validate_rule_set_data,
)

RULE_SET = RuleSet.from_data(DEFAULT_RULE_SET, version=1)
ADULT_DOB = date(1985, 9, 14)
PLANNED = date(2024, 6, 3)

# DOMAIN.md section 1, "Default rule set": rule code -> (severity, sources), in table order.
DOMAIN_RULES: dict[str, tuple[str, list[str]]] = {
    "ISO_CURRENT": ("defer", ["SPL", "ISO1"]),
    "ISO_RECENT": ("defer", ["ISO1", "C6", "C2", "C8"]),
    "BLEEDING_DISORDER": ("contraindicated", ["SPL"]),
    "ANTICOAGULANT": ("caution", ["SPM", "C2"]),
    "KELOID": ("contraindicated", ["C1", "C10"]),
    "SKIN_CONDITION_ACTIVE": ("defer", ["SPM", "C1"]),
    "SKIN_CONDITION_HISTORY": ("caution", ["SPM"]),
    "ACTIVE_LESIONS": ("defer", ["SPM", "C1"]),
    "RAISED_LESIONS": ("caution", ["C1", "C16", "C18"]),
    "SKIN_CANCER": ("contraindicated", ["SPL"]),
    "CANCER_TREATMENT_CURRENT": ("contraindicated", ["C1"]),
    "CANCER_TREATMENT_RECENT": ("defer", ["C19", "C22"]),
    "CANCER_TREATMENT_PAST": ("caution", ["C11"]),
    "PREGNANCY": ("defer", ["SPL", "C1"]),
    "DIABETES_UNCONTROLLED": ("defer", ["C1"]),
    "DIABETES_CONTROLLED": ("caution", ["C1"]),
    "IMMUNOSUPPRESSION": ("caution", ["HSV2", "C10"]),
    "RETINOIDS_ACIDS": ("defer", ["C6", "C8"]),
    "SUN_EXPOSURE": ("defer", ["C2", "C17"]),
    "BOTULINUM_TOXIN": ("defer", ["C8", "C23", "C9"]),
    "DERMAL_FILLER": ("defer", ["C9"]),
    "LASER_OR_PEEL": ("defer", ["C2", "C24"]),
    "METAL_ALLERGY": ("contraindicated", ["SPL"]),
    "ANAESTHETIC_ALLERGY": ("caution", ["SPL"]),
    "HERPES_HISTORY": ("caution", ["HSV1"]),
    "COLLAGEN_VASCULAR": ("contraindicated", ["C10", "C16"]),
    "YOUNG_SCAR": ("caution", ["SPM"]),
    "FREQUENT_RASHES": ("caution", ["SEED003"]),
    "MINOR": ("contraindicated", ["POLICY", "FDA1"]),
    "PIH_RISK": ("note", ["SoC", "CHU"]),
}

DOMAIN_QUESTIONS = {
    "isotretinoin_current": "boolean",
    "isotretinoin_last_dose": "date",
    "bleeding_disorder": "boolean",
    "anticoagulant_use": "boolean",
    "keloid_tendency": "boolean",
    "skin_condition_active_in_area": "boolean",
    "skin_condition_history": "boolean",
    "active_lesions_in_area": "boolean",
    "raised_lesions_in_area": "boolean",
    "skin_cancer_in_area": "boolean",
    "cancer_treatment_current": "boolean",
    "cancer_treatment_ended": "date",
    "pregnant_or_breastfeeding": "boolean",
    "diabetes": "choice",
    "immunosuppressed": "boolean",
    "retinoid_acid_last_use": "date",
    "sunburn_or_tan_last": "date",
    "botulinum_toxin_last": "date",
    "dermal_filler_last": "date",
    "laser_or_peel_last": "date",
    "metal_allergy": "boolean",
    "anaesthetic_allergy": "boolean",
    "herpes_simplex_history": "boolean",
    "collagen_vascular_disease": "boolean",
    "scar_or_stretch_mark_under_1y": "boolean",
    "frequent_rashes": "boolean",
}


def baseline_answers(**overrides: object) -> dict[str, object]:
    """Every question answered "no": booleans False, dates never (None), no diabetes."""
    answers: dict[str, object] = {}
    for question in RULE_SET.questions:
        if question.type == "boolean":
            answers[question.code] = False
        elif question.type == "date":
            answers[question.code] = None
        else:
            answers[question.code] = "none"
    answers.update(overrides)
    return answers


def screen(
    answers: dict[str, object] | None = None,
    *,
    date_of_birth: date | None = ADULT_DOB,
    fitzpatrick_type: int | None = 2,
    planned_date: date = PLANNED,
    rule_set: RuleSet = RULE_SET,
    **overrides: object,
) -> Evaluation:
    if answers is None:
        answers = baseline_answers(**overrides)
    return evaluate(
        rule_set=rule_set,
        answers=answers,
        date_of_birth=date_of_birth,
        fitzpatrick_type=fitzpatrick_type,
        planned_date=planned_date,
    )


def fired(evaluation: Evaluation) -> list[str]:
    return [finding.rule for finding in evaluation.findings]


def finding(evaluation: Evaluation, rule: str) -> Any:
    matches = [f for f in evaluation.findings if f.rule == rule]
    assert len(matches) == 1, f"{rule} fired {len(matches)} times: {fired(evaluation)}"
    return matches[0]


def rule_data(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(rule for rule in data["rules"] if rule["code"] == code)


def question_data(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(question for question in data["questions"] if question["code"] == code)


# --- the default rule set as data -------------------------------------------------------


def test_default_rule_set_is_valid():
    assert validate_rule_set_data(DEFAULT_RULE_SET) == {}


def test_default_rule_set_is_json_data():
    assert json.loads(json.dumps(DEFAULT_RULE_SET)) == DEFAULT_RULE_SET
    assert set(DEFAULT_RULE_SET) == {"questions", "rules"}


def test_default_questionnaire_has_every_domain_question_with_its_type():
    assert {q.code: q.type for q in RULE_SET.questions} == DOMAIN_QUESTIONS
    assert len(RULE_SET.questions) == len(DOMAIN_QUESTIONS)


def test_default_rules_are_the_domain_table_in_order():
    assert [rule.code for rule in RULE_SET.rules] == list(DOMAIN_RULES)


@pytest.mark.parametrize("code", list(DOMAIN_RULES))
def test_default_rule_severity_and_sources_match_domain(code):
    rule = next(rule for rule in RULE_SET.rules if rule.code == code)
    severity, sources = DOMAIN_RULES[code]
    assert rule.severity == severity
    assert list(rule.sources) == sources
    assert rule.title
    assert rule.explanation


def test_default_question_shape():
    keys = {"code", "text", "help", "type", "choices", "group", "past_date"}
    for question in DEFAULT_RULE_SET["questions"]:
        assert set(question) == keys, question["code"]
        assert question["text"].strip()
        assert isinstance(question["help"], str)
        assert question["group"] in QUESTION_GROUPS
        assert question["choices"] == [] or question["type"] == "choice"


def test_default_rule_shape():
    keys = {"code", "title", "severity", "condition", "explanation", "sources"}
    for rule in DEFAULT_RULE_SET["rules"]:
        assert set(rule) == keys, rule["code"]


def test_isotretinoin_question_is_asked_in_plain_words():
    text = RULE_SET.question("isotretinoin_current").text
    assert "isotretinoin" in text
    assert "Roaccutane" in text
    assert text.endswith("?")


def test_date_questions_are_past_dates_that_say_how_to_answer_never():
    date_questions = [q for q in RULE_SET.questions if q.type == "date"]
    assert {q.code for q in date_questions} == {
        code for code, kind in DOMAIN_QUESTIONS.items() if kind == "date"
    }
    for question in date_questions:
        assert question.past_date is True, question.code
        # Empty means unanswered (DOMAIN.md: a missing answer is not a "no"); the
        # question must say how to answer "never".
        assert "Leave empty" not in question.text, question.code
        assert "never" in question.text or "not applicable" in question.text, question.code


def test_only_date_questions_are_past_dates():
    assert all(not q.past_date for q in RULE_SET.questions if q.type != "date")


def test_diabetes_is_a_choice_of_none_controlled_uncontrolled():
    diabetes = RULE_SET.question("diabetes")
    assert diabetes.type == "choice"
    assert diabetes.choice_values == ("none", "controlled", "uncontrolled")
    assert all(choice.label for choice in diabetes.choices)


def test_questions_follow_the_intake_form_group_order():
    groups = [q.group for q in RULE_SET.questions]
    distinct = list(dict.fromkeys(groups))
    assert distinct == [g for g in QUESTION_GROUPS if g in distinct]
    # each group is asked in one block
    assert sum(1 for a, b in pairwise(groups) if a != b) == len(distinct) - 1


def test_sources_list_every_domain_source_key():
    domain_keys = {
        "A2", "CH", "CHU", "DP", "F", "FDA1", "FDA2", "FZ", "G", "GB", "GL", "GR1", "GR2",
        "GR3", "H", "HA", "HA2", "HSV1", "HSV2", "IS", "ISO1", "ISO4", "ME", "ME2", "SoC",
        "SP", "SPL", "SPM", "ST2", "T", "W", "SEED003", "POLICY",
    }  # fmt: skip
    domain_keys |= {f"C{n}" for n in range(1, 25)}
    assert set(SOURCES) == domain_keys
    assert all(text.strip() for text in SOURCES.values())


def test_source_citations_are_the_domain_texts():
    assert SOURCES["SPL"] == "SkinPen labelling (contraindications)"
    assert SOURCES["ISO1"] == "isotretinoin prescribing information (6 months)"
    assert SOURCES["SoC"] == "Cohen & Elbuluk, JAAD 2016"
    assert SOURCES["C7"] == "Published clinic pre-care/aftercare sheet C7 (practice, not evidence)"
    assert SOURCES["C24"] == (
        "Published clinic pre-care/aftercare sheet C24 (practice, not evidence)"
    )


def test_every_rule_cites_known_sources():
    for rule in RULE_SET.rules:
        assert rule.sources
        assert set(rule.sources) <= set(SOURCES), rule.code


def test_rule_set_round_trips_through_its_data():
    assert RULE_SET.to_data() == DEFAULT_RULE_SET
    again = RuleSet.from_data(json.loads(json.dumps(RULE_SET.to_data())), version=1)
    assert again == RULE_SET


def test_from_data_does_not_keep_references_to_the_data():
    data = copy.deepcopy(DEFAULT_RULE_SET)
    rule_set = RuleSet.from_data(data, version=1)
    rule_data(data, "ISO_RECENT")["condition"]["months"] = 1
    assert rule_set == RULE_SET


# --- baseline and single rules ----------------------------------------------------------


def test_baseline_all_no_is_clear():
    evaluation = screen()
    assert evaluation.outcome == "clear"
    assert evaluation.eligible_from is None
    assert evaluation.missing == ()
    assert evaluation.findings == ()
    assert evaluation.rule_set_version == 1


OLD = PLANNED - timedelta(days=400)
RECENT = PLANNED - timedelta(days=3)

# rule code -> (answer overrides, screen keyword arguments)
FIRES_ALONE: dict[str, tuple[dict[str, object], dict[str, Any]]] = {
    "ISO_CURRENT": ({"isotretinoin_current": True}, {}),
    "ISO_RECENT": ({"isotretinoin_last_dose": RECENT}, {}),
    "BLEEDING_DISORDER": ({"bleeding_disorder": True}, {}),
    "ANTICOAGULANT": ({"anticoagulant_use": True}, {}),
    "KELOID": ({"keloid_tendency": True}, {}),
    "SKIN_CONDITION_ACTIVE": ({"skin_condition_active_in_area": True}, {}),
    "SKIN_CONDITION_HISTORY": ({"skin_condition_history": True}, {}),
    "ACTIVE_LESIONS": ({"active_lesions_in_area": True}, {}),
    "RAISED_LESIONS": ({"raised_lesions_in_area": True}, {}),
    "SKIN_CANCER": ({"skin_cancer_in_area": True}, {}),
    "CANCER_TREATMENT_CURRENT": ({"cancer_treatment_current": True}, {}),
    "CANCER_TREATMENT_RECENT": ({"cancer_treatment_ended": RECENT}, {}),
    "CANCER_TREATMENT_PAST": ({"cancer_treatment_ended": OLD}, {}),
    "PREGNANCY": ({"pregnant_or_breastfeeding": True}, {}),
    "DIABETES_UNCONTROLLED": ({"diabetes": "uncontrolled"}, {}),
    "DIABETES_CONTROLLED": ({"diabetes": "controlled"}, {}),
    "IMMUNOSUPPRESSION": ({"immunosuppressed": True}, {}),
    "RETINOIDS_ACIDS": ({"retinoid_acid_last_use": RECENT}, {}),
    "SUN_EXPOSURE": ({"sunburn_or_tan_last": RECENT}, {}),
    "BOTULINUM_TOXIN": ({"botulinum_toxin_last": RECENT}, {}),
    "DERMAL_FILLER": ({"dermal_filler_last": RECENT}, {}),
    "LASER_OR_PEEL": ({"laser_or_peel_last": RECENT}, {}),
    "METAL_ALLERGY": ({"metal_allergy": True}, {}),
    "ANAESTHETIC_ALLERGY": ({"anaesthetic_allergy": True}, {}),
    "HERPES_HISTORY": ({"herpes_simplex_history": True}, {}),
    "COLLAGEN_VASCULAR": ({"collagen_vascular_disease": True}, {}),
    "YOUNG_SCAR": ({"scar_or_stretch_mark_under_1y": True}, {}),
    "FREQUENT_RASHES": ({"frequent_rashes": True}, {}),
    "MINOR": ({}, {"date_of_birth": date(2010, 1, 1)}),
    "PIH_RISK": ({}, {"fitzpatrick_type": 5}),
}
DATED = {
    "ISO_RECENT",
    "CANCER_TREATMENT_RECENT",
    "RETINOIDS_ACIDS",
    "SUN_EXPOSURE",
    "BOTULINUM_TOXIN",
    "DERMAL_FILLER",
    "LASER_OR_PEEL",
}


def test_fires_alone_cases_cover_every_default_rule():
    assert set(FIRES_ALONE) == {rule.code for rule in RULE_SET.rules}


@pytest.mark.parametrize("code", list(FIRES_ALONE))
def test_each_default_rule_fires_alone_with_its_severity_and_outcome(code):
    overrides, kwargs = FIRES_ALONE[code]
    evaluation = screen(**kwargs, **overrides)
    severity, sources = DOMAIN_RULES[code]

    assert fired(evaluation) == [code]
    only = evaluation.findings[0]
    assert only.severity == severity
    assert list(only.sources) == sources
    assert only.title == next(r.title for r in RULE_SET.rules if r.code == code)
    assert evaluation.missing == ()
    assert evaluation.outcome == ("clear" if severity == "note" else severity)
    if code in DATED:
        assert only.eligible_from is not None
        assert evaluation.eligible_from == only.eligible_from
    else:
        assert only.eligible_from is None
        assert evaluation.eligible_from is None
    assert "{" not in only.explanation and "}" not in only.explanation


def test_undated_deferrals_have_no_eligible_from():
    for code in ("ISO_CURRENT", "SKIN_CONDITION_ACTIVE", "ACTIVE_LESIONS", "PREGNANCY"):
        overrides, _ = FIRES_ALONE[code]
        evaluation = screen(**overrides)
        assert evaluation.outcome == "defer", code
        assert evaluation.eligible_from is None, code


# --- dated rules at their boundaries ----------------------------------------------------

# rule, question, answer date, eligible on (answer + period)
DATED_BOUNDARIES = [
    ("ISO_RECENT", "isotretinoin_last_dose", date(2024, 1, 15), date(2024, 7, 15)),
    ("CANCER_TREATMENT_RECENT", "cancer_treatment_ended", date(2023, 3, 10), date(2024, 3, 10)),
    ("RETINOIDS_ACIDS", "retinoid_acid_last_use", date(2024, 5, 28), date(2024, 6, 4)),
    ("SUN_EXPOSURE", "sunburn_or_tan_last", date(2024, 5, 20), date(2024, 6, 3)),
    ("BOTULINUM_TOXIN", "botulinum_toxin_last", date(2024, 2, 20), date(2024, 3, 5)),
    ("DERMAL_FILLER", "dermal_filler_last", date(2023, 12, 15), date(2024, 1, 12)),
    ("LASER_OR_PEEL", "laser_or_peel_last", date(2024, 3, 25), date(2024, 4, 8)),
]


@pytest.mark.parametrize(("rule", "question", "answered", "eligible"), DATED_BOUNDARIES)
def test_dated_rule_defers_the_day_before_eligibility(rule, question, answered, eligible):
    evaluation = screen(planned_date=eligible - timedelta(days=1), **{question: answered})
    assert fired(evaluation) == [rule]
    assert evaluation.outcome == "defer"
    assert evaluation.eligible_from == eligible
    found = finding(evaluation, rule)
    assert found.eligible_from == eligible
    assert answered.isoformat() in found.explanation
    assert eligible.isoformat() in found.explanation


@pytest.mark.parametrize(("rule", "question", "answered", "eligible"), DATED_BOUNDARIES)
def test_dated_rule_is_eligible_on_the_day(rule, question, answered, eligible):
    evaluation = screen(planned_date=eligible, **{question: answered})
    assert rule not in fired(evaluation)
    expected = "caution" if rule == "CANCER_TREATMENT_RECENT" else "clear"
    assert evaluation.outcome == expected
    assert evaluation.eligible_from is None


@pytest.mark.parametrize(("rule", "question", "answered", "eligible"), DATED_BOUNDARIES)
def test_dated_rule_is_eligible_the_day_after(rule, question, answered, eligible):
    evaluation = screen(planned_date=eligible + timedelta(days=1), **{question: answered})
    assert rule not in fired(evaluation)
    expected = "caution" if rule == "CANCER_TREATMENT_RECENT" else "clear"
    assert evaluation.outcome == expected


@pytest.mark.parametrize(("rule", "question", "answered", "eligible"), DATED_BOUNDARIES)
def test_dated_rule_defers_on_the_day_of_the_answer(rule, question, answered, eligible):
    evaluation = screen(planned_date=answered, **{question: answered})
    assert fired(evaluation) == [rule]
    assert evaluation.eligible_from == eligible


@pytest.mark.parametrize("question", [q for q, kind in DOMAIN_QUESTIONS.items() if kind == "date"])
def test_date_answered_never_does_not_fire(question):
    evaluation = screen(**{question: None})
    assert evaluation.outcome == "clear"
    assert evaluation.findings == ()


def test_cancer_treatment_moves_from_recent_to_past_at_twelve_months():
    ended = date(2023, 3, 10)
    day_before = screen(planned_date=date(2024, 3, 9), cancer_treatment_ended=ended)
    on_the_day = screen(planned_date=date(2024, 3, 10), cancer_treatment_ended=ended)
    day_after = screen(planned_date=date(2024, 3, 11), cancer_treatment_ended=ended)

    assert fired(day_before) == ["CANCER_TREATMENT_RECENT"]
    assert day_before.outcome == "defer"
    assert day_before.eligible_from == date(2024, 3, 10)

    assert fired(on_the_day) == ["CANCER_TREATMENT_PAST"]
    assert on_the_day.outcome == "caution"
    assert on_the_day.eligible_from is None
    assert finding(on_the_day, "CANCER_TREATMENT_PAST").eligible_from is None
    assert "2023-03-10" in finding(on_the_day, "CANCER_TREATMENT_PAST").explanation

    assert fired(day_after) == ["CANCER_TREATMENT_PAST"]
    assert day_after.outcome == "caution"


def test_cancer_treatment_ended_today_is_a_deferral_not_an_error():
    evaluation = screen(cancer_treatment_ended=PLANNED)
    assert fired(evaluation) == ["CANCER_TREATMENT_RECENT"]
    assert evaluation.eligible_from == date(2025, 6, 3)


# --- calendar months --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # leap year
        (date(2022, 8, 31), 6, date(2023, 2, 28)),  # non-leap year
        (date(2024, 3, 31), 6, date(2024, 9, 30)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2023, 2, 28), 12, date(2024, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 1, 15), 6, date(2024, 7, 15)),
        (date(2024, 7, 31), 6, date(2025, 1, 31)),  # across the year end
        (date(2024, 12, 31), 12, date(2025, 12, 31)),
        (date(2024, 5, 31), 0, date(2024, 5, 31)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 1, 31), 25, date(2026, 2, 28)),
    ],
)
def test_add_months_uses_calendar_months_clamped_to_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_isotretinoin_six_months_clamps_to_month_end():
    last_dose = date(2022, 8, 31)
    deferred = screen(planned_date=date(2023, 2, 27), isotretinoin_last_dose=last_dose)
    eligible = screen(planned_date=date(2023, 2, 28), isotretinoin_last_dose=last_dose)
    assert deferred.outcome == "defer"
    assert deferred.eligible_from == date(2023, 2, 28)
    assert eligible.outcome == "clear"


def test_isotretinoin_six_months_clamps_to_leap_day():
    last_dose = date(2023, 8, 31)
    deferred = screen(planned_date=date(2024, 2, 28), isotretinoin_last_dose=last_dose)
    eligible = screen(planned_date=date(2024, 2, 29), isotretinoin_last_dose=last_dose)
    assert deferred.outcome == "defer"
    assert deferred.eligible_from == date(2024, 2, 29)
    assert eligible.outcome == "clear"


def test_isotretinoin_six_months_from_march_31_is_september_30():
    last_dose = date(2024, 3, 31)
    deferred = screen(planned_date=date(2024, 9, 29), isotretinoin_last_dose=last_dose)
    eligible = screen(planned_date=date(2024, 9, 30), isotretinoin_last_dose=last_dose)
    assert deferred.eligible_from == date(2024, 9, 30)
    assert eligible.outcome == "clear"


def test_isotretinoin_explanation_names_the_dates():
    evaluation = screen(planned_date=date(2024, 2, 1), isotretinoin_last_dose=date(2023, 8, 31))
    assert finding(evaluation, "ISO_RECENT").explanation == (
        "Last isotretinoin dose on 2023-08-31. Microneedling waits 6 months after the last "
        "dose because healing is impaired and scarring risk is raised; eligible from "
        "2024-02-29."
    )


def test_cancer_twelve_months_from_leap_day_ends_february_28():
    ended = date(2024, 2, 29)
    deferred = screen(planned_date=date(2025, 2, 27), cancer_treatment_ended=ended)
    past = screen(planned_date=date(2025, 2, 28), cancer_treatment_ended=ended)
    assert fired(deferred) == ["CANCER_TREATMENT_RECENT"]
    assert deferred.eligible_from == date(2025, 2, 28)
    assert fired(past) == ["CANCER_TREATMENT_PAST"]


def test_cancer_twelve_months_into_a_leap_year():
    ended = date(2023, 2, 28)
    deferred = screen(planned_date=date(2024, 2, 27), cancer_treatment_ended=ended)
    past = screen(planned_date=date(2024, 2, 28), cancer_treatment_ended=ended)
    assert deferred.eligible_from == date(2024, 2, 28)
    assert fired(past) == ["CANCER_TREATMENT_PAST"]


def test_day_periods_count_across_leap_day():
    # 14 days from 20 Feb 2024 includes 29 Feb: eligible 5 March (not 6 March).
    evaluation = screen(planned_date=date(2024, 3, 4), botulinum_toxin_last=date(2024, 2, 20))
    assert evaluation.eligible_from == date(2024, 3, 5)


# --- age ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(2000, 6, 3), date(2018, 6, 2), 17),
        (date(2000, 6, 3), date(2018, 6, 3), 18),
        (date(2000, 6, 3), date(2018, 6, 4), 18),
        (date(2000, 12, 31), date(2019, 1, 1), 18),
        (date(2000, 2, 29), date(2019, 2, 28), 18),  # not yet: turns 19 on 1 March
        (date(2000, 2, 29), date(2019, 3, 1), 19),
        (date(2000, 2, 29), date(2020, 2, 28), 19),
        (date(2000, 2, 29), date(2020, 2, 29), 20),  # leap year: the real birthday
        (date(2000, 6, 3), date(2000, 6, 3), 0),
    ],
)
def test_age_is_whole_years_on_the_day(born, on, age):
    assert age_on(born, on) == age


def test_minor_the_day_before_the_eighteenth_birthday_is_contraindicated():
    evaluation = screen(date_of_birth=date(2006, 6, 3), planned_date=date(2024, 6, 2))
    assert evaluation.outcome == "contraindicated"
    assert fired(evaluation) == ["MINOR"]
    assert "17" in finding(evaluation, "MINOR").explanation
    assert evaluation.eligible_from is None


def test_minor_on_the_eighteenth_birthday_is_clear():
    evaluation = screen(date_of_birth=date(2006, 6, 3), planned_date=date(2024, 6, 3))
    assert evaluation.outcome == "clear"


def test_minor_born_on_leap_day_turns_eighteen_on_march_1():
    born = date(2008, 2, 29)
    day_before = screen(date_of_birth=born, planned_date=date(2026, 2, 28))
    birthday = screen(date_of_birth=born, planned_date=date(2026, 3, 1))
    assert day_before.outcome == "contraindicated"
    assert "Client is 17" in finding(day_before, "MINOR").explanation
    assert birthday.outcome == "clear"


def test_minor_explanation_states_the_age():
    evaluation = screen(date_of_birth=date(2010, 1, 1), planned_date=PLANNED)
    assert "Client is 14 on the planned date" in finding(evaluation, "MINOR").explanation


# --- Fitzpatrick ------------------------------------------------------------------------


@pytest.mark.parametrize(("fitzpatrick", "roman"), [(4, "IV"), (5, "V"), (6, "VI")])
def test_pih_risk_is_a_note_for_fitzpatrick_four_to_six(fitzpatrick, roman):
    evaluation = screen(fitzpatrick_type=fitzpatrick)
    assert fired(evaluation) == ["PIH_RISK"]
    note = finding(evaluation, "PIH_RISK")
    assert note.severity == "note"
    assert f"type {roman}:" in note.explanation
    assert evaluation.outcome == "clear"
    assert evaluation.eligible_from is None


@pytest.mark.parametrize("fitzpatrick", [1, 2, 3])
def test_pih_risk_does_not_fire_for_fitzpatrick_one_to_three(fitzpatrick):
    evaluation = screen(fitzpatrick_type=fitzpatrick)
    assert evaluation.findings == ()
    assert evaluation.outcome == "clear"


def test_unknown_fitzpatrick_type_is_not_missing_and_does_not_fire():
    evaluation = screen(fitzpatrick_type=None)
    assert evaluation.outcome == "clear"
    assert evaluation.missing == ()
    assert evaluation.findings == ()


def test_pih_note_does_not_lower_or_raise_a_caution():
    evaluation = screen(fitzpatrick_type=6, anticoagulant_use=True)
    assert evaluation.outcome == "caution"
    assert fired(evaluation) == ["ANTICOAGULANT", "PIH_RISK"]


# --- skin conditions ----------------------------------------------------------------------


def test_skin_condition_history_when_not_active_is_caution():
    evaluation = screen(skin_condition_history=True, skin_condition_active_in_area=False)
    assert fired(evaluation) == ["SKIN_CONDITION_HISTORY"]
    assert evaluation.outcome == "caution"


def test_skin_condition_active_with_history_defers_without_the_history_caution():
    evaluation = screen(skin_condition_history=True, skin_condition_active_in_area=True)
    assert fired(evaluation) == ["SKIN_CONDITION_ACTIVE"]
    assert evaluation.outcome == "defer"
    assert evaluation.eligible_from is None


def test_skin_condition_active_without_history_defers():
    evaluation = screen(skin_condition_history=False, skin_condition_active_in_area=True)
    assert fired(evaluation) == ["SKIN_CONDITION_ACTIVE"]
    assert evaluation.outcome == "defer"


def test_skin_condition_history_with_unanswered_active_question_does_not_fire():
    answers = baseline_answers(skin_condition_history=True)
    del answers["skin_condition_active_in_area"]
    evaluation = screen(answers)
    assert evaluation.outcome == "incomplete"
    assert evaluation.missing == ("skin_condition_active_in_area",)
    assert evaluation.findings == ()


# --- diabetes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "outcome", "rules"),
    [
        ("none", "clear", []),
        ("controlled", "caution", ["DIABETES_CONTROLLED"]),
        ("uncontrolled", "defer", ["DIABETES_UNCONTROLLED"]),
    ],
)
def test_diabetes_choices(answer, outcome, rules):
    evaluation = screen(diabetes=answer)
    assert evaluation.outcome == outcome
    assert fired(evaluation) == rules
    assert evaluation.eligible_from is None


# --- combinations -----------------------------------------------------------------------


def test_contraindicated_wins_over_defer_and_caution():
    evaluation = screen(
        anticoagulant_use=True,
        isotretinoin_last_dose=RECENT,
        metal_allergy=True,
    )
    assert evaluation.outcome == "contraindicated"
    assert evaluation.eligible_from is None
    assert fired(evaluation) == ["METAL_ALLERGY", "ISO_RECENT", "ANTICOAGULANT"]


def test_defer_wins_over_caution():
    evaluation = screen(
        anticoagulant_use=True,
        herpes_simplex_history=True,
        sunburn_or_tan_last=date(2024, 5, 30),
    )
    assert evaluation.outcome == "defer"
    assert evaluation.eligible_from == date(2024, 6, 13)
    assert fired(evaluation) == ["SUN_EXPOSURE", "ANTICOAGULANT", "HERPES_HISTORY"]


def test_caution_wins_over_note():
    evaluation = screen(fitzpatrick_type=4, frequent_rashes=True)
    assert evaluation.outcome == "caution"


def test_eligible_from_is_the_latest_of_dated_deferrals():
    evaluation = screen(
        retinoid_acid_last_use=date(2024, 6, 1),  # eligible 8 June
        dermal_filler_last=date(2024, 5, 20),  # eligible 17 June
        sunburn_or_tan_last=date(2024, 5, 25),  # eligible 8 June
        isotretinoin_last_dose=date(2024, 1, 10),  # eligible 10 July
    )
    assert evaluation.outcome == "defer"
    assert evaluation.eligible_from == date(2024, 7, 10)
    assert {f.rule: f.eligible_from for f in evaluation.findings} == {
        "ISO_RECENT": date(2024, 7, 10),
        "RETINOIDS_ACIDS": date(2024, 6, 8),
        "SUN_EXPOSURE": date(2024, 6, 8),
        "DERMAL_FILLER": date(2024, 6, 17),
    }


def test_any_undated_deferral_makes_eligible_from_null():
    evaluation = screen(
        retinoid_acid_last_use=date(2024, 6, 1),
        pregnant_or_breastfeeding=True,
    )
    assert evaluation.outcome == "defer"
    assert evaluation.eligible_from is None
    assert finding(evaluation, "RETINOIDS_ACIDS").eligible_from == date(2024, 6, 8)
    assert finding(evaluation, "PREGNANCY").eligible_from is None


def test_still_taking_isotretinoin_with_a_recent_dose_has_no_eligible_date():
    evaluation = screen(isotretinoin_current=True, isotretinoin_last_dose=RECENT)
    assert fired(evaluation) == ["ISO_CURRENT", "ISO_RECENT"]
    assert evaluation.eligible_from is None


def test_contraindicated_has_no_eligible_from_even_with_dated_deferrals():
    evaluation = screen(keloid_tendency=True, laser_or_peel_last=RECENT)
    assert evaluation.outcome == "contraindicated"
    assert evaluation.eligible_from is None
    assert finding(evaluation, "LASER_OR_PEEL").eligible_from == RECENT + timedelta(days=14)


def test_caution_and_dated_defer_is_defer_with_its_date():
    evaluation = screen(diabetes="controlled", botulinum_toxin_last=date(2024, 5, 31))
    assert evaluation.outcome == "defer"
    assert evaluation.eligible_from == date(2024, 6, 14)


def test_findings_are_ordered_by_severity_then_rule_order():
    evaluation = screen(
        fitzpatrick_type=5,
        date_of_birth=date(2010, 1, 1),
        frequent_rashes=True,
        anticoagulant_use=True,
        laser_or_peel_last=RECENT,
        isotretinoin_current=True,
        collagen_vascular_disease=True,
        bleeding_disorder=True,
    )
    assert fired(evaluation) == [
        "BLEEDING_DISORDER",
        "COLLAGEN_VASCULAR",
        "MINOR",
        "ISO_CURRENT",
        "LASER_OR_PEEL",
        "ANTICOAGULANT",
        "FREQUENT_RASHES",
        "PIH_RISK",
    ]
    assert [f.severity for f in evaluation.findings] == [
        "contraindicated",
        "contraindicated",
        "contraindicated",
        "defer",
        "defer",
        "caution",
        "caution",
        "note",
    ]


def test_everything_at_once_fills_every_explanation():
    answers = {q.code: True for q in RULE_SET.questions if q.type == "boolean"}
    answers |= {q.code: RECENT for q in RULE_SET.questions if q.type == "date"}
    answers["diabetes"] = "uncontrolled"
    answers["skin_condition_active_in_area"] = False
    evaluation = screen(answers, date_of_birth=date(2010, 1, 1), fitzpatrick_type=6)
    codes = set(fired(evaluation))
    assert codes == set(DOMAIN_RULES) - {
        "CANCER_TREATMENT_PAST",
        "DIABETES_CONTROLLED",
        "SKIN_CONDITION_ACTIVE",
    }
    for found in evaluation.findings:
        assert not re.search(r"[{}]", found.explanation), found.rule


# --- missing answers --------------------------------------------------------------------


def test_no_answers_is_incomplete_with_every_code_in_questionnaire_order():
    evaluation = screen({})
    assert evaluation.outcome == "incomplete"
    assert evaluation.missing == tuple(q.code for q in RULE_SET.questions)
    assert evaluation.eligible_from is None
    assert evaluation.findings == ()


def test_missing_codes_are_listed_in_questionnaire_order():
    answers = baseline_answers()
    for code in ("laser_or_peel_last", "diabetes", "isotretinoin_current"):
        del answers[code]
    evaluation = screen(answers)
    order = [q.code for q in RULE_SET.questions]
    assert evaluation.outcome == "incomplete"
    assert evaluation.missing == tuple(
        sorted(["laser_or_peel_last", "diabetes", "isotretinoin_current"], key=order.index)
    )


def test_a_missing_answer_is_not_a_no_even_if_everything_else_is_clear():
    answers = baseline_answers()
    del answers["bleeding_disorder"]
    evaluation = screen(answers)
    assert evaluation.outcome == "incomplete"
    assert evaluation.missing == ("bleeding_disorder",)


def test_findings_are_still_reported_when_incomplete():
    answers = baseline_answers(metal_allergy=True, sunburn_or_tan_last=RECENT)
    del answers["frequent_rashes"]
    evaluation = screen(answers, fitzpatrick_type=4)
    assert evaluation.outcome == "incomplete"
    assert evaluation.eligible_from is None
    assert fired(evaluation) == ["METAL_ALLERGY", "SUN_EXPOSURE", "PIH_RISK"]
    assert finding(evaluation, "SUN_EXPOSURE").eligible_from == RECENT + timedelta(days=14)


def test_incomplete_dated_deferral_has_no_overall_eligible_from():
    answers = baseline_answers(dermal_filler_last=RECENT)
    del answers["diabetes"]
    evaluation = screen(answers)
    assert evaluation.outcome == "incomplete"
    assert evaluation.eligible_from is None


def test_a_rule_on_a_missing_answer_does_not_fire():
    answers = baseline_answers()
    del answers["cancer_treatment_ended"]
    evaluation = screen(answers)
    assert "CANCER_TREATMENT_RECENT" not in fired(evaluation)
    assert "CANCER_TREATMENT_PAST" not in fired(evaluation)
    assert evaluation.missing == ("cancer_treatment_ended",)


def test_date_answered_never_counts_as_answered():
    evaluation = screen(baseline_answers(isotretinoin_last_dose=None))
    assert "isotretinoin_last_dose" not in evaluation.missing
    assert evaluation.outcome == "clear"


def test_missing_date_of_birth_is_incomplete():
    evaluation = screen(date_of_birth=None)
    assert evaluation.outcome == "incomplete"
    assert evaluation.missing == ("date_of_birth",)
    assert "MINOR" not in fired(evaluation)


def test_missing_date_of_birth_comes_after_missing_questions():
    answers = baseline_answers()
    del answers["frequent_rashes"]
    evaluation = screen(answers, date_of_birth=None)
    assert evaluation.missing == ("frequent_rashes", "date_of_birth")


def test_date_of_birth_is_not_needed_without_an_age_rule():
    data = copy.deepcopy(DEFAULT_RULE_SET)
    data["rules"] = [rule for rule in data["rules"] if rule["code"] != "MINOR"]
    rule_set = RuleSet.from_data(data, version=2)
    evaluation = screen(rule_set=rule_set, date_of_birth=None)
    assert evaluation.outcome == "clear"
    assert evaluation.missing == ()


def test_answers_to_unknown_questions_are_ignored_by_evaluate():
    evaluation = screen(baseline_answers(retired_question=True))
    assert evaluation.outcome == "clear"


def test_evaluate_accepts_iso_strings_for_stored_answers():
    evaluation = screen(baseline_answers(dermal_filler_last="2024-05-20"))
    assert evaluation.eligible_from == date(2024, 6, 17)


def test_boolean_rule_only_matches_a_real_boolean():
    evaluation = screen(baseline_answers(metal_allergy=1))
    assert "METAL_ALLERGY" not in fired(evaluation)


# --- parse_answers ----------------------------------------------------------------------

TODAY = date(2024, 6, 3)


def raw_baseline(**overrides: object) -> dict[str, object]:
    raw = dict(baseline_answers())
    raw.update(overrides)
    return raw


def parse_errors(raw: dict[str, object], today: date = TODAY) -> dict[str, list[str]]:
    with pytest.raises(AnswersInvalid) as caught:
        parse_answers(RULE_SET, raw, today=today)
    return caught.value.fields


def test_parse_answers_accepts_a_complete_questionnaire():
    raw = raw_baseline(
        isotretinoin_last_dose="2023-08-31",
        diabetes="controlled",
        bleeding_disorder=True,
    )
    parsed = parse_answers(RULE_SET, raw, today=TODAY)
    assert parsed["isotretinoin_last_dose"] == date(2023, 8, 31)
    assert parsed["diabetes"] == "controlled"
    assert parsed["bleeding_disorder"] is True
    assert parsed["cancer_treatment_ended"] is None
    assert list(parsed) == [q.code for q in RULE_SET.questions]


def test_parse_answers_accepts_date_objects():
    parsed = parse_answers(RULE_SET, {"dermal_filler_last": date(2024, 5, 1)}, today=TODAY)
    assert parsed == {"dermal_filler_last": date(2024, 5, 1)}


def test_parse_answers_feeds_evaluate():
    raw = raw_baseline(retinoid_acid_last_use="2024-06-01")
    evaluation = screen(parse_answers(RULE_SET, raw, today=TODAY))
    assert evaluation.outcome == "defer"
    assert evaluation.eligible_from == date(2024, 6, 8)


def test_unknown_question_code_is_invalid():
    assert parse_errors({"shoe_size": True}) == {"shoe_size": ["Unknown question code."]}


@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "", [], {}])
def test_boolean_answer_must_be_a_real_boolean(value):
    errors = parse_errors({"bleeding_disorder": value})
    assert list(errors) == ["bleeding_disorder"]
    assert len(errors["bleeding_disorder"]) == 1


@pytest.mark.parametrize(
    "value",
    ["2024-13-01", "2024-02-30", "01/02/2024", "20240101", "2024-1-5", "yesterday", "", 20240101,
     True, "2024-06-01T10:00:00"],
)  # fmt: skip
def test_date_answer_must_be_an_iso_date(value):
    errors = parse_errors({"isotretinoin_last_dose": value})
    assert errors == {
        "isotretinoin_last_dose": [
            "Enter a date as YYYY-MM-DD, or null for never / not applicable."
        ]
    }


def test_date_answer_may_not_be_a_datetime():
    moment = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
    assert "isotretinoin_last_dose" in parse_errors({"isotretinoin_last_dose": moment})


@pytest.mark.parametrize("value", ["maybe", "Controlled", "", True, False, 2, ["none"]])
def test_choice_answer_must_be_one_of_the_choices(value):
    errors = parse_errors({"diabetes": value})
    assert errors == {"diabetes": ["Choose one of: none, controlled, uncontrolled."]}


def test_last_dose_today_is_valid():
    parsed = parse_answers(RULE_SET, {"isotretinoin_last_dose": "2024-06-03"}, today=TODAY)
    assert parsed == {"isotretinoin_last_dose": date(2024, 6, 3)}


def test_last_dose_tomorrow_is_invalid_not_a_deferral():
    errors = parse_errors({"isotretinoin_last_dose": "2024-06-04"})
    assert errors == {"isotretinoin_last_dose": ["This date cannot be in the future."]}


@pytest.mark.parametrize("question", [q for q, kind in DOMAIN_QUESTIONS.items() if kind == "date"])
def test_every_last_date_question_refuses_the_future(question):
    errors = parse_errors({question: date(2024, 6, 4)})
    assert errors == {question: ["This date cannot be in the future."]}


def test_none_for_a_date_means_never():
    parsed = parse_answers(RULE_SET, {"isotretinoin_last_dose": None}, today=TODAY)
    assert parsed == {"isotretinoin_last_dose": None}


def test_none_for_boolean_and_choice_means_unanswered():
    raw = raw_baseline(bleeding_disorder=None, diabetes=None)
    parsed = parse_answers(RULE_SET, raw, today=TODAY)
    assert "bleeding_disorder" not in parsed
    assert "diabetes" not in parsed
    evaluation = screen(parsed)
    assert evaluation.outcome == "incomplete"
    assert evaluation.missing == ("bleeding_disorder", "diabetes")


def test_parse_answers_collects_every_error_at_once():
    errors = parse_errors(
        {
            "bleeding_disorder": "yes",
            "metal_allergy": 1,
            "diabetes": "sometimes",
            "isotretinoin_last_dose": "31/08/2023",
            "botulinum_toxin_last": "2024-07-01",
            "favourite_colour": "blue",
            "frequent_rashes": False,
        }
    )
    assert set(errors) == {
        "bleeding_disorder",
        "metal_allergy",
        "diabetes",
        "isotretinoin_last_dose",
        "botulinum_toxin_last",
        "favourite_colour",
    }
    assert errors["botulinum_toxin_last"] == ["This date cannot be in the future."]
    assert errors["favourite_colour"] == ["Unknown question code."]


def test_answers_must_be_an_object():
    with pytest.raises(AnswersInvalid) as caught:
        parse_answers(RULE_SET, ["bleeding_disorder"], today=TODAY)  # type: ignore[arg-type]
    assert list(caught.value.fields) == ["answers"]


def test_answers_invalid_is_an_exception_with_fields():
    error = AnswersInvalid({"diabetes": ["Choose one of: none."]})
    assert isinstance(error, Exception)
    assert error.fields == {"diabetes": ["Choose one of: none."]}


# --- validate_rule_set_data -------------------------------------------------------------


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


def test_an_empty_rule_set_is_valid_and_always_clear():
    assert validate_rule_set_data({"questions": [], "rules": []}) == {}
    rule_set = RuleSet.from_data({"questions": [], "rules": []}, version=9)
    evaluation = screen({}, rule_set=rule_set, date_of_birth=None)
    assert evaluation.outcome == "clear"
    assert evaluation.rule_set_version == 9


def test_from_data_refuses_an_invalid_rule_set():
    data = copy.deepcopy(DEFAULT_RULE_SET)
    rule_data(data, "ISO_RECENT")["condition"]["months"] = 0
    with pytest.raises(RuleSetInvalid) as caught:
        RuleSet.from_data(data, version=2)
    assert "rules.ISO_RECENT.condition" in caught.value.errors
    assert isinstance(caught.value, ValueError)


# --- a clinic's own rule set -------------------------------------------------------------


def test_isotretinoin_three_months_instead_of_six_changes_the_result():
    data = copy.deepcopy(DEFAULT_RULE_SET)
    rule_data(data, "ISO_RECENT")["condition"]["months"] = 3
    rule_data(data, "ISO_RECENT")["explanation"] = (
        "Last isotretinoin dose on {answer_date}; this clinic waits 3 months; eligible from "
        "{eligible_from}."
    )
    assert validate_rule_set_data(data) == {}
    three_months = RuleSet.from_data(data, version=2)
    last_dose = date(2024, 1, 31)  # four months before the planned date

    default = screen(planned_date=date(2024, 5, 31), isotretinoin_last_dose=last_dose)
    clinic = screen(
        planned_date=date(2024, 5, 31), isotretinoin_last_dose=last_dose, rule_set=three_months
    )
    assert default.outcome == "defer"
    assert default.eligible_from == date(2024, 7, 31)
    assert clinic.outcome == "clear"
    assert clinic.rule_set_version == 2

    earlier = screen(
        planned_date=date(2024, 4, 29), isotretinoin_last_dose=last_dose, rule_set=three_months
    )
    assert earlier.eligible_from == date(2024, 4, 30)  # 31 Jan + 3 months, clamped
    assert finding(earlier, "ISO_RECENT").explanation == (
        "Last isotretinoin dose on 2024-01-31; this clinic waits 3 months; eligible from "
        "2024-04-30."
    )
    assert DEFAULT_RULE_SET["rules"][1]["condition"]["months"] == 6  # the defaults are intact


def test_all_condition_with_two_dated_parts_is_dated_by_the_first_to_expire():
    # A clinic rule: filler AND toxin both recent. It stops firing once either has expired.
    data = copy.deepcopy(DEFAULT_RULE_SET)
    data["rules"].append(
        {
            "code": "FILLER_AND_TOXIN",
            "title": "Filler and toxin both recent",
            "severity": "defer",
            "condition": {
                "type": "all",
                "conditions": [
                    {"type": "date_within", "question": "dermal_filler_last", "days": 28},
                    {"type": "date_within", "question": "botulinum_toxin_last", "days": 14},
                ],
            },
            "explanation": "Injected on {answer_date}; eligible from {eligible_from}.",
            "sources": ["POLICY"],
        }
    )
    rule_set = RuleSet.from_data(data, version=4)
    evaluation = screen(
        rule_set=rule_set,
        dermal_filler_last=date(2024, 6, 1),  # eligible 29 June
        botulinum_toxin_last=date(2024, 5, 25),  # eligible 8 June
    )
    combined = finding(evaluation, "FILLER_AND_TOXIN")
    assert combined.eligible_from == date(2024, 6, 8)
    assert combined.explanation == "Injected on 2024-05-25; eligible from 2024-06-08."
    assert evaluation.eligible_from == date(2024, 6, 29)


def test_a_clinic_can_make_a_rule_stricter():
    data = copy.deepcopy(DEFAULT_RULE_SET)
    rule_data(data, "ANTICOAGULANT")["severity"] = "contraindicated"
    stricter = RuleSet.from_data(data, version=3)
    assert screen(anticoagulant_use=True, rule_set=stricter).outcome == "contraindicated"


# --- output -----------------------------------------------------------------------------


def test_evaluation_to_dict_shape():
    evaluation = screen(
        anticoagulant_use=True,
        retinoid_acid_last_use=date(2024, 6, 1),
        fitzpatrick_type=4,
    )
    data = evaluation.to_dict()
    assert list(data) == ["outcome", "eligible_from", "rule_set_version", "missing", "findings"]
    assert data["outcome"] == "defer"
    assert data["eligible_from"] == "2024-06-08"
    assert data["rule_set_version"] == 1
    assert data["missing"] == []
    assert [f["rule"] for f in data["findings"]] == ["RETINOIDS_ACIDS", "ANTICOAGULANT", "PIH_RISK"]
    first = data["findings"][0]
    assert list(first) == ["rule", "title", "severity", "eligible_from", "explanation", "sources"]
    assert first["eligible_from"] == "2024-06-08"
    assert first["sources"] == ["C6", "C8"]
    assert data["findings"][1]["eligible_from"] is None
    assert json.loads(json.dumps(data)) == data


def test_incomplete_evaluation_to_dict_is_json():
    answers = baseline_answers()
    del answers["diabetes"]
    data = screen(answers, date_of_birth=None).to_dict()
    assert data["outcome"] == "incomplete"
    assert data["missing"] == ["diabetes", "date_of_birth"]
    assert data["eligible_from"] is None
    json.dumps(data)


def test_question_to_dict_is_the_stored_question():
    assert [q.to_dict() for q in RULE_SET.questions] == DEFAULT_RULE_SET["questions"]


# --- severity helpers -------------------------------------------------------------------


def test_severity_order_is_most_severe_first():
    assert SEVERITY_ORDER == ("contraindicated", "defer", "caution", "note")
    ranks = [severity_rank(s) for s in SEVERITY_ORDER]
    assert ranks == sorted(ranks, reverse=True)


def test_most_severe():
    assert most_severe(["caution", "contraindicated", "defer"]) == "contraindicated"
    assert most_severe(["note", "caution"]) == "caution"
    assert most_severe([]) is None
