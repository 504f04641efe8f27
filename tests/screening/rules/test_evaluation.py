"""Evaluation: the most severe finding wins, dates, missing answers, a clinic's own rules."""

from __future__ import annotations

import copy
import json
import re
from datetime import date, timedelta

from tests.screening.rules.cases import (
    DOMAIN_RULES,
    RECENT,
    RULE_SET,
    baseline_answers,
    finding,
    fired,
    rule_data,
    screen,
)
from treatments.screening.defaults import DEFAULT_RULE_SET
from treatments.screening.rules.model import RuleSet
from treatments.screening.rules.validation import validate_rule_set_data

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


def test_an_empty_rule_set_is_valid_and_always_clear():
    assert validate_rule_set_data({"questions": [], "rules": []}) == {}
    rule_set = RuleSet.from_data({"questions": [], "rules": []}, version=9)
    evaluation = screen({}, rule_set=rule_set, date_of_birth=None)
    assert evaluation.outcome == "clear"
    assert evaluation.rule_set_version == 9


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
