"""Calendar arithmetic (DOMAIN.md §1, "Date arithmetic")."""

from __future__ import annotations

from datetime import date

import pytest

from treatments.screening.rules.dates import add_months, age_on


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
