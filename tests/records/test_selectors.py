"""Reads of session records, always scoped to a clinic."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.records.conftest import NOW
from treatments.records import selectors as session_selectors

pytestmark = pytest.mark.django_db


def test_session_list_does_not_query_per_session(ready, django_assert_max_num_queries):
    for hours in (2, 4, 6):
        appointment = ready.book(NOW + timedelta(hours=hours))
        ready.start(appointment=appointment)
    with django_assert_max_num_queries(6):
        sessions = list(session_selectors.session_list(clinic=ready.clinic))
        for s in sessions:
            assert s.client.full_name and s.practitioner.display_name
            assert s.plan.planned_sessions and s.plan_position
            assert s.previous_id is None
            assert len(s.areas.all()) == 3
            assert [*s.products.all(), *s.photos.all(), *s.amendments.all()] == []
    assert len(sessions) == 3
    assert [s.plan_position for s in sessions] == [3, 2, 1]


def test_session_get_of_another_clinic_is_not_found(ready, started, other_clinic):
    from common.errors import NotFound

    with pytest.raises(NotFound):
        session_selectors.session_get(clinic=other_clinic, pk=started.pk)
