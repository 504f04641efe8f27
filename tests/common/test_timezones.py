"""Countries and their time zones, from the tz database (clinic_create, clinic settings)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from common.timezones import country_names, country_zones, validate_country, zone_fits_country


def test_countries_are_the_iso_codes_with_their_names():
    names = country_names()
    assert names["IE"] == "Ireland" and names["GB"] == "Britain (UK)"
    assert all(len(code) == 2 and code.isupper() for code in names)


@pytest.mark.parametrize(
    ("zone", "country", "fits"),
    [
        ("Europe/Dublin", "IE", True),
        ("Europe/London", "GB", True),
        ("Europe/London", "IE", False),
        ("America/New_York", "US", True),
        ("Atlantic/Canary", "ES", True),
        ("Europe/Madrid", "PT", False),
        ("Europe/Belfast", "GB", True),  # an alias the tables list for no country
        ("UTC", "IE", True),
        ("Europe/London", "", True),  # no country given: nothing to compare
    ],
)
def test_a_zone_fits_a_country_unless_the_tz_database_places_it_elsewhere(zone, country, fits):
    assert zone_fits_country(zone, country) is fits


def test_country_zones_and_validation():
    assert country_zones("ie") == frozenset({"Europe/Dublin"})
    assert country_zones("ZZ") == frozenset()
    validate_country("IE")
    validate_country("")
    with pytest.raises(ValidationError):
        validate_country("XX")
