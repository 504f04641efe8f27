"""Bad input never answers 500 (decision 0009): NUL characters, non-finite numbers,
constraint violations caused by input, and errors under /api/ in the API's format."""

from __future__ import annotations

import pytest

from clinic.models import Client
from treatments.screening.models import RuleSet

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "Null characters are not allowed."


# --- NUL characters -------------------------------------------------------------------


def test_api_search_with_nul_is_a_400_naming_the_parameter(api, reception, client_record):
    response = api(reception).get("/api/clients/", {"search": "Hu\x00ghes"})

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "The request has invalid fields.",
        "fields": {"search": [NUL_MESSAGE]},
    }


def test_api_nul_in_a_query_parameter_name_is_refused_too(api, reception):
    response = api(reception).get("/api/clients/?se%00arch=x")

    assert response.status_code == 400
    assert response.json()["fields"] == {"se\\u0000arch": [NUL_MESSAGE]}


@pytest.mark.parametrize("page", ["/", "/clients/", "/appointments/", "/recalls/"])
def test_the_client_search_with_nul_on_any_page_is_a_400_page(web, reception, page):
    response = web(reception).get(page, {"q": "Hughes\x00"})

    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert b"null character" in response.content
    assert b"(q)" in response.content


def test_a_page_form_field_with_nul_is_refused_and_nothing_is_saved(web, reception):
    response = web(reception).post(
        "/clients/new/",
        {"first_name": "Ada", "last_name": "Love\x00lace", "date_of_birth": "1990-01-01"},
    )

    assert response.status_code == 400
    assert b"last_name" in response.content
    assert not Client.objects.filter(first_name="Ada").exists()


def test_nul_in_the_path_is_a_400(api, reception):
    response = api(reception).get("/api/clients/1%00/")

    assert response.status_code == 400
    assert response.json()["fields"] == {"path": [NUL_MESSAGE]}


def test_nul_escaped_in_a_json_string_is_a_400_naming_where_it_is(api, reception):
    response = api(reception).post(
        "/api/clients/",
        {"first_name": "Ada", "last_name": "Lovelace", "skin_concerns": ["acne\x00"]},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"skin_concerns.0": [NUL_MESSAGE]}


