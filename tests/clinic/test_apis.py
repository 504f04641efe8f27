"""The clients, staff and token API, checked against the API contract."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from knox.models import AuthToken

from clinic.models import Client, Membership, Role
from common.models import AuditEvent
from tests.factories import PASSWORD, ClientFactory

pytestmark = pytest.mark.django_db

VALID_CLIENT = {
    "first_name": "Priya",
    "last_name": "Raman",
    "date_of_birth": "1994-09-03",
    "email": "priya@mail.example",
    "phone": "+44 7700 900456",
    "fitzpatrick_type": 4,
    "skin_concerns": ["acne_scars"],
    "timezone": "Europe/London",
    "email_consent": True,
}


# --- token authentication ---------------------------------------------------


def test_token_for_email_and_password_authenticates_later_requests(api, reception):
    anonymous = api()
    response = anonymous.post(
        "/api/auth/token/", {"email": reception.user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/clients/").status_code == 200


def test_wrong_password_is_a_400_with_the_error_shape(api, reception):
    response = api().post("/api/auth/token/", {"email": reception.user.email, "password": "no"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_credentials",
        "detail": "Unable to sign in with that e-mail address and password.",
    }


def test_token_request_without_fields_names_each_missing_field(api, db):
    response = api().post("/api/auth/token/", {})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"email", "password"}


def test_malformed_json_is_a_400_not_a_500(api, reception):
    response = api(reception).post(
        "/api/clients/", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_no_token_is_401_and_bad_token_is_401(api, db):
    assert api().get("/api/clients/").status_code == 401
    bad = api()
    bad.credentials(HTTP_AUTHORIZATION="Token 0000")
    response = bad.get("/api/clients/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def _sign_in(api, who) -> dict:
    response = api().post("/api/auth/token/", {"email": who.user.email, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    return response.json()


def _with_token(api, token: str):
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_each_sign_in_issues_a_new_token_that_expires_after_a_working_day(api, reception):
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        first = _sign_in(api, reception)
        second = _sign_in(api, reception)
    assert first["token"] != second["token"]
    assert first["expiry"].startswith("2026-03-02T18:00:00")
    with time_machine.travel("2026-03-02 17:59:00+00:00", tick=False):
        assert _with_token(api, first["token"]).get("/api/clients/").status_code == 200
    with time_machine.travel("2026-03-02 18:01:00+00:00", tick=False):
        assert _with_token(api, first["token"]).get("/api/clients/").status_code == 401


def test_the_token_lifetime_is_a_setting(api, reception, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=2)}
    with time_machine.travel("2026-03-02 08:00:00+00:00", tick=False):
        token = _sign_in(api, reception)
    assert token["expiry"].startswith("2026-03-02T10:00:00")


def test_tokens_are_stored_only_as_a_hash(api, reception):
    token = _sign_in(api, reception)["token"]
    stored = AuthToken.objects.get(user=reception.user)
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.token_key) < len(token)


def test_logout_revokes_the_token_used_and_no_other(api, reception):
    first = _sign_in(api, reception)["token"]
    second = _sign_in(api, reception)["token"]
    assert _with_token(api, first).post("/api/auth/logout/").status_code == 204
    assert _with_token(api, first).get("/api/clients/").status_code == 401
    assert _with_token(api, second).get("/api/clients/").status_code == 200


def test_logout_all_revokes_every_token_of_the_account(api, reception, practitioner):
    first = _sign_in(api, reception)["token"]
    second = _sign_in(api, reception)["token"]
    colleague = _sign_in(api, practitioner)["token"]
    assert _with_token(api, first).post("/api/auth/logout-all/").status_code == 204
    assert _with_token(api, first).get("/api/clients/").status_code == 401
    assert _with_token(api, second).get("/api/clients/").status_code == 401
    assert _with_token(api, colleague).get("/api/clients/").status_code == 200


def test_a_new_password_revokes_every_api_token(api, reception):
    token = _sign_in(api, reception)["token"]
    reception.user.set_password("a-brand-new-passphrase-2026")
    reception.user.save()
    assert _with_token(api, token).get("/api/clients/").status_code == 401


def test_signing_in_again_does_not_revoke_earlier_tokens(api, reception):
    token = _sign_in(api, reception)["token"]
    reception.user.refresh_from_db()
    reception.user.save()  # saved without a new password
    assert _with_token(api, token).get("/api/clients/").status_code == 200


def test_deactivating_a_staff_member_revokes_their_tokens(api, manager, reception):
    token = _sign_in(api, reception)["token"]
    response = api(manager).patch(f"/api/staff/{reception.membership.pk}/", {"is_active": False})
    assert response.status_code == 200
    assert not AuthToken.objects.filter(user=reception.user).exists()
    assert _with_token(api, token).get("/api/clients/").status_code == 401


def test_a_role_change_keeps_the_tokens(api, manager, reception):
    token = _sign_in(api, reception)["token"]
    api(manager).patch(f"/api/staff/{reception.membership.pk}/", {"role": "practitioner"})
    assert _with_token(api, token).get("/api/clients/").status_code == 200


def test_user_without_a_clinic_is_refused(api, db):
    from tests.factories import UserFactory

    response = api(UserFactory()).get("/api/clients/")
    assert response.status_code == 403


# --- clients ----------------------------------------------------------------


@pytest.mark.parametrize("persona", ["reception", "practitioner", "manager"])
def test_every_staff_role_may_create_read_and_edit_clients(api, request, persona):
    who = request.getfixturevalue(persona)
    client = api(who)
    created = client.post("/api/clients/", VALID_CLIENT)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["full_name"] == "Priya Raman"
    assert body["fitzpatrick_type"] == 4
    assert Client.objects.get(pk=body["id"]).clinic == who.clinic

    read = client.get(f"/api/clients/{body['id']}/")
    assert read.status_code == 200
    assert read.json()["email"] == "priya@mail.example"

    edited = client.patch(f"/api/clients/{body['id']}/", {"phone": "+44 7700 900999"})
    assert edited.status_code == 200
    assert Client.objects.get(pk=body["id"]).phone == "+44 7700 900999"


def test_list_is_paginated_and_searchable(api, reception, clinic):
    for n in range(30):
        ClientFactory(clinic=clinic, last_name=f"Person{n:02d}", first_name="Sam")
    ClientFactory(clinic=clinic, first_name="Unique", last_name="Zebedee", email="z@x.example")
    client = api(reception)

    page = client.get("/api/clients/").json()
    assert page["count"] == 31
    assert len(page["results"]) == 25
    assert page["next"] and page["previous"] is None

    big = client.get("/api/clients/?page_size=500").json()
    assert len(big["results"]) == 31  # capped at 200, all fit

    found = client.get("/api/clients/?search=zebedee").json()
    assert [r["last_name"] for r in found["results"]] == ["Zebedee"]
    assert client.get("/api/clients/?search=z@x.example").json()["count"] == 1
    assert client.get("/api/clients/?search=unique zeb").json()["count"] == 1


def test_page_size_is_capped_at_200(api, reception, clinic):
    ClientFactory.create_batch(205, clinic=clinic)
    page = api(reception).get("/api/clients/?page_size=1000").json()
    assert len(page["results"]) == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("fitzpatrick_type", 7),
        ("fitzpatrick_type", 0),
        ("fitzpatrick_type", "IV"),
        ("date_of_birth", "not-a-date"),
        ("date_of_birth", "2999-01-01"),
        ("email", "not-an-email"),
        ("timezone", "Mars/Olympus"),
        ("skin_concerns", ["wrinkles_of_doom"]),
        ("skin_concerns", "acne_scars"),
        ("email_consent", "maybe"),
        ("first_name", ""),
    ],
)
def test_bad_client_input_is_a_400_naming_the_field(api, reception, field, value):
    response = api(reception).post("/api/clients/", {**VALID_CLIENT, field: value})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]
    assert field in body["fields"], body
    assert all(isinstance(m, str) for m in body["fields"][field])
    assert not Client.objects.exists()


def test_missing_required_fields_are_listed(api, reception):
    response = api(reception).post("/api/clients/", {})
    assert response.status_code == 400
    assert {"first_name", "last_name", "date_of_birth"} <= set(response.json()["fields"])


def test_email_consent_without_email_is_refused(api, reception):
    response = api(reception).post(
        "/api/clients/", {**VALID_CLIENT, "email": "", "email_consent": True}
    )
    assert response.status_code == 400
    assert "email" in response.json()["fields"]


def test_bad_patch_keeps_what_was_saved(api, reception, client_record):
    before = client_record.phone
    response = api(reception).patch(
        f"/api/clients/{client_record.pk}/", {"phone": "+1 555", "fitzpatrick_type": 9}
    )
    assert response.status_code == 400
    client_record.refresh_from_db()
    assert client_record.phone == before


def test_put_and_delete_are_not_offered(api, reception, client_record):
    client = api(reception)
    assert client.put(f"/api/clients/{client_record.pk}/", VALID_CLIENT).status_code == 405
    assert client.delete(f"/api/clients/{client_record.pk}/").status_code == 405


# --- clinic isolation -------------------------------------------------------


def test_another_clinics_client_is_404_on_every_client_endpoint(
    api, reception, other_client_record
):
    client = api(reception)
    url = f"/api/clients/{other_client_record.pk}/"
    for response in (client.get(url), client.patch(url, {"phone": "1"})):
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "detail": "No such client."}
    listed = client.get("/api/clients/").json()
    assert other_client_record.pk not in [r["id"] for r in listed["results"]]
    assert client.get(f"/api/clients/?search={other_client_record.last_name}").json()["count"] == 0
    other_client_record.refresh_from_db()
    assert other_client_record.phone != "1"


def test_unknown_and_non_numeric_ids_are_404(api, reception):
    client = api(reception)
    assert client.get("/api/clients/999999/").status_code == 404
    assert client.get("/api/clients/abc/").status_code == 404


def test_x_clinic_header_selects_among_the_users_clinics(api, reception, other_clinic):
    Membership.objects.create(user=reception.user, clinic=other_clinic, role=Role.RECEPTION)
    elsewhere = ClientFactory(clinic=other_clinic)
    client = api(reception)
    assert client.get(f"/api/clients/{elsewhere.pk}/").status_code == 404
    response = client.get(f"/api/clients/{elsewhere.pk}/", HTTP_X_CLINIC=str(other_clinic.pk))
    assert response.status_code == 200


def test_x_clinic_header_naming_a_foreign_clinic_gives_no_access(
    api, reception, other_client_record
):
    response = api(reception).get(
        f"/api/clients/{other_client_record.pk}/",
        HTTP_X_CLINIC=str(other_client_record.clinic_id),
    )
    assert response.status_code == 404


# --- audit ------------------------------------------------------------------


def test_reading_a_client_writes_an_audit_event(api, reception, client_record):
    api(reception).get(f"/api/clients/{client_record.pk}/", HTTP_USER_AGENT="pytest-agent")
    event = AuditEvent.objects.get(action="read", client_id=client_record.pk)
    assert event.actor == reception.user
    assert event.actor_email == reception.user.email
    assert event.clinic_id == client_record.clinic_id
    assert event.object_type == "client"
    assert event.channel == "api"
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == "pytest-agent"
    assert event.path == f"/api/clients/{client_record.pk}/"


def test_creating_and_updating_a_client_are_audited_with_field_names_only(api, reception):
    client = api(reception)
    created = client.post("/api/clients/", VALID_CLIENT).json()
    client.patch(f"/api/clients/{created['id']}/", {"notes": "Prefers mornings"})
    create = AuditEvent.objects.get(action="create", client_id=created["id"])
    update = AuditEvent.objects.get(action="update", client_id=created["id"])
    assert "first_name" in create.detail["fields"]
    assert update.detail == {"fields": ["notes"]}
    assert "Prefers mornings" not in str(update.detail)


def test_listing_clients_is_audited(api, reception, client_record):
    api(reception).get("/api/clients/?search=amelia")
    event = AuditEvent.objects.get(action="list", object_type="client")
    assert event.detail == {"search": True, "results": 1}
    assert event.client_id == client_record.pk


def test_refused_reads_write_a_denied_event_and_no_allowed_read(
    api, reception, other_client_record
):
    api(reception).get(f"/api/clients/{other_client_record.pk}/")
    assert not AuditEvent.objects.filter(action="read", outcome="allowed").exists()
    denied = AuditEvent.objects.get(outcome="denied")
    assert (denied.object_type, denied.object_id) == ("client", str(other_client_record.pk))
    assert denied.client_id is None  # another clinic's client is not tied to this trail


# --- staff (managers only) --------------------------------------------------


@pytest.mark.parametrize("persona", ["reception", "practitioner"])
def test_only_managers_manage_staff(api, request, persona):
    who = request.getfixturevalue(persona)
    client = api(who)
    assert client.get("/api/staff/").status_code == 403
    response = client.post(
        "/api/staff/", {"email": "new@clinic.example", "full_name": "New", "role": "reception"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_adding_existing_staff_twice_is_a_409(api, manager, reception):
    response = api(manager).post(
        "/api/staff/",
        {"email": reception.user.email, "full_name": "x", "role": "reception"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "already_staff"


def test_manager_changes_a_role_but_not_another_clinics_staff(
    api, manager, reception, other_manager
):
    client = api(manager)
    response = client.patch(f"/api/staff/{reception.membership.pk}/", {"role": "practitioner"})
    assert response.status_code == 200
    assert response.json()["role"] == "practitioner"
    assert (
        client.patch(
            f"/api/staff/{other_manager.membership.pk}/", {"role": "reception"}
        ).status_code
        == 404
    )


def test_the_last_manager_cannot_be_demoted(api, manager):
    response = api(manager).patch(f"/api/staff/{manager.membership.pk}/", {"role": "reception"})
    assert response.status_code == 409
    assert response.json()["code"] == "last_manager"


def test_invalid_role_is_a_400(api, manager):
    response = api(manager).post(
        "/api/staff/", {"email": "a@b.example", "full_name": "A", "role": "surgeon"}
    )
    assert response.status_code == 400
    assert "role" in response.json()["fields"]


# --- schema and docs --------------------------------------------------------


def test_schema_and_docs_are_published(api, db):
    schema = api().get("/api/schema/?format=json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/api/auth/token/", "/api/clients/", "/api/clients/{id}/"} <= set(paths)
    docs = api().get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()


def test_ids_beyond_64_bits_are_404_not_500(api, reception):
    huge = 2**70
    assert api(reception).get(f"/api/clients/{huge}/").status_code == 404
    response = api(reception).get(f"/api/appointments/?client={huge}")
    assert response.status_code == 400
    assert "client" in response.json()["fields"]


def test_a_body_too_large_is_a_json_400(api, reception, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = api(reception)
    client.raise_request_exception = False
    response = client.post(
        "/api/clients/",
        '{"first_name": "' + "x" * 5000 + '"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "request_too_large"
