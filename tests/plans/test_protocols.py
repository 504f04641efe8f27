"""The pure protocol module: depth limits, justifications, proposals, validation (DOMAIN.md §2)."""

from __future__ import annotations

import copy
from datetime import date
from decimal import Decimal

import pytest

from treatments.plans.defaults import DEFAULT_PROTOCOLS
from treatments.plans.protocols import (
    ProtocolDataError,
    Protocols,
    interval_clash,
    interval_window,
    next_due,
    validate_protocol_data,
)


@pytest.fixture
def engine() -> Protocols:
    return Protocols.from_data(DEFAULT_PROTOCOLS, version=1)


# DOMAIN.md §2, manufacturer chart DP: area → (thin, thick) maximum in mm.
AREA_MAXIMA = {
    "forehead": ("0.5", "0.75"),
    "periorbital": ("0.25", "0.5"),
    "nose": ("0.25", "0.5"),
    "upper_lip": ("0.25", "0.75"),
    "cheekbones": ("0.5", "1.0"),
    "cheeks_chin": ("1.0", "2.0"),
    "body": ("2.0", "2.5"),
    "scalp": ("1.5", "1.5"),
}


def test_the_defaults_have_exactly_the_domain_areas(engine):
    assert set(engine.areas) == set(AREA_MAXIMA)


@pytest.mark.parametrize(("area", "thin", "thick"), [(a, *m) for a, m in AREA_MAXIMA.items()])
def test_every_default_area_has_its_thin_and_thick_maximum(engine, area, thin, thick):
    assert engine.areas[area].max_mm("thin") == Decimal(thin)
    assert engine.areas[area].max_mm("thick") == Decimal(thick)


@pytest.mark.parametrize(
    ("indication", "low", "high", "sessions", "interval"),
    [
        ("fine_lines_wrinkles", "0.5", "1.0", 4, 28),
        ("acne_scars", "1.5", "2.0", 3, 28),
        ("stretch_marks", "1.5", "2.0", 5, 28),
        ("hyperpigmentation_melasma", "0.25", "0.5", 4, 14),
        ("enlarged_pores_texture", "0.5", "1.0", 3, 28),
        ("hair_loss", "0.5", "1.5", 12, 7),
    ],
)
def test_default_indications_match_the_domain_table(
    engine, indication, low, high, sessions, interval
):
    ind = engine.indications[indication]
    assert (ind.depth_min_mm, ind.depth_max_mm) == (Decimal(low), Decimal(high))
    assert ind.sessions == sessions
    assert ind.interval_days == interval


def test_limit_is_the_smaller_of_indication_and_area_maximum(engine):
    # Acne scars go to 2.0 mm, but the forehead only to 0.5 / 0.75.
    assert engine.max_depth(indication="acne_scars", area="forehead", skin="thin") == Decimal("0.5")
    assert engine.max_depth(indication="acne_scars", area="forehead", skin="thick") == Decimal(
        "0.75"
    )
    # Melasma stops at 0.5 mm even where the area allows 2.0.
    assert engine.max_depth(
        indication="hyperpigmentation_melasma", area="cheeks_chin", skin="thick"
    ) == Decimal("0.5")
    # Equal maxima: scalp 1.5 and hair loss 1.5.
    assert engine.max_depth(indication="hair_loss", area="scalp", skin="thin") == Decimal("1.5")


def test_area_limit_gives_both_maxima_and_both_limits(engine):
    limit = engine.area_limit(indication="fine_lines_wrinkles", area="cheeks_chin")
    assert limit.label == "Cheeks and chin"
    assert (limit.thin_max_mm, limit.thick_max_mm) == (Decimal("1.0"), Decimal("2.0"))
    assert (limit.limit_thin_mm, limit.limit_thick_mm) == (Decimal("1.0"), Decimal("1.0"))
    assert engine.area_limit(indication="acne_scars", area="periorbital").note.startswith(
        "Never inside the orbital rim"
    )


def test_depth_within_the_limit_needs_no_justification(engine):
    check = engine.depth_check(
        indication="acne_scars", area="cheeks_chin", skin="thick", depth_mm=Decimal("2.0")
    )
    assert check.limit_mm == Decimal("2.0")
    assert not check.needs_justification
    assert check.reasons == []


def test_deeper_than_the_area_names_the_area(engine):
    check = engine.depth_check(
        indication="acne_scars", area="forehead", skin="thin", depth_mm=Decimal("1.0")
    )
    assert check.needs_justification
    assert check.reasons == ["1.0 mm is deeper than the 0.5 mm maximum for forehead (thin skin)."]


def test_deeper_than_the_indication_names_the_indication(engine):
    check = engine.depth_check(
        indication="hyperpigmentation_melasma",
        area="cheeks_chin",
        skin="thick",
        depth_mm=Decimal("1.0"),
    )
    assert check.reasons == [
        "1.0 mm is deeper than the 0.5 mm maximum for hyperpigmentation / melasma."
    ]


def test_deeper_than_both_gives_both_reasons(engine):
    check = engine.depth_check(
        indication="fine_lines_wrinkles", area="nose", skin="thin", depth_mm=Decimal("1.5")
    )
    assert len(check.reasons) == 2
    assert "nose (thin skin)" in check.reasons[0]
    assert "fine lines and wrinkles" in check.reasons[1]


def test_fitzpatrick_four_gets_the_pih_note_and_conservative_depth(engine):
    proposal = engine.propose(indication="acne_scars", fitzpatrick_type=4)
    assert proposal.pih_risk is True
    assert (proposal.depth_min_mm, proposal.depth_max_mm) == (Decimal("1.5"), Decimal("1.5"))
    assert any("post-inflammatory hyperpigmentation" in note for note in proposal.notes)
    assert {"SoC", "CHU"} <= set(proposal.sources)


