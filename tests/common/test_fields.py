"""Times of day in the API: one format, HH:MM, in the schema and in every answer."""

from __future__ import annotations

import re

import pytest
from django.test import Client as DjangoClient

from clinic.booking.models import Practitioner
from common.fields import CLOCK_TIME_PATTERN
from tests.factories import MembershipFactory, practitioner_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def practitioner_profile(practitioner):
    return practitioner_for(practitioner.membership)


def _schema_property(component: str, name: str) -> dict:
    schema = DjangoClient().get("/api/schema/?format=json").json()
    return schema["components"]["schemas"][component]["properties"][name]


@pytest.mark.parametrize("component", ["WorkingHours", "WorkingHoursRequest"])
def test_the_schema_describes_working_hours_as_hh_mm_not_format_time(component):
    start = _schema_property(component, "start")

    assert "format" not in start
    assert start["type"] == "string"
    assert start["pattern"] == CLOCK_TIME_PATTERN
    assert start["example"] == "09:00"


def test_answers_write_working_hours_as_hh_mm_matching_the_schema(
    api, manager, practitioner_profile
):
    response = api(manager).get(f"/api/practitioners/{practitioner_profile.pk}/")

    hours = response.json()["working_hours"]
    assert hours[0]["start"] == "09:00"
    assert hours[0]["end"] == "17:00"
    pattern = re.compile(_schema_property("WorkingHours", "start")["pattern"])
    assert all(pattern.match(h["start"]) and pattern.match(h["end"]) for h in hours)


@pytest.mark.parametrize("given", ["08:30", "08:30:00"])
def test_working_hours_are_read_as_hh_mm_or_with_zero_seconds(
    api, manager, practitioner_profile, given
):
    response = api(manager).patch(
        f"/api/practitioners/{practitioner_profile.pk}/",
        {"working_hours": [{"weekday": 0, "start": given, "end": "12:00"}]},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["working_hours"] == [{"weekday": 0, "start": "08:30", "end": "12:00"}]


@pytest.mark.parametrize("given", ["08:30:15", "8:30", "08:30:00.5", "25:00", "0830", 830, "NaN"])
def test_other_times_are_a_400_saying_the_format(api, manager, practitioner_profile, given):
    before = list(practitioner_profile.working_hours.values_list("start", flat=True))

    response = api(manager).patch(
        f"/api/practitioners/{practitioner_profile.pk}/",
        {"working_hours": [{"weekday": 0, "start": given, "end": "12:00"}]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {
        "working_hours.0.start": ["Enter a time of day as HH:MM, such as 09:00."]
    }
    practitioner = Practitioner.objects.get(pk=practitioner_profile.pk)
    assert list(practitioner.working_hours.values_list("start", flat=True)) == before


def test_a_new_practitioner_with_hours_answers_them_as_hh_mm(api, manager, clinic):
    membership = MembershipFactory(clinic=clinic, role="practitioner")

    response = api(manager).post(
        "/api/practitioners/",
        {
            "membership": membership.pk,
            "working_hours": [{"weekday": 2, "start": "10:00", "end": "18:45"}],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["working_hours"] == [{"weekday": 2, "start": "10:00", "end": "18:45"}]
