"""The clinical sign-off page and ``/api/clinic/sign-off/`` (decision 0019)."""

from __future__ import annotations

import pytest

from tests.factories import ClinicFactory, MembershipFactory
from treatments.signoff.models import ClinicalSignOff
from treatments.signoff.selectors import sign_off_status

pytestmark = pytest.mark.django_db

FORM = {
    "accept": "on",
    "version_screening_rules": "1",
    "version_protocols": "1",
    "version_consent_text": "1",
    "version_aftercare": "1",
    "version_preparation": "1",
}


@pytest.fixture
def fresh():
    return ClinicFactory(name="Liffey Skin Clinic", signed_off=False)


@pytest.mark.parametrize("role", ["practitioner", "manager"])
def test_the_director_reviews_and_signs_on_the_page(web, fresh, role):
    director = MembershipFactory(clinic=fresh, role=role)
    browser = web(director)
    page = browser.get("/clinic/sign-off/").content.decode()
    assert "Not signed off." in page
    for label in ("Screening rules", "Treatment protocols", "Consent text", "Aftercare template"):
        assert label in page
    assert 'name="accept"' in page
    response = browser.post("/clinic/sign-off/", FORM, follow=True)
    assert response.status_code == 200
    assert "Signed off." in response.content.decode()
    assert ClinicalSignOff.objects.get().signed_by == director.user


def test_without_the_tick_the_page_asks_again(web, fresh):
    director = MembershipFactory(clinic=fresh, role="manager")
    response = web(director).post("/clinic/sign-off/", {**FORM, "accept": ""})
    assert response.status_code == 400
    assert "Confirm that you have reviewed" in response.content.decode()
    assert not ClinicalSignOff.objects.exists()


def test_a_tampered_form_is_a_form_error_not_a_500(web, fresh):
    director = MembershipFactory(clinic=fresh, role="manager")
    response = web(director).post("/clinic/sign-off/", {**FORM, "version_protocols": "x"})
    assert response.status_code == 400
    assert not ClinicalSignOff.objects.exists()


def test_reception_reads_the_state_but_cannot_sign(web, fresh):
    reception = MembershipFactory(clinic=fresh, role="reception")
    browser = web(reception)
    page = browser.get("/clinic/sign-off/").content.decode()
    assert 'name="accept"' not in page
    assert browser.post("/clinic/sign-off/", FORM).status_code == 403
    assert not ClinicalSignOff.objects.exists()


def test_the_api_answers_the_state_and_signs(api, fresh):
    director = MembershipFactory(clinic=fresh, role="practitioner")
    client = api(director)
    state = client.get("/api/clinic/sign-off/").json()
    assert state["covered"] is False and state["latest"] is None
    assert state["in_force"]["consent_text"] == 1
    response = client.post(
        "/api/clinic/sign-off/", {"accept": True, "versions": state["in_force"]}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["covered"] is True
    assert response.json()["latest"]["signed_by"] == director.user_id
    assert sign_off_status(clinic=fresh).covered


def test_the_api_refuses_reception_and_bad_input(api, fresh):
    reception = MembershipFactory(clinic=fresh, role="reception")
    assert api(reception).get("/api/clinic/sign-off/").status_code == 200
    assert api(reception).post("/api/clinic/sign-off/", {"accept": True}).status_code == 403
    manager = MembershipFactory(clinic=fresh, role="manager")
    bad = api(manager).post(
        "/api/clinic/sign-off/", {"accept": True, "versions": {"protocols": "x"}}, format="json"
    )
    assert bad.status_code == 400
    refused = api(manager).post("/api/clinic/sign-off/", {"accept": False}, format="json")
    assert refused.status_code == 400
    assert not ClinicalSignOff.objects.exists()


def test_each_clinic_sees_only_its_own_sign_off(api, fresh, other_manager):
    director = MembershipFactory(clinic=fresh, role="manager")
    api(director).post("/api/clinic/sign-off/", {"accept": True}, format="json")
    state = api(other_manager).get("/api/clinic/sign-off/").json()
    assert state["latest"]["signed_by_name"] == "Dr Test Director"  # the factory's own