def test_fitzpatrick_three_gets_the_full_range_and_no_note(engine):
    proposal = engine.propose(indication="acne_scars", fitzpatrick_type=3)
    assert proposal.pih_risk is False
    assert (proposal.depth_min_mm, proposal.depth_max_mm) == (Decimal("1.5"), Decimal("2.0"))
    assert proposal.notes == []
    assert proposal.planned_sessions == 3
    assert proposal.sessions_range == (3, 6)
    assert proposal.interval_days == 28
    assert proposal.areas == ["cheeks_chin"]


def test_unknown_fitzpatrick_type_is_not_treated_as_pih(engine):
    assert engine.propose(indication="hair_loss", fitzpatrick_type=None).pih_risk is False


def test_next_due_is_last_session_plus_interval():
    assert next_due(last_session_on=date(2026, 3, 9), interval_days=14) == date(2026, 3, 23)
    assert next_due(last_session_on=None, interval_days=14) is None


def test_plan_errors_refuse_an_interval_below_the_protocol_minimum(engine):
    errors = engine.plan_errors(
        indication="fine_lines_wrinkles", areas=["forehead"], planned_sessions=4, interval_days=21
    )
    assert errors == {
        "interval_days": [
            "At least 28 days between sessions for fine lines and wrinkles (protocol version 1)."
        ]
    }


def test_plan_errors_name_unknown_areas_and_bad_counts(engine):
    errors = engine.plan_errors(
        indication="acne_scars", areas=["forehead", "elbow"], planned_sessions=25, interval_days=0
    )
    assert errors["areas"] == ["Not an area of protocol version 1: elbow."]
    assert "planned_sessions" in errors
    assert "interval_days" in errors
    assert "indication" in engine.plan_errors(
        indication="tattoo_removal", areas=[], planned_sessions=1, interval_days=30
    )
    assert engine.plan_errors(
        indication="acne_scars", areas=[], planned_sessions=3, interval_days=28
    ) == {"areas": ["Choose at least one area to treat."]}


def test_the_defaults_are_valid():
    assert validate_protocol_data(DEFAULT_PROTOCOLS) == {}


def _broken(**changes):
    data = copy.deepcopy(DEFAULT_PROTOCOLS)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for key in parents:
            target = target[key]
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"areas__forehead__thin_max_mm": "0"}, "areas.forehead.thin_max_mm"),
        ({"areas__forehead__thick_max_mm": "3.5"}, "areas.forehead.thick_max_mm"),
        ({"areas__forehead__thick_max_mm": "0.125"}, "areas.forehead.thick_max_mm"),
        ({"areas__forehead__label": ""}, "areas.forehead.label"),
        ({"indications__acne_scars__depth_min_mm": "2.5"}, "indications.acne_scars.depth_min_mm"),
        ({"indications__acne_scars__interval_days": 0}, "indications.acne_scars.interval_days"),
        ({"indications__acne_scars__sessions": 30}, "indications.acne_scars.sessions"),
        ({"indications__acne_scars__sessions": 8}, "indications.acne_scars.sessions"),
        (
            {"indications__acne_scars__default_areas": ["elbow"]},
            "indications.acne_scars.default_areas",
        ),
        ({"pih__fitzpatrick_from": "four"}, "pih.fitzpatrick_from"),
        ({"areas": {}}, "areas"),
    ],
)
def test_validation_names_the_broken_field(changes, path):
    errors = validate_protocol_data(_broken(**changes))
    assert path in errors, errors


def test_not_an_object_is_an_error():
    assert validate_protocol_data([1, 2]) == {
        "data": ["Expected an object with 'indications' and 'areas'."]
    }


def test_from_data_refuses_a_broken_document():
    with pytest.raises(ProtocolDataError):
        Protocols.from_data(_broken(areas__nose__thin_max_mm="deep"))


def test_nul_characters_are_refused_before_they_reach_the_database():
    data = _broken(areas__nose__label="No\x00se")
    assert validate_protocol_data(data) == {"data": ["Text may not contain NUL characters."]}


def test_an_interval_is_counted_in_calendar_days_either_way():
    first = date(2026, 11, 30)
    assert next_due(last_session_on=first, interval_days=28) == date(2026, 12, 28)
    assert interval_clash(on=date(2026, 12, 27), other_on=first, interval_days=28)
    assert not interval_clash(on=date(2026, 12, 28), other_on=first, interval_days=28)
    # Before a treatment already booked, as after one.
    assert interval_clash(on=date(2026, 11, 3), other_on=first, interval_days=28)
    assert not interval_clash(on=date(2026, 11, 2), other_on=first, interval_days=28)
    assert interval_clash(on=first, other_on=first, interval_days=1)


def test_the_interval_window_reaches_every_date_that_could_clash():
    assert interval_window(first=date(2026, 12, 1), last=date(2026, 12, 7), interval_days=28) == (
        date(2026, 11, 4),
        date(2027, 1, 3),
    )
    for other in (date(2026, 11, 3), date(2026, 11, 4), date(2027, 1, 3), date(2027, 1, 4)):
        lo, hi = interval_window(first=date(2026, 12, 1), last=date(2026, 12, 7), interval_days=28)
        clashes = any(
            interval_clash(on=date(2026, 12, d), other_on=other, interval_days=28)
            for d in range(1, 8)
        )
        assert clashes == (lo <= other <= hi)
