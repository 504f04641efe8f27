"""Consent client mode: while the client holds the tablet, only their consent (decision 0011)."""

from __future__ import annotations

import pytest

from clinic.models import Client
from common.models import AuditEvent
from tests.consent.test_views import new_url, post_data, text_of
from tests.factories import PASSWORD, ClientFactory, consent_for
from treatments.consent.client_mode import SESSION_KEY
from treatments.consent.models import Consent

pytestmark = pytest.mark.django_db

LEAVE = "/consent-mode/leave/"


def start(browser, client_record):
    response = browser.post(f"/clients/{client_record.pk}/consent/client-mode/")
    assert response.status_code == 302
    assert response["Location"] == new_url(client_record)
    return browser


@pytest.fixture
def neighbour(clinic):
    """Another client of the same clinic, whose data the tablet must never show."""
    return ClientFactory(clinic=clinic, first_name="Zelda", last_name="Marsh")


def test_the_capture_screen_offers_client_mode_to_staff(web, reception, client_record):
    html = web(reception).get(new_url(client_record)).content.decode()
    assert f'action="/clients/{client_record.pk}/consent/client-mode/"' in html
    assert "Hand the tablet to the client" in html


def test_in_client_mode_the_capture_screen_shows_only_the_consent(
    web, reception, client_record, neighbour
):
    browser = web(reception)
    # A note for staff still waiting to be shown ("Chloe Martin was added.") must not
    # reach the client's screen.
    added = browser.post(
        "/clients/new/",
        {
            "first_name": "Chloe",
            "last_name": "Martin",
            "date_of_birth": "2001-06-30",
            "email": "chloe@mail.example",
            "fitzpatrick_type": "1",
            "skin_concerns": ["hyperpigmentation_melasma"],
        },
    )
    assert added.status_code == 302
    start(browser, client_record)
    response = browser.get(new_url(client_record))
    assert response.status_code == 200
    html = response.content.decode()
    assert client_record.full_name in html
    assert "Client mode" in html
    assert f'href="{LEAVE}"' in html
    # No staff navigation, client search, staff account or links to other pages.
    for absent in ('aria-label="Main"', 'id="quicksearch"', "Sign out", reception.user.full_name):
        assert absent not in html
    assert neighbour.full_name not in html and "Chloe" not in html
    assert 'href="/clients/' not in html and "Cancel" not in html
    assert "Hand the tablet to the client" not in html


@pytest.mark.parametrize(
    "path",
    ["/", "/clients/", "/calendar/", "/recalls/", "/staff/", "/consent-texts/", "/nowhere/"],
)
def test_in_client_mode_every_other_page_goes_back_to_the_consent(
    web, reception, client_record, path
):
    browser = start(web(reception), client_record)
    response = browser.get(path)
    assert response.status_code == 302
    assert response["Location"] == new_url(client_record)


def test_in_client_mode_other_clients_are_out_of_reach(web, reception, client_record, neighbour):
    browser = start(web(reception), client_record)
    for path in (f"/clients/{neighbour.pk}/", f"/clients/{neighbour.pk}/consent/"):
        response = browser.get(path)
        assert response.status_code == 302
        assert response["Location"] == new_url(client_record)
    # Not even the neighbour's signed consent, though the clinic is the same.
    theirs = consent_for(neighbour, witnessed_by=reception.user)
    assert browser.get(f"/consents/{theirs.pk}/").status_code == 404
    assert browser.get(f"/consents/{theirs.pk}/pdf/")["Location"] == new_url(client_record)


def test_in_client_mode_writes_and_the_api_are_refused(web, reception, client_record):
    browser = start(web(reception), client_record)
    before = Client.objects.count()
    created = browser.post("/clients/new/", {"first_name": "Eve", "last_name": "Sneak"})
    assert created.status_code == 303
    assert created["Location"] == new_url(client_record)
    assert Client.objects.count() == before
    api = browser.get("/api/clients/")
    assert api.status_code == 403
    assert api.json()["code"] == "client_mode"
    htmx = browser.get("/clients/", headers={"HX-Request": "true"})
    assert htmx.status_code == 403
    assert htmx["HX-Redirect"] == new_url(client_record)
    # Starting client mode for someone else is refused as well.
    other = ClientFactory(clinic=client_record.clinic)
    browser.post(f"/clients/{other.pk}/consent/client-mode/")
    assert browser.session[SESSION_KEY]["client_id"] == client_record.pk


