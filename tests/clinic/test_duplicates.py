"""A second client with the same name and date of birth, or the same e-mail, is a
possible duplicate: staff are warned with a link to the existing record and must confirm
"this is a different person" (page and API); the demo seeding copes with look-alikes."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from clinic.models import Client
from common.models import AuditEvent
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def new_client(**overrides):
    return {
        "first_name": "Amelia",
        "last_name": "Hughes",
        "date_of_birth": "1990-05-17",
        "email": "amelia.new@mail.example",
        **overrides,
    }


def test_api_refuses_the_same_name_and_date_of_birth_naming_the_existing_client(
    api, reception, client_record
):
    response = api(reception).post(
        "/api/clients/", new_client(first_name=" amelia", last_name="HUGHES"), format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "possible_duplicate"
    assert body["duplicate"] == client_record.pk
    assert body["duplicates"] == [
        {"id": client_record.pk, "full_name": "Amelia Hughes", "match": "name_and_birth"}
    ]
    assert "Amelia Hughes (born 17 May 1990) is already a client" in body["detail"]
    assert Client.objects.count() == 1


def test_api_refuses_the_same_email(api, reception, client_record):
    response = api(reception).post(
        "/api/clients/",
        new_client(
            first_name="Lena", date_of_birth="1985-01-01", email="AMELIA.hughes@mail.example"
        ),
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["duplicates"][0]["match"] == "email"


def test_api_adds_the_client_once_confirmed_a_different_person(api, reception, client_record):
    response = api(reception).post(
        "/api/clients/", {**new_client(), "confirm_different_person": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert "confirm_different_person" not in response.json()
    assert Client.objects.filter(first_name="Amelia", last_name="Hughes").count() == 2
    event = AuditEvent.objects.filter(action="create", object_type="client").latest("id")
    assert event.detail["confirmed_different_person"] is True


def test_another_clinics_client_and_a_different_birthday_are_no_duplicate(
    api, reception, client_record, other_clinic
):
    ClientFactory(clinic=other_clinic, first_name="Lena", last_name="Fischer", email="l@x.example")
    other = api(reception).post(
        "/api/clients/",
        new_client(first_name="Lena", last_name="Fischer", email="l@x.example"),
        format="json",
    )
    assert other.status_code == 201, other.json()
    twin = api(reception).post(
        "/api/clients/", new_client(date_of_birth="1990-05-18", email=""), format="json"
    )
    assert twin.status_code == 201, twin.json()


def test_editing_a_client_is_not_held_up_by_its_own_record(api, reception, client_record):
    response = api(reception).patch(
        f"/api/clients/{client_record.pk}/", {"phone": "+44 7700 900999"}, format="json"
    )
    assert response.status_code == 200


def form(**overrides):
    return {
        "first_name": "Amelia",
        "last_name": "Hughes",
        "date_of_birth": "1990-05-17",
        "email": "",
        "phone": "",
        "timezone": "",
        "notes": "",
        **overrides,
    }


def test_the_page_warns_with_a_link_and_asks_to_confirm(web, reception, client_record):
    browser = web(reception)
    response = browser.post("/clients/new/", form())
    assert response.status_code == 409
    content = response.content.decode()
    assert "data-duplicates" in content
    assert f'href="/clients/{client_record.pk}/"' in content
    assert 'name="confirm_different_person"' in content
    assert "tick this box if this is a different person" in content
    assert Client.objects.count() == 1

    confirmed = browser.post("/clients/new/", form(confirm_different_person="on"))
    assert confirmed.status_code == 302
    assert Client.objects.count() == 2


def test_the_new_client_page_shows_no_confirmation_until_needed(web, reception):
    content = web(reception).get("/clients/new/").content.decode()
    assert 'name="confirm_different_person"' not in content


def test_demo_seeding_starts_whatever_look_alikes_staff_added():
    call_command("seed_demo", verbosity=0)
    amelia = Client.objects.get(first_name="Amelia", last_name="Hughes")
    # Staff add a second Amelia Hughes (a different person, same birthday) and a twin clinic.
    Client.objects.create(
        clinic=amelia.clinic,
        first_name="Amelia",
        last_name="Hughes",
        date_of_birth=amelia.date_of_birth,
        email="another.amelia@mail.example",
    )
    Client.objects.create(
        clinic=amelia.clinic, first_name="priya", last_name="raman", date_of_birth=date(1994, 9, 3)
    )
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert Client.objects.filter(first_name="Amelia", last_name="Hughes").count() == 2
    assert amelia.treatment_plans.count() == 1
