"""The staff web UI for clients and staff."""

from __future__ import annotations

import pytest
from django.conf import settings

from clinic.models import Client
from common.models import AuditEvent
from tests.factories import PASSWORD, ClientFactory

pytestmark = pytest.mark.django_db


def test_login_by_email_and_logout(client, reception):
    page = client.get("/login/")
    assert page.status_code == 200
    assert b'autocomplete="email"' in page.content
    response = client.post(
        "/login/", {"username": reception.user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_shows_a_form_error(client, reception):
    response = client.post("/login/", {"username": reception.user.email, "password": "wrong"})
    assert response.status_code == 200
    assert b"do not match an account" in response.content


def test_pages_need_a_login(client, client_record):
    for url in ("/", "/clients/", f"/clients/{client_record.pk}/", "/clients/new/", "/staff/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_dashboard_lists_recent_clients(web, reception, client_record):
    page = web(reception).get("/")
    assert page.status_code == 200
    assert b"Amelia Hughes" in page.content


def test_client_list_searches_and_paginates(web, reception, clinic):
    ClientFactory.create_batch(30, clinic=clinic, last_name="Smith")
    ClientFactory(clinic=clinic, first_name="Ada", last_name="Lovelace")
    browser = web(reception)
    page = browser.get("/clients/")
    assert b"31 clients" in page.content
    assert b"Page 1 of 2" in page.content
    found = browser.get("/clients/?q=lovelace")
    assert b"Lovelace, Ada" in found.content
    assert b"Smith, " not in found.content  # no row of the 30 others
    assert browser.get("/clients/?page=999").status_code == 200  # last page, not an error


def test_create_client_through_the_form(web, reception):
    response = web(reception).post(
        "/clients/new/",
        {
            "first_name": "Chloe",
            "last_name": "Martin",
            "date_of_birth": "2001-06-30",
            "email": "chloe@mail.example",
            "phone": "",
            "email_consent": "on",
            "fitzpatrick_type": "1",
            "skin_concerns": ["hyperpigmentation_melasma"],
            "timezone": "",
            "notes": "",
        },
    )
    client = Client.objects.get(last_name="Martin")
    assert response.status_code == 302
    assert response["Location"] == f"/clients/{client.pk}/"
    assert client.clinic == reception.clinic
    assert client.skin_concerns == ["hyperpigmentation_melasma"]
    assert AuditEvent.objects.filter(action="create", client_id=client.pk, channel="web").exists()


def test_invalid_form_shows_field_errors_and_saves_nothing(web, reception):
    response = web(reception).post(
        "/clients/new/",
        {
            "first_name": "",
            "last_name": "X",
            "date_of_birth": "2999-01-01",
            "email": "",
            "email_consent": "on",
            "timezone": "Nowhere/Land",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert "cannot be in the future" in html
    assert "Not a known time zone" in html
    assert "untick e-mail consent" in html
    assert 'role="alert"' in html
    assert not Client.objects.exists()


def test_edit_keeps_saved_data_when_input_is_invalid(web, reception, client_record):
    browser = web(reception)
    response = browser.post(
        f"/clients/{client_record.pk}/edit/",
        {
            "first_name": "Changed",
            "last_name": client_record.last_name,
            "date_of_birth": "nonsense",
        },
    )
    assert response.status_code == 400
    client_record.refresh_from_db()
    assert client_record.first_name == "Amelia"


def test_edit_saves_and_audits(web, reception, client_record):
    browser = web(reception)
    response = browser.post(
        f"/clients/{client_record.pk}/edit/",
        {
            "first_name": "Amelia",
            "last_name": "Hughes-Brown",
            "date_of_birth": "1990-05-17",
            "email": client_record.email,
            "phone": "",
            "fitzpatrick_type": "2",
            "skin_concerns": ["fine_lines_wrinkles"],
            "timezone": "America/New_York",
            "notes": "",
        },
    )
    assert response.status_code == 302
    client_record.refresh_from_db()
    assert client_record.last_name == "Hughes-Brown"
    assert client_record.timezone == "America/New_York"
    event = AuditEvent.objects.get(action="update", client_id=client_record.pk)
    assert set(event.detail["fields"]) >= {"last_name", "timezone"}


def test_client_detail_is_audited(web, reception, client_record):
    page = web(reception).get(f"/clients/{client_record.pk}/")
    assert page.status_code == 200
    assert b"Amelia Hughes" in page.content
    event = AuditEvent.objects.get(action="read", client_id=client_record.pk)
    assert event.channel == "web"
    assert event.actor == reception.user


def test_another_clinics_client_is_404_on_every_page(web, reception, other_client_record):
    browser = web(reception)
    pk = other_client_record.pk
    assert browser.get(f"/clients/{pk}/").status_code == 404
    assert browser.get(f"/clients/{pk}/edit/").status_code == 404
    assert browser.post(f"/clients/{pk}/edit/", {"first_name": "x"}).status_code == 404
    found = browser.get("/clients/?q=kim").content
    # the other clinic's client is not listed (staff names, made up at random, may say Kim)
    assert f"/clients/{pk}/".encode() not in found
    assert b"Grace Kim" not in found and b"Kim, Grace" not in found
    other_client_record.refresh_from_db()
    assert other_client_record.first_name == "Grace"


def test_staff_page_is_for_managers_only(web, reception, manager):
    assert web(reception).get("/staff/").status_code == 403


def test_manager_sees_the_staff_and_invites_a_person(
    client, manager, reception, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(manager.user)
    page = client.get("/staff/")
    assert page.status_code == 200
    assert reception.user.email.encode() in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/", {"email": "sam@clinic.example", "role": "reception"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = mailoutbox[0].body.split(settings.SITE_URL, 1)[1].split()[0]
    client.logout()
    assert b"Join Harbour Skin Clinic" in client.get(link).content
    client.force_login(manager.user)
    duplicate = client.post("/staff/", {"email": reception.user.email, "role": "reception"})
    assert duplicate.status_code == 400
    assert b"already on the staff" in duplicate.content


def test_nav_shows_staff_link_only_to_managers(web, reception, manager, client):
    assert b'href="/staff/"' not in web(reception).get("/").content
    client.force_login(manager.user)
    assert b'href="/staff/"' in client.get("/").content


def test_the_client_list_finds_a_client_by_the_name_as_the_list_shows_it(
    web, reception, client_record
):
    # the list shows "Hughes, Amelia"; typing it back finds her
    for query in ("Hughes, Amelia", "hughes,amelia", "Amelia Hughes", " Hughes ,"):
        page = web(reception).get("/clients/", {"q": query})
        assert page.status_code == 200
        assert f"/clients/{client_record.pk}/".encode() in page.content, query


def test_the_dashboard_greets_a_doctor_by_first_name(web, practitioner):
    practitioner.user.full_name = "Dr Lena Fischer"
    practitioner.user.save()
    page = web(practitioner).get("/")
    assert b"Good to see you, Lena" in page.content
    assert b"Good to see you, Dr" not in page.content