def test_the_client_signs_in_client_mode_and_sees_only_their_consent(web, reception, client_record):
    browser = start(web(reception), client_record)
    response = browser.post(new_url(client_record), post_data(client_record))
    consent = Consent.objects.get()
    assert response["Location"] == f"/consents/{consent.pk}/?signed=1"
    done = browser.get(response["Location"])
    html = text_of(done)
    assert "Thank you, consent signed" in html
    assert "Return the tablet to staff" in html
    assert "Download PDF" not in html and "Back to client" not in html
    assert 'aria-label="Main"' not in done.content.decode()
    assert browser.get("/clients/")["Location"] == new_url(client_record)


def test_leaving_needs_the_staff_members_password(web, reception, practitioner, client_record):
    browser = start(web(reception), client_record)
    page = browser.get(LEAVE)
    assert page.status_code == 200
    assert 'autocomplete="current-password"' in page.content.decode()
    assert 'aria-label="Main"' not in page.content.decode()

    nul = browser.post(LEAVE, {"password": "let\x00me-out"})
    assert nul.status_code == 400  # a form error, never a 500
    assert browser.get("/clients/").status_code == 302

    wrong = browser.post(LEAVE, {"password": "let-me-out-please"})
    assert wrong.status_code == 400
    assert "That is not your password" in text_of(wrong)
    # A colleague's password is not the one: the person who handed it over leaves.
    practitioner.user.set_password("colleague-password-2026")
    practitioner.user.save()
    colleague = browser.post(LEAVE, {"password": "colleague-password-2026"})
    assert colleague.status_code == 400
    assert browser.get("/clients/").status_code == 302
    events = AuditEvent.objects.filter(
        outcome=AuditEvent.Outcome.DENIED, object_type="consent_client_mode"
    )
    assert events.count() == 2
    assert {e.client_id for e in events} == {client_record.pk}
    assert {e.detail["for"] for e in events} == {"leave_client_mode"}

    left = browser.post(LEAVE, {"password": PASSWORD})
    assert left.status_code == 302
    assert left["Location"] == f"/clients/{client_record.pk}/"
    assert SESSION_KEY not in browser.session
    assert browser.get("/clients/").status_code == 200


def test_after_signing_leaving_goes_to_the_signed_consent(web, reception, client_record):
    browser = start(web(reception), client_record)
    browser.post(new_url(client_record), post_data(client_record))
    consent = Consent.objects.get()
    left = browser.post(LEAVE, {"password": PASSWORD})
    assert left["Location"] == f"/consents/{consent.pk}/"
    assert "Download PDF" in text_of(browser.get(left["Location"]))


def test_a_locked_account_can_only_sign_out(web, reception, client_record, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    browser = start(web(reception), client_record)
    for _ in range(2):
        browser.post(LEAVE, {"password": "let-me-out-please"})
    locked = browser.post(LEAVE, {"password": PASSWORD})
    assert locked.status_code == 429
    html = text_of(locked)
    assert "Signing in is locked" in html and "Sign out" in html
    assert browser.get("/clients/").status_code == 302  # still in client mode
    out = browser.post("/logout/")
    assert out.status_code == 302
    assert browser.get("/clients/")["Location"].startswith("/login/")


def test_the_leave_page_outside_client_mode_goes_home(web, reception):
    assert web(reception).get(LEAVE)["Location"] == "/"


def test_client_mode_is_for_the_acting_clinics_clients_only(web, reception, other_client_record):
    response = web(reception).post(f"/clients/{other_client_record.pk}/consent/client-mode/")
    assert response.status_code == 404


def test_another_staff_member_signing_in_drops_the_mode(web, reception, manager, client_record):
    browser = start(web(reception), client_record)
    browser.force_login(manager.user)
    assert browser.get("/clients/").status_code == 200
