"""The shipped default rule set against DOMAIN.md section 1: its data, and how it screens."""

from __future__ import annotations

import json
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest

from tests.screening.rules.cases import (
    DOMAIN_QUESTIONS,
    DOMAIN_RULES,
    OLD,
    PLANNED,
    RECENT,
    RULE_SET,
    baseline_answers,
    finding,
    fired,
    screen,
)
from treatments.screening.defaults import DEFAULT_RULE_SET, QUESTION_GROUPS, SOURCES
from treatments.screening.rules import validate_rule_set_data

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


# --- baseline and single rules ----------------------------------------------------------


def test_baseline_all_no_is_clear():
    evaluation = screen()
    assert evaluation.outcome == "clear"
    assert evaluation.eligible_from is None
    assert evaluation.missing == ()
    assert evaluation.findings == ()
    assert evaluation.rule_set_version == 1


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


# --- calendar months ----------------------------------------------------------------------


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


# --- age ----------------------------------------------------------------------------------


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
