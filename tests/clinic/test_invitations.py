"""Staff join by invitation: a signed, single-use, revocable link (decision 0008)."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.conf import settings
from django.core import signing

from clinic.models import Invitation, Membership, Role, User
from common.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "linen-harbour-quietly-47"


@pytest.fixture
def invite(api, manager, mailoutbox, django_capture_on_commit_callbacks):
    """``invite(email, role=...)`` → (API response, the path of the e-mailed link)."""

    def make(email, role="practitioner", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = api(manager).post("/api/staff/", {"email": email, "role": role, **extra})
        assert response.status_code == 201, response.json()
        match = re.search(
            re.escape(settings.SITE_URL) + r"(/invitations/[^/\s]+/)", mailoutbox[-1].body
        )
        assert match, mailoutbox[-1].body
        return response, match.group(1)

    return make


def _token(link: str) -> str:
    return link.split("/")[2]


def _accept_api(api, link, **body):
    return api().post(f"/api/invitations/{_token(link)}/accept/", body)


# --- inviting -------------------------------------------------------------------------


def test_a_manager_invites_by_email_and_no_membership_exists_until_accepted(
    invite, manager, mailoutbox
):
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        response, link = invite("New.Person@Clinic.example", full_name="Sam")
    body = response.json()
    assert set(body) == {"id", "email", "role", "status", "created_at", "expires_at"}
    assert (body["email"], body["role"], body["status"]) == (
        "new.person@clinic.example",
        "practitioner",
        "pending",
    )
    assert body["expires_at"].startswith("2026-03-09T08:00:00")
    assert not User.objects.filter(email="new.person@clinic.example").exists()
    assert Membership.objects.filter(clinic=manager.clinic).count() == 1
    mail = mailoutbox[-1]
    assert mail.to == ["new.person@clinic.example"]
    assert "Harbour Skin Clinic" in mail.subject and "Needlework" in mail.subject
    assert "Hello Sam," in mail.body
    assert link.startswith("/invitations/")


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(invite, other_manager):
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        known, _ = invite(other_manager.user.email)
        unknown, _ = invite("nobody-yet@clinic.example")

    def shape(response):
        body = response.json()
        return {k: v for k, v in body.items() if k not in ("id", "email")}, response.status_code

    assert shape(known) == shape(unknown)
    assert other_manager.user.full_name.encode() not in known.content
    events = AuditEvent.objects.filter(object_type="invitation", action="create")
    assert {tuple(sorted(e.detail.items())) for e in events} == {(("role", "practitioner"),)}
    assert not Membership.objects.filter(
        user=other_manager.user, clinic__name="Harbour Skin Clinic"
    ).exists()


def test_inviting_someone_already_on_the_staff_is_a_409(api, manager, reception):
    response = api(manager).post(
        "/api/staff/", {"email": reception.user.email.upper(), "role": "reception"}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_staff"
    assert not Invitation.objects.exists()


def test_inviting_an_address_again_revokes_the_open_invitation(invite, api):
    _, first = invite("sam@clinic.example")
    _, second = invite("sam@clinic.example", role="reception")
    assert _accept_api(api, first, password=NEW_PASSWORD, full_name="Sam").status_code == 404
    accepted = _accept_api(api, second, password=NEW_PASSWORD, full_name="Sam")
    assert accepted.status_code == 201
    assert accepted.json()["role"] == "reception"


# --- accepting ------------------------------------------------------------------------


def test_a_new_person_accepts_through_the_api_with_a_name_and_a_password(invite, api, manager):
    _, link = invite("sam@clinic.example")
    response = _accept_api(api, link, password=NEW_PASSWORD, full_name="Sam Carter")
    assert response.status_code == 201, response.json()
    assert response.json()["full_name"] == "Sam Carter"
    membership = Membership.objects.get(user__email="sam@clinic.example")
    assert (membership.clinic, membership.role) == (manager.clinic, Role.PRACTITIONER)
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == membership.user
    assert invitation.status == "accepted"
    token = api().post(
        "/api/auth/token/", {"email": "sam@clinic.example", "password": NEW_PASSWORD}
    )
    assert token.status_code == 200


def test_an_existing_account_accepts_with_its_own_password_and_keeps_its_name(
    invite, api, other_manager
):
    _, link = invite(other_manager.user.email, role="reception")
    name = other_manager.user.full_name
    wrong = _accept_api(api, link, password="not-their-password", full_name="Someone Else")
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid_credentials"
    assert Membership.objects.filter(user=other_manager.user).count() == 1

    right = _accept_api(api, link, password=PASSWORD, full_name="Someone Else")
    assert right.status_code == 201
    other_manager.user.refresh_from_db()
    assert other_manager.user.full_name == name
    assert other_manager.user.check_password(PASSWORD)
    assert Membership.objects.filter(user=other_manager.user).count() == 2


def test_a_new_account_needs_a_name_and_a_password_the_validators_accept(invite, api):
    _, link = invite("sam@clinic.example")
    nameless = _accept_api(api, link, password=NEW_PASSWORD)
    assert nameless.status_code == 400
    assert "full_name" in nameless.json()["fields"]
    weak = _accept_api(api, link, password="password1", full_name="Sam")
    assert weak.status_code == 400
    assert "password" in weak.json()["fields"]
    assert not User.objects.filter(email="sam@clinic.example").exists()
    assert _accept_api(api, link, password=NEW_PASSWORD, full_name="Sam").status_code == 201


def test_wrong_passwords_at_an_invitation_count_toward_the_lockout(invite, api, other_manager):
    _, link = invite(other_manager.user.email)
    codes = [_accept_api(api, link, password="wrong").status_code for _ in range(5)]
    assert codes == [400, 400, 400, 400, 429]
    locked = _accept_api(api, link, password=PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out"


# --- links that do not work -----------------------------------------------------------


def _used(api, manager, link):
    _accept_api(api, link, password=NEW_PASSWORD, full_name="Sam")


def _revoked(api, manager, link):
    client = api()
    client.force_login(manager.user)
    client.post(f"/staff/invitations/{Invitation.objects.get().pk}/revoke/")


def _resent(api, manager, link):
    client = api()
    client.force_login(manager.user)
    client.post(f"/staff/invitations/{Invitation.objects.get().pk}/resend/")


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [(_used, "used"), (_revoked, "revoked"), (_resent, "superseded")],
)
def test_a_used_revoked_or_superseded_link_is_404_and_audited(
    invite, api, manager, client, spoil, reason
):
    _, link = invite("sam@clinic.example")
    spoil(api, manager, link)
    api_answer = _accept_api(api, link, password=NEW_PASSWORD, full_name="Again")
    page = client.get(link)
    assert api_answer.status_code == 404
    assert api_answer.json()["code"] == "not_found"
    assert page.status_code == 404
    assert b"does not work" in page.content
    denied = AuditEvent.objects.filter(outcome="denied", object_type="invitation")
    assert [e.detail["reason"] for e in denied] == [reason, reason]
    assert denied.first().object_id == str(Invitation.objects.get().pk)


def test_an_expired_link_is_404_and_audited(invite, api, client):
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        _, link = invite("sam@clinic.example")
    with time_machine.travel("2026-03-09 07:59:00+00:00", tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel("2026-03-09 08:01:00+00:00", tick=False):
        response = _accept_api(api, link, password=NEW_PASSWORD, full_name="Sam")
    assert response.status_code == 404
    assert AuditEvent.objects.get(outcome="denied").detail == {"reason": "expired"}
    assert not User.objects.filter(email="sam@clinic.example").exists()


def test_a_tampered_or_made_up_link_is_404_and_audited(invite, api, client):
    _, link = invite("sam@clinic.example")
    invitation = Invitation.objects.get()
    token = _token(link)
    forged = signing.Signer(salt="someone.else").sign_object({"i": invitation.pk, "n": "x"})
    for bad in (token[:-2] + "xx", forged, "nonsense"):
        assert client.get(f"/invitations/{bad}/").status_code == 404
        assert api().post(f"/api/invitations/{bad}/accept/", {"password": "x"}).status_code == 404
    denied = AuditEvent.objects.filter(outcome="denied", object_type="invitation")
    assert denied.count() == 6
    assert {e.detail["reason"] for e in denied} == {"tampered"}


# --- the pages ------------------------------------------------------------------------


def test_a_new_person_accepts_on_the_page_and_is_signed_in_at_the_clinic(invite, client, manager):
    _, link = invite("sam@clinic.example", full_name="Sam")
    page = client.get(link)
    assert b"Join Harbour Skin Clinic" in page.content
    assert b'value="Sam"' in page.content
    response = client.post(
        link,
        {"full_name": "Sam Carter", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    dashboard = client.get("/")
    assert dashboard.status_code == 200
    assert b"Sam Carter" in dashboard.content
    assert Membership.objects.get(user__email="sam@clinic.example").clinic == manager.clinic


def test_an_existing_account_accepts_on_the_page_with_its_own_password(
    invite, client, other_manager, manager
):
    _, link = invite(other_manager.user.email)
    page = client.get(link).content.decode()
    assert "Sign in with its password to accept" in page
    assert 'name="full_name"' not in page
    wrong = client.post(link, {"password": "wrong-password"})
    assert wrong.status_code == 400
    assert b"not the password of this account" in wrong.content
    response = client.post(link, {"password": PASSWORD})
    assert response.status_code == 302
    # Signed in at the clinic that invited them, not their first one.
    assert client.session["clinic_id"] == manager.clinic.pk


def test_the_page_checks_that_the_two_passwords_match(invite, client):
    _, link = invite("sam@clinic.example")
    response = client.post(
        link, {"full_name": "Sam", "password": NEW_PASSWORD, "password_again": "different"}
    )
    assert response.status_code == 400
    assert b"The two passwords differ" in response.content
    assert not User.objects.filter(email="sam@clinic.example").exists()


def test_the_staff_page_lists_open_invitations_to_resend_or_revoke(
    invite, client, manager, mailoutbox, django_capture_on_commit_callbacks
):
    _, link = invite("sam@clinic.example")
    invitation = Invitation.objects.get()
    client.force_login(manager.user)
    page = client.get("/staff/").content.decode()
    assert "Invitations waiting" in page and "sam@clinic.example" in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/staff/invitations/{invitation.pk}/resend/")
    assert len(mailoutbox) == 2
    assert _token(link) not in mailoutbox[-1].body
    client.post(f"/staff/invitations/{invitation.pk}/revoke/")
    assert "No invitation is waiting for an answer" in client.get("/staff/").content.decode()
    actions = list(
        AuditEvent.objects.filter(object_type="invitation")
        .order_by("id")
        .values_list("action", "detail")
    )
    assert actions == [
        ("create", {"role": "practitioner"}),
        ("update", {"resent": True}),
        ("update", {"revoked": True}),
    ]


def test_only_the_clinics_managers_resend_or_revoke(invite, web, reception, client, other_manager):
    invite("sam@clinic.example")
    pk = Invitation.objects.get().pk
    assert web(reception).post(f"/staff/invitations/{pk}/revoke/").status_code == 403
    client.force_login(other_manager.user)
    assert client.post(f"/staff/invitations/{pk}/revoke/").status_code == 404
    assert client.post(f"/staff/invitations/{pk}/resend/").status_code == 404
    assert Invitation.objects.get().status == "pending"


def test_the_admin_lists_invitations_without_the_secret_part_of_the_link(invite, client):
    from tests.factories import UserFactory

    invite("sam@clinic.example")
    invitation = Invitation.objects.get()
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert b"sam@clinic.example" in client.get("/admin/clinic/invitation/").content
    page = client.get(f"/admin/clinic/invitation/{invitation.pk}/change/")
    assert page.status_code == 200
    assert invitation.nonce.encode() not in page.content
