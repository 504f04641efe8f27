"""The clinical sign-off page and ``/api/clinic/sign-off/`` (decisions 0019, 0011): the
signer confirms with their own password, as when signing a treatment record."""

from __future__ import annotations

import pytest

from common.models import AuditEvent
from tests.factories import PASSWORD, ClinicFactory, MembershipFactory
from treatments.signoff.models import ClinicalSignOff
from treatments.signoff.selectors import sign_off_status

pytestmark = pytest.mark.django_db

FORM = {
    "accept": "on",
    "password": PASSWORD,
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
        "/api/clinic/sign-off/",
        {"accept": True, "versions": state["in_force"], "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["covered"] is True
    assert response.json()["latest"]["signed_by"] == director.user_id
    assert sign_off_status(clinic=fresh).covered


def test_the_api_refuses_reception_and_bad_input(api, fresh):
    reception = MembershipFactory(clinic=fresh, role="reception")
    assert api(reception).get("/api/clinic/sign-off/").status_code == 200
    refused_role = api(reception).post(
        "/api/clinic/sign-off/", {"accept": True, "password": PASSWORD}, format="json"
    )
    assert refused_role.status_code == 403
    manager = MembershipFactory(clinic=fresh, role="manager")
    bad = api(manager).post(
        "/api/clinic/sign-off/",
        {"accept": True, "versions": {"protocols": "x"}, "password": PASSWORD},
        format="json",
    )
    assert bad.status_code == 400
    refused = api(manager).post(
        "/api/clinic/sign-off/", {"accept": False, "password": PASSWORD}, format="json"
    )
    assert refused.status_code == 400
    assert not ClinicalSignOff.objects.exists()


def test_each_clinic_sees_only_its_own_sign_off(api, fresh, other_manager):
    director = MembershipFactory(clinic=fresh, role="manager")
    signed = api(director).post(
        "/api/clinic/sign-off/", {"accept": True, "password": PASSWORD}, format="json"
    )
    assert signed.status_code == 201
    state = api(other_manager).get("/api/clinic/sign-off/").json()
    assert state["latest"]["signed_by_name"] == "Dr Test Director"  # the factory's own


# --- the password again (decision 0011) ----------------------------------------------


def _refusals(membership):
    return list(
        AuditEvent.objects.filter(
            actor=membership.user, object_type="clinical_sign_off", outcome="denied"
        ).order_by("id")
    )


def test_the_page_asks_for_the_signers_password(web, fresh):
    director = MembershipFactory(clinic=fresh, role="practitioner")
    page = web(director).get("/clinic/sign-off/").content.decode()
    assert 'name="password"' in page and 'type="password"' in page
    assert 'autocomplete="current-password"' in page


def test_a_wrong_password_on_the_page_is_a_form_error_audited_and_nothing_is_signed(web, fresh):
    director = MembershipFactory(clinic=fresh, role="manager")
    browser = web(director)
    wrong = browser.post("/clinic/sign-off/", {**FORM, "password": "not-it-at-all"})
    assert wrong.status_code == 400
    html = wrong.content.decode()
    assert "That is not your password. Nothing was done." in html
    assert 'aria-invalid="true"' in html
    assert "not-it-at-all" not in html
    missing = browser.post("/clinic/sign-off/", {**FORM, "password": ""})
    assert missing.status_code == 400
    assert "Type your password to confirm." in missing.content.decode()
    assert not ClinicalSignOff.objects.exists()
    assert not sign_off_status(clinic=fresh).covered
    [event] = _refusals(director)  # the empty box is asked again, not counted
    assert event.action == "update"
    assert event.clinic_id == fresh.pk
    assert event.detail == {"reason": "wrong_password", "for": "clinical_sign_off"}
    assert "not-it-at-all" not in str(event.detail)

    signed = browser.post("/clinic/sign-off/", FORM)
    assert signed.status_code == 302
    assert ClinicalSignOff.objects.get().signed_by == director.user


def test_wrong_sign_off_passwords_lock_the_account_like_sign_in(web, fresh, settings, client):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 3
    director = MembershipFactory(clinic=fresh, role="manager")
    browser = web(director)
    for _ in range(3):
        browser.post("/clinic/sign-off/", {**FORM, "password": "guess-guess-guess"})
    locked = browser.post("/clinic/sign-off/", FORM)
    assert locked.status_code == 429
    assert "locked" in locked.content.decode()
    assert not ClinicalSignOff.objects.exists()
    reasons = [e.detail["reason"] for e in _refusals(director)]
    assert reasons == ["wrong_password", "wrong_password", "locked_out", "locked_out"]


def test_the_api_needs_the_password_too_in_the_error_format(api, fresh):
    director = MembershipFactory(clinic=fresh, role="practitioner")
    client = api(director)
    missing = client.post("/api/clinic/sign-off/", {"accept": True}, format="json")
    assert missing.status_code == 400
    body = missing.json()
    assert body["code"] == "password_required"
    assert body["fields"]["password"] == ["Type your password to confirm."]
    wrong = client.post(
        "/api/clinic/sign-off/", {"accept": True, "password": "not-it-at-all"}, format="json"
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "wrong_password"
    assert "password" in wrong.json()["fields"]
    assert "not-it-at-all" not in wrong.content.decode()
    assert not ClinicalSignOff.objects.exists()
    [event] = _refusals(director)
    assert event.detail == {"reason": "wrong_password", "for": "clinical_sign_off"}

    signed = client.post(
        "/api/clinic/sign-off/", {"accept": True, "password": PASSWORD}, format="json"
    )
    assert signed.status_code == 201
    assert signed.json()["covered"] is True
