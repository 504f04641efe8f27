"""Sign-in locks after repeated failures, per account and per address (decision 0008)."""

from __future__ import annotations

import pytest
import time_machine

from common.models import AuditEvent
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

LOCKED = b"Signing in is locked after too many failed attempts"
START = "2026-03-02 08:00:00+00:00"


def _login(client, email, password, **extra):
    return client.post("/login/", {"username": email, "password": password}, **extra)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_fifth_wrong_password_locks_the_account_and_the_right_one_is_refused(client, reception):
    email = reception.user.email
    for _ in range(4):
        response = _login(client, email, "wrong")
        assert b"do not match an account" in response.content
    fifth = _login(client, email, "wrong")
    assert LOCKED in fifth.content
    assert b"ask a manager of your clinic to unlock your account" in fifth.content

    right = _login(client, email, PASSWORD)
    assert right.status_code == 200
    assert LOCKED in right.content
    assert not _signed_in(client)


def test_the_lock_ends_after_the_cool_off(client, reception):
    email = reception.user.email
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            _login(client, email, "wrong")
    with time_machine.travel("2026-03-02 08:14:00+00:00", tick=False):
        assert LOCKED in _login(client, email, PASSWORD).content
    with time_machine.travel("2026-03-02 08:16:00+00:00", tick=False):
        assert _login(client, email, PASSWORD).status_code == 302
        assert _signed_in(client)


def test_tries_while_locked_do_not_extend_the_lock(client, reception):
    email = reception.user.email
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            _login(client, email, "wrong")
    with time_machine.travel("2026-03-02 08:10:00+00:00", tick=False):
        assert LOCKED in _login(client, email, "wrong").content
    with time_machine.travel("2026-03-02 08:16:00+00:00", tick=False):
        assert _login(client, email, PASSWORD).status_code == 302


def test_the_limits_are_settings(client, reception, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 2
    _login(client, reception.user.email, "wrong")
    assert LOCKED in _login(client, reception.user.email, "wrong").content


def test_a_locked_account_gets_a_429_locked_out_from_the_api(api, client, reception):
    for _ in range(5):
        _login(client, reception.user.email, "wrong")
    response = api().post("/api/auth/token/", {"email": reception.user.email, "password": PASSWORD})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "locked_out"
    assert "Try again in 15 minutes" in body["detail"]


def test_wrong_passwords_through_the_api_lock_the_login_page_too(api, client, reception):
    codes = [
        api()
        .post("/api/auth/token/", {"email": reception.user.email, "password": "wrong"})
        .status_code
        for _ in range(5)
    ]
    assert codes == [400, 400, 400, 400, 429]
    assert LOCKED in _login(client, reception.user.email, PASSWORD).content


def test_an_address_without_an_account_locks_like_one_with(client, reception):
    for _ in range(5):
        unknown = _login(client, "nobody@clinic.example", "wrong")
        known = _login(client, reception.user.email, "wrong")
    assert LOCKED in unknown.content
    assert LOCKED in known.content


def test_a_success_forgets_the_accounts_failures(client, reception):
    email = reception.user.email
    for _ in range(4):
        _login(client, email, "wrong")
    assert _login(client, email, PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        assert LOCKED not in _login(client, email, "wrong").content


def test_an_api_token_success_forgets_the_accounts_failures(api, client, reception):
    email = reception.user.email
    for _ in range(4):
        _login(client, email, "wrong")
    assert api().post("/api/auth/token/", {"email": email, "password": PASSWORD}).status_code == 200
    for _ in range(4):
        assert LOCKED not in _login(client, email, "wrong").content


def test_an_address_locks_after_its_own_limit_across_accounts(client, clinic, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    staff = [MembershipFactory(clinic=clinic).user for _ in range(4)]
    for user in staff[:3]:
        _login(client, user.email, "wrong")
        _login(client, user.email, "wrong")
    # Nobody reached the account limit, but the address reached its own: even a
    # colleague with the right password waits, while another address is let in.
    assert LOCKED in _login(client, staff[3].email, PASSWORD).content
    elsewhere = _login(client, staff[3].email, PASSWORD, REMOTE_ADDR="198.51.100.20")
    assert elsewhere.status_code == 302


def test_rotating_x_forwarded_for_does_not_escape_the_address_lock(client, clinic, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    users = [MembershipFactory(clinic=clinic).user for _ in range(4)]
    for n, user in enumerate(users[:3]):
        _login(client, user.email, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = _login(client, users[3].email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert LOCKED in response.content


def test_a_manager_sees_who_is_locked_and_unlocks_them_and_it_is_audited(
    client, manager, reception, practitioner
):
    for _ in range(5):
        _login(client, reception.user.email, "wrong", REMOTE_ADDR="198.51.100.20")
    _login(client, practitioner.user.email, "wrong", REMOTE_ADDR="198.51.100.20")

    client.force_login(manager.user)
    page = client.get("/staff/").content.decode()
    assert page.count('class="badge badge--danger">locked<') == 1
    assert f"/staff/{reception.membership.pk}/unlock/" in page
    assert f"/staff/{practitioner.membership.pk}/unlock/" not in page

    response = client.post(f"/staff/{reception.membership.pk}/unlock/", follow=True)
    assert b"can sign in again" in response.content
    event = AuditEvent.objects.get(object_type="membership", object_id=str(reception.membership.pk))
    assert (event.action, event.actor, event.detail) == ("update", manager.user, {"unlocked": True})

    client.post("/logout/")
    signed_in = _login(client, reception.user.email, PASSWORD, REMOTE_ADDR="198.51.100.20")
    assert signed_in.status_code == 302


def test_only_managers_unlock_and_only_their_own_clinics_staff(
    client, web, reception, other_manager
):
    assert web(reception).post(f"/staff/{reception.membership.pk}/unlock/").status_code == 403
    client.force_login(other_manager.user)
    assert client.post(f"/staff/{reception.membership.pk}/unlock/").status_code == 404
    assert not AuditEvent.objects.filter(detail__unlocked=True).exists()


def test_the_admin_login_of_a_locked_account_shows_the_locked_page(client, reception):
    reception.user.is_staff = True
    reception.user.save()
    for _ in range(5):
        _login(client, reception.user.email, "wrong")
    response = client.post(
        "/admin/login/", {"username": reception.user.email, "password": PASSWORD}
    )
    assert response.status_code == 429
    assert LOCKED in response.content


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(client, clinic, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    users = [MembershipFactory(clinic=clinic).user for _ in range(4)]
    for user in users[:3]:
        _login(client, user.email, "wrong", HTTP_X_FORWARDED_FOR="203.0.113.5")
    locked = _login(client, users[3].email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert LOCKED in locked.content
    other = _login(client, users[3].email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other.status_code == 302
