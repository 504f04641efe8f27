"""The default rule set as the engine sees it, DOMAIN.md's tables, and a way to screen.

Shared by the engine's tests (``tests/screening/rules/``) and the default rule set's
(``tests/screening/test_defaults.py``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from treatments.screening.defaults import DEFAULT_RULE_SET
from treatments.screening.rules import Evaluation, RuleSet, evaluate

RULE_SET = RuleSet.from_data(DEFAULT_RULE_SET, version=1)
ADULT_DOB = date(1985, 9, 14)
PLANNED = date(2024, 6, 3)
#: Answer dates long before and just before the planned date.
OLD = PLANNED - timedelta(days=400)
RECENT = PLANNED - timedelta(days=3)

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
