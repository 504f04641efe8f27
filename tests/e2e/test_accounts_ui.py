"""Accounts and access in a real browser: lockout, invitations, the idle warning."""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright.sync_api import expect

from clinic import services
from clinic.access import LAST_ACTIVITY_KEY
from clinic.models import Invitation, Membership
from tests.e2e.conftest import assert_accessible
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _try_login(page, email, password):
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_locked_account_sees_why_and_how_to_get_unlocked(page, reception):
    page.goto("/login/")
    for _ in range(5):
        _try_login(page, reception.user.email, "wrong-password")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Signing in is locked after too many failed attempts")
    expect(alert).to_contain_text("ask a manager of your clinic to unlock your account")
    _try_login(page, reception.user.email, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("Signing in is locked")
    assert page.url.endswith("/login/")
    assert_accessible(page)


def test_a_manager_invites_a_person_who_accepts_with_a_new_account(
    signed_in, browser, live_server, manager, mailoutbox
):
    page = signed_in(manager)
    page.get_by_role("link", name="Staff").click()
    page.get_by_label("E-mail", exact=True).fill("sam.new@clinic.example")
    page.get_by_label("Role", exact=True).select_option("practitioner")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text("Invitation sent to sam.new@clinic.example")
    expect(page.get_by_role("cell", name="Practitioner")).to_be_visible()
    assert_accessible(page)

    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mailoutbox[-1].body).group(1)
    newcomer = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", name="Join Harbour Skin Clinic")).to_be_visible()
    assert_accessible(newcomer)
    newcomer.get_by_label("Your full name").fill("Sam New")
    newcomer.get_by_label("Choose a password").fill("linen-harbour-quietly-47")
    newcomer.get_by_label("The password again").fill("linen-harbour-quietly-47")
    newcomer.get_by_role("button", name="Create my account and join").click()
    expect(newcomer.get_by_role("status")).to_contain_text("Welcome to Harbour Skin Clinic")
    membership = Membership.objects.get(user__email="sam.new@clinic.example")
    assert membership.role == "practitioner"

    newcomer.goto(link)
    expect(
        newcomer.get_by_role("heading", name="This invitation link does not work")
    ).to_be_visible()


def test_a_manager_unlocks_a_colleague_and_revokes_an_invitation(
    page, signed_in, manager, reception
):
    page.goto("/login/")
    for _ in range(5):
        _try_login(page, reception.user.email, "wrong-password")
    services.invitation_create(
        clinic=manager.clinic, actor=manager.user, email="later@clinic.example", role="reception"
    )
    signed_in(manager)
    page.goto("/staff/")
    expect(page.get_by_text("locked", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=f"Unlock {reception.user.full_name}").click()
    expect(page.get_by_role("status")).to_contain_text("can sign in again")
    expect(page.get_by_text("locked", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Revoke the invitation to later@clinic.example").click()
    expect(page.get_by_role("status")).to_contain_text("was revoked")
    assert Invitation.objects.get().status == "revoked"


def test_the_idle_warning_offers_to_stay_signed_in(signed_in, reception, settings):
    # Two minutes idle allowed, the warning 115 s before: it shows about 5 s after load.
    reception.clinic.idle_timeout_minutes = 2
    reception.clinic.save()
    settings.IDLE_WARNING_SECONDS = 115
    page = signed_in(reception)
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_visible(timeout=20_000)
    expect(warning).to_contain_text("You will be signed out in 1 minute")
    assert page.evaluate("document.activeElement.textContent") == "Stay signed in"
    assert_accessible(page)
    session = _session(page)
    session[LAST_ACTIVITY_KEY] = int(timezone.now().timestamp()) - 60
    session.save()
    with page.expect_response(lambda r: r.url.endswith("/account/session/")) as answer:
        page.get_by_role("button", name="Stay signed in").click()
    assert answer.value.json()["seconds_left"] == 120
    expect(warning).to_be_hidden()
    assert int(timezone.now().timestamp()) - _session(page)[LAST_ACTIVITY_KEY] < 5


def test_after_the_idle_limit_the_page_goes_to_the_login_and_says_why(
    signed_in, reception, settings
):
    reception.clinic.idle_timeout_minutes = 2
    reception.clinic.save()
    settings.IDLE_WARNING_SECONDS = 115
    page = signed_in(reception)
    session = _session(page)
    session[LAST_ACTIVITY_KEY] = int(timezone.now().timestamp()) - 3 * 60
    session.save()
    page.wait_for_url(re.compile(r"/login/\?next="), timeout=20_000)
    expect(page.get_by_role("status")).to_contain_text(
        "You were signed out after 2 minutes without activity"
    )
    page.goto("/")
    assert "/login/" in page.url


def _session(page) -> SessionStore:
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    return SessionStore(session_key=key)
