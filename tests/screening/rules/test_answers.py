"""Answers as they arrive: checked against the questions, every problem at once."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.screening.rules.cases import DOMAIN_QUESTIONS, RULE_SET, baseline_answers, screen
from treatments.screening.rules.answers import AnswersInvalid, parse_answers

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
