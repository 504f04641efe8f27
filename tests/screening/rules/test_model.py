"""The rule set as data: built from its JSON, and back."""

from __future__ import annotations

import copy
import json

import pytest

from tests.screening.rules.cases import RULE_SET, rule_data
from treatments.screening.defaults import DEFAULT_RULE_SET
from treatments.screening.rules.model import RuleSet, RuleSetInvalid


def test_rule_set_round_trips_through_its_data():
    assert RULE_SET.to_data() == DEFAULT_RULE_SET
    again = RuleSet.from_data(json.loads(json.dumps(RULE_SET.to_data())), version=1)
    assert again == RULE_SET


def test_from_data_does_not_keep_references_to_the_data():
    data = copy.deepcopy(DEFAULT_RULE_SET)
    rule_set = RuleSet.from_data(data, version=1)
    rule_data(data, "ISO_RECENT")["condition"]["months"] = 1
    assert rule_set == RULE_SET


def test_from_data_refuses_an_invalid_rule_set():
    data = copy.deepcopy(DEFAULT_RULE_SET)
    rule_data(data, "ISO_RECENT")["condition"]["months"] = 0
    with pytest.raises(RuleSetInvalid) as caught:
        RuleSet.from_data(data, version=2)
    assert "rules.ISO_RECENT.condition" in caught.value.errors
    assert isinstance(caught.value, ValueError)


def test_question_to_dict_is_the_stored_question():
    assert [q.to_dict() for q in RULE_SET.questions] == DEFAULT_RULE_SET["questions"]
