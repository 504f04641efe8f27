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
