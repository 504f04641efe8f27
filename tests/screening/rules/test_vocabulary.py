"""Severities: their order and the most severe of several."""

from __future__ import annotations

from treatments.screening.rules.vocabulary import SEVERITY_ORDER, most_severe, severity_rank


def test_severity_order_is_most_severe_first():
    assert SEVERITY_ORDER == ("contraindicated", "defer", "caution", "note")
    ranks = [severity_rank(s) for s in SEVERITY_ORDER]
    assert ranks == sorted(ranks, reverse=True)


def test_most_severe():
    assert most_severe(["caution", "contraindicated", "defer"]) == "contraindicated"
    assert most_severe(["note", "caution"]) == "caution"
    assert most_severe([]) is None
