"""Forgot password: a reset link by e-mail, with no hint of which addresses have accounts."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

from common.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "copper-kettle-morning-93"


@pytest.fixture
def ask_reset(client, django_capture_on_commit_callbacks):
    def ask(email):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/account/forgot-password/", {"email": email}, follow=True)

    return ask


def _link(mail) -> str:
    match = re.search(re.escape(settings.SITE_URL) + r"(/account/set-password/\S+/)", mail.body)
    assert match, mail.body
    return match.group(1)


def _without_csrf(html: bytes) -> bytes:
    return re.sub(rb'"X-CSRFToken": "[^"]*"', b"", html)


def _set_password(client, link, password=NEW_PASSWORD):
    form = client.get(link, follow=True)
    assert b"Choose your password" in form.content
    return client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
        follow=True,
    )


def test_the_login_page_offers_forgot_password(client, db):
    assert b'href="/account/forgot-password/"' in client.get("/login/").content


def test_a_reset_link_by_email_sets_a_new_password(client, reception, ask_reset, mailoutbox):
    ask_reset(reception.user.email.upper())
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [reception.user.email]
    assert "Needlework" in mail.subject and "Needlework" in mail.body
    done = _set_password(client, _link(mail))
    assert b"Your new password is saved" in done.content
    assert (
        client.post(
            "/login/", {"username": reception.user.email, "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    event = AuditEvent.objects.get(object_type="password")
    assert (event.action, event.actor) == ("update", reception.user)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    reception, ask_reset, mailoutbox
):
    known = ask_reset(reception.user.email)
    unknown = ask_reset("nobody@clinic.example")
    assert (
        known.redirect_chain == unknown.redirect_chain == [("/account/forgot-password/sent/", 302)]
    )
    assert _without_csrf(known.content) == _without_csrf(unknown.content)
    assert b"If a Needlework account uses that address" in known.content
    assert [m.to for m in mailoutbox] == [[reception.user.email]]


def test_a_deactivated_account_gets_no_link(reception, ask_reset, mailoutbox):
    reception.user.is_active = False
    reception.user.save()
    ask_reset(reception.user.email)
    assert mailoutbox == []


def test_an_account_that_never_chose_a_password_can_choose_one(
    client, clinic, ask_reset, mailoutbox
):
    user = UserFactory(email="legacy@clinic.example")
    user.set_unusable_password()
    user.save()
    ask_reset("legacy@clinic.example")
    _set_password(client, _link(mailoutbox[0]))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_ends_the_accounts_api_tokens(api, client, reception, ask_reset, mailoutbox):
    token = api().post("/api/auth/token/", {"email": reception.user.email, "password": PASSWORD})
    token = token.json()["token"]
    ask_reset(reception.user.email)
    _set_password(client, _link(mailoutbox[0]))
    with_token = api()
    with_token.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert with_token.get("/api/clients/").status_code == 401


def test_a_reset_unlocks_a_locked_account(client, reception, ask_reset, mailoutbox):
    for _ in range(5):
        client.post("/login/", {"username": reception.user.email, "password": "wrong"})
    ask_reset(reception.user.email)
    _set_password(client, _link(mailoutbox[0]))
    response = client.post("/login/", {"username": reception.user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_reset_link_works_once(client, reception, ask_reset, mailoutbox):
    ask_reset(reception.user.email)
    link = _link(mailoutbox[0])
    _set_password(client, link)
    again = client.get(link, follow=True)
    assert b"This link has expired or was already used" in again.content
