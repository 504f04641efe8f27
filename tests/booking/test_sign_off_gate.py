"""Treatments are not booked until the medical director has signed off the clinical data
in force (decision 0019); the one booking decision says why and links to the sign-off."""

from __future__ import annotations

import copy

import pytest
import time_machine

from clinic.booking.models import Appointment
from tests.booking.test_services import book, screen
from tests.factories import (
    ClientFactory,
    ClinicFactory,
    DeviceFactory,
    MembershipFactory,
    RoomFactory,
    practitioner_for,
    sign_off_for,
)
from treatments.screening import services as screening_services

pytestmark = pytest.mark.django_db

DAY = "2026-03-09"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def unsigned():
    """A clinic fresh from clinic_create: staff, resources, a screened client, no sign-off."""
    clinic = ClinicFactory(name="Liffey Skin Clinic", signed_off=False)
    reception = MembershipFactory(clinic=clinic, role="reception")
    practitioner = MembershipFactory(clinic=clinic, role="practitioner")
    client = ClientFactory(clinic=clinic)
    screen(client, reception)
    return {
        "clinic": clinic,
        "reception": reception,
        "client": client,
        "practitioner": practitioner_for(practitioner),
        "room": RoomFactory(clinic=clinic),
        "device": DeviceFactory(clinic=clinic),
    }


def book_ten_o_clock(api, unsigned, kind: str = "treatment"):
    """Reception books the screened client for 10:00–11:00 on DAY through the API."""
    return book(
        api(unsigned["reception"]),
        unsigned,
        unsigned["client"],
        f"{DAY}T10:00:00Z",
        f"{DAY}T11:00:00Z",
        kind=kind,
    )


def test_a_treatment_in_an_unsigned_clinic_is_refused_with_the_reason_and_the_link(api, unsigned):
    response = book_ten_o_clock(api, unsigned)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "clinical_sign_off_missing"
    assert "medical director has not signed off" in body["detail"]
    assert body["sign_off_url"] == "/clinic/sign-off/"
    assert not Appointment.objects.exists()


def test_a_consultation_in_an_unsigned_clinic_is_booked(api, unsigned):
    response = book_ten_o_clock(api, unsigned, kind="consultation")
    assert response.status_code == 201, response.json()


def test_once_signed_off_the_same_treatment_is_booked(api, unsigned):
    sign_off_for(unsigned["clinic"])
    response = book_ten_o_clock(api, unsigned)
    assert response.status_code == 201, response.json()


def test_a_new_rule_set_version_needs_a_new_sign_off(api, unsigned):
    clinic = unsigned["clinic"]
    sign_off_for(clinic)
    data = copy.deepcopy(screening_services.rule_set_current(clinic=clinic).data)
    data["rules"][0]["explanation"] += " (reviewed)"
    screening_services.rule_set_publish(
        clinic=clinic, actor=unsigned["reception"].user, data=data, note="Reviewed"
    )
    response = book_ten_o_clock(api, unsigned)
    assert response.status_code == 409
    assert response.json()["code"] == "clinical_sign_off_missing"
    assert "new version of the screening rules" in response.json()["detail"]
    sign_off_for(clinic, screening_rules=2)
    again = book_ten_o_clock(api, unsigned)
    assert again.status_code == 201, again.json()


def test_the_booking_form_says_why_and_links_to_the_sign_off(web, unsigned):
    page = web(unsigned["reception"]).get(
        f"/appointments/new/?client={unsigned['client'].pk}&kind=treatment&date={DAY}"
    )
    content = page.content.decode()
    assert 'data-eligibility="blocked"' in content
    assert "medical director has not signed off" in content
    assert 'href="/clinic/sign-off/"' in content


def test_availability_offers_no_treatment_slot_in_an_unsigned_clinic(api, unsigned):
    query = {
        "practitioner": unsigned["practitioner"].pk,
        "date_from": DAY,
        "date_to": DAY,
        "duration_minutes": 60,
        "device": unsigned["device"].pk,
        "client": unsigned["client"].pk,
    }
    who = api(unsigned["reception"])
    assert who.get("/api/availability/", {**query, "kind": "treatment"}).json() == []
    assert who.get("/api/availability/", {**query, "kind": "consultation"}).json() != []


def test_the_factory_clinic_is_signed_off_for_the_first_versions():
    from treatments.signoff.selectors import sign_off_status

    assert sign_off_status(clinic=ClinicFactory()).covered
    assert not sign_off_status(clinic=ClinicFactory(signed_off=False)).covered
