"""Shared clinic computers: idle sign-out, sessions that end with the browser, no-store."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = "2026-03-02 08:00:00+00:00"
SIGNED_OUT = b"You were signed out after 15 minutes without activity"


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _sign_in(client, who):
    response = client.post("/login/", {"username": who.user.email, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_a_session_idle_longer_than_the_clinic_allows_ends_and_the_login_page_says_why(
    client, reception, clock
):
    _sign_in(client, reception)
    clock.shift(timedelta(minutes=14))
    assert client.get("/").status_code == 200
    clock.shift(timedelta(minutes=14))  # 14 minutes after the last request: still in
    assert client.get("/clients/").status_code == 200
    clock.shift(timedelta(minutes=15, seconds=5))
    response = client.get("/clients/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/login/")
    assert SIGNED_OUT in response.content
    assert "_auth_user_id" not in client.session


def test_each_clinic_sets_its_own_idle_limit(client, reception, clock):
    reception.clinic.idle_timeout_minutes = 5
    reception.clinic.save()
    _sign_in(client, reception)
    clock.shift(timedelta(minutes=4))
    assert client.get("/").status_code == 200
    clock.shift(timedelta(minutes=5, seconds=5))
    assert client.get("/").status_code == 302


def test_asking_how_long_is_left_is_not_activity(client, reception, clock):
    _sign_in(client, reception)
    clock.shift(timedelta(minutes=10))
    assert client.get("/account/session/").json() == {"signed_in": True, "seconds_left": 300}
    clock.shift(timedelta(minutes=5, seconds=5))
    response = client.get("/account/session/")
    assert response.json() == {"signed_in": False, "seconds_left": 0}
    assert client.get("/").status_code == 302


def test_stay_signed_in_starts_the_idle_time_again(client, reception, clock):
    _sign_in(client, reception)
    clock.shift(timedelta(minutes=14))
    stay = client.post("/account/session/")
    assert stay.json() == {"signed_in": True, "seconds_left": 900}
    clock.shift(timedelta(minutes=14))
    assert client.get("/").status_code == 200


def test_an_htmx_request_after_the_limit_loads_the_login_page(client, reception, clock):
    _sign_in(client, reception)
    clock.shift(timedelta(minutes=16))
    response = client.get("/clients/", HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == "/login/"
    assert SIGNED_OUT in client.get("/login/").content


def test_the_pages_tell_the_browser_the_limits_for_the_warning(client, reception):
    reception.clinic.idle_timeout_minutes = 20
    reception.clinic.save()
    assert b"data-idle-seconds" not in client.get("/login/").content
    _sign_in(client, reception)
    page = client.get("/").content.decode()
    assert 'data-idle-seconds="1200"' in page
    assert 'data-idle-warning-seconds="60"' in page
    assert 'data-session-url="/account/session/"' in page
    assert "You will be signed out in 1 minute" in page
    assert "Stay signed in" in page


def test_the_session_ends_when_the_browser_closes(client, reception):
    response = _sign_in(client, reception)
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""


def test_staff_pages_and_api_answers_are_not_stored(web, api, reception, client_record):
    browser = web(reception)
    for url in ("/", "/clients/", f"/clients/{client_record.pk}/", "/calendar/"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
    answer = api(reception).get(f"/api/clients/{client_record.pk}/")
    assert "no-store" in answer["Cache-Control"]


def test_pages_opened_by_a_signed_link_are_not_stored(client, db):
    assert "no-store" in client.get("/aftercare/not-a-real-token/")["Cache-Control"]
    assert "no-store" in client.get("/invitations/not-a-real-token/")["Cache-Control"]
    assert "no-store" in client.get("/login/")["Cache-Control"]