def test_nul_deep_in_free_form_json_such_as_rule_set_data_is_a_400(api, manager):
    before = RuleSet.objects.count()
    data = {"rules": [{"code": "x", "explanation": "bad\x00"}], "questions": []}

    response = api(manager).post(
        "/api/screening/rule-sets/", {"data": data, "note": "try"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"data.rules.0.explanation": [NUL_MESSAGE]}
    assert RuleSet.objects.count() == before


def test_nul_in_a_json_key_is_a_400(api, reception, client_record):
    response = api(reception).post(
        "/api/screenings/evaluate/",
        {"client": client_record.pk, "answers": {"preg\x00nant": True}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["fields"] == {"answers.preg\\u0000nant": [NUL_MESSAGE]}


# --- Errors under /api/ are JSON, DEBUG or not ----------------------------------------


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


@pytest.mark.parametrize("path", ["/api/nothing-here/", "/api/clients/abc/", "/api/x"])
def test_unroutable_api_paths_answer_json_under_debug(debug, api, reception, path):
    response = api(reception).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_a_crash_in_an_api_view_answers_json_under_debug(debug, api, reception, monkeypatch):
    from clinic import selectors

    def crash(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "client_list", crash)
    client = api(reception)
    client.raise_request_exception = False

    response = client.get("/api/clients/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "server_error",
        "detail": "Something went wrong; it was recorded.",
    }
    assert b"boom" not in response.content


def test_a_post_without_the_trailing_slash_answers_json_under_debug(debug, api, reception):
    client = api(reception)
    client.raise_request_exception = False

    response = client.post("/api/clients", {}, format="json")

    assert response.status_code >= 400
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"code", "detail"}


def test_pages_keep_their_html_error_pages(web, reception):
    response = web(reception).get("/no-such-page/")

    assert response.status_code == 404
    assert "text/html" in response["Content-Type"]


# --- Constraint violations caused by input: mapped in one place ------------------------


def _integrity_error(save):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        save()
    return caught.value


def test_a_unique_constraint_names_its_field_with_its_own_message(clinic):
    from clinic.booking.models import ROOM_NAME_TAKEN, Room
    from common.integrity import constraint_refusal

    Room.objects.create(clinic=clinic, name="Room 1")
    exc = _integrity_error(lambda: Room.objects.create(clinic=clinic, name="room 1"))

    refusal = constraint_refusal(exc)

    assert refusal is not None
    assert refusal.status_code == 400
    assert refusal.fields == {"name": [ROOM_NAME_TAKEN]}


def test_a_unique_column_names_its_field(clinic):
    from clinic.models import User
    from common.integrity import constraint_refusal

    User.objects.create_user("ada@example.com", "a-long-password-1")
    exc = _integrity_error(lambda: User.objects.create(email="ada@example.com"))

    refusal = constraint_refusal(exc)

    assert refusal is not None
    assert list(refusal.fields) == ["email"]
    assert refusal.fields["email"][0].endswith("with this e-mail address already exists.")


def test_a_check_constraint_is_a_400_not_a_500(clinic, practitioner):
    from datetime import time

    from clinic.booking.models import WorkingHours
    from common.integrity import constraint_refusal
    from tests.factories import practitioner_for

    profile = practitioner_for(practitioner.membership)
    exc = _integrity_error(
        lambda: WorkingHours.objects.create(
            practitioner=profile, weekday=1, start=time(12), end=time(9)
        )
    )

    refusal = constraint_refusal(exc)

    assert refusal is not None
    assert refusal.status_code == 400
    assert set(refusal.fields or {}) <= {"start", "end"}


@pytest.fixture
def no_precheck(monkeypatch):
    """The room service without its own duplicate check: as when two managers save the same
    name at the same moment, only the database notices."""
    from clinic.booking import resource_services

    def save_only(obj, **kwargs):
        obj.save()

    monkeypatch.setattr(resource_services, "_save_unique", save_only)


def test_api_patch_to_a_name_already_used_is_a_400_naming_the_field(
    api, manager, clinic, no_precheck
):
    from clinic.booking.models import ROOM_NAME_TAKEN, Room

    Room.objects.create(clinic=clinic, name="Room 1")
    second = Room.objects.create(clinic=clinic, name="Room 2")

    response = api(manager).patch(f"/api/rooms/{second.pk}/", {"name": "ROOM 1"}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": ROOM_NAME_TAKEN,
        "fields": {"name": [ROOM_NAME_TAKEN]},
    }
    second.refresh_from_db()
    assert second.name == "Room 2"


def test_a_page_save_the_database_refuses_is_a_page_naming_the_field(
    web, manager, clinic, no_precheck
):
    from clinic.booking.models import ROOM_NAME_TAKEN, Room

    Room.objects.create(clinic=clinic, name="Room 1")
    second = Room.objects.create(clinic=clinic, name="Room 2")
    client = web(manager)
    client.raise_request_exception = False

    response = client.post(
        f"/settings/resources/rooms/{second.pk}/", {"name": "Room 1", "is_active": "on"}
    )

    assert response.status_code == 400
    assert "text/html" in response["Content-Type"]
    assert ROOM_NAME_TAKEN.encode() in response.content
    assert b"Nothing was saved" in response.content
    second.refresh_from_db()
    assert second.name == "Room 2"


# --- Another clinic's id answers exactly like a missing one ----------------------------


@pytest.fixture
def booking_scene(clinic, practitioner, client_record, other_client_record):
    from datetime import UTC, datetime

    from tests.factories import DeviceFactory, RoomFactory, plan_for

    profile = practitioner_for_scene(practitioner)
    room, device = RoomFactory(clinic=clinic), DeviceFactory(clinic=clinic)
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # a Monday
    theirs = plan_for(other_client_record)
    return {
        "client": client_record.pk,
        "practitioner": profile.pk,
        "room": room.pk,
        "device": device.pk,
        "start": start.isoformat(),
        "end": start.replace(hour=11).isoformat(),
        "kind": "consultation",
        "other_plan": theirs.pk,
        "missing_plan": theirs.pk + 1000,
    }


def practitioner_for_scene(persona):
    from tests.factories import practitioner_for

    return practitioner_for(persona.membership)


def _without(scene, *names):
    return {k: v for k, v in scene.items() if k not in names}


def test_booking_with_another_clinics_plan_answers_like_a_missing_plan(
    api, reception, booking_scene
):
    body = _without(booking_scene, "other_plan", "missing_plan")
    client = api(reception)

    theirs = client.post(
        "/api/appointments/", {**body, "treatment_plan": booking_scene["other_plan"]}
    )
    nobodys = client.post(
        "/api/appointments/", {**body, "treatment_plan": booking_scene["missing_plan"]}
    )

    assert theirs.status_code == nobodys.status_code == 400
    assert theirs.json() == nobodys.json()
    assert theirs.json()["fields"] == {
        "treatment_plan": ["No such treatment plan for Amelia Hughes."]
    }


def test_rescheduling_onto_another_clinics_plan_answers_like_a_missing_plan(
    api, reception, booking_scene
):
    body = _without(booking_scene, "other_plan", "missing_plan")
    client = api(reception)
    booked = client.post("/api/appointments/", body)
    assert booked.status_code == 201, booked.json()
    url = f"/api/appointments/{booked.json()['id']}/"

    theirs = client.patch(url, {"treatment_plan": booking_scene["other_plan"]})
    nobodys = client.patch(url, {"treatment_plan": booking_scene["missing_plan"]})

    assert theirs.status_code == nobodys.status_code == 400
    assert theirs.json() == nobodys.json()
    assert theirs.json()["fields"] == {
        "treatment_plan": ["No such treatment plan for Amelia Hughes."]
    }
