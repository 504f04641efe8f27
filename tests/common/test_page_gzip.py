"""Pages are compressed; API answers and pages reached by a secret link are not (BREACH)."""

from __future__ import annotations

import gzip

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory

from common.middleware import PageGZipMiddleware

BODY = "<!doctype html><title>Day</title>" + "<tr><td>09:00</td><td>Amelia</td></tr>" * 400


def answer(path: str, response: HttpResponse) -> HttpResponse:
    request = RequestFactory().get(path, HTTP_ACCEPT_ENCODING="gzip, br")
    return PageGZipMiddleware(lambda r: response)(request)


def test_an_html_page_is_compressed():
    response = answer("/calendar/", HttpResponse(BODY))
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content).decode() == BODY
    assert len(response.content) < len(BODY) / 5
    assert "Accept-Encoding" in response["Vary"]


def test_api_json_is_not_compressed():
    response = answer("/api/clients/", JsonResponse({"results": [BODY]}))
    assert not response.has_header("Content-Encoding")


@pytest.mark.parametrize(
    "path",
    [
        "/api/docs/",
        "/account/set-password/MQ/set-password/",
        "/invitations/abc.def/",
        "/aftercare/abc.def/",
        "/aftercare/unsubscribe/abc.def/",
    ],
)
def test_pages_reached_by_a_secret_link_are_not_compressed(path):
    response = answer(path, HttpResponse(BODY))
    assert not response.has_header("Content-Encoding")


def test_a_client_that_does_not_accept_gzip_gets_plain_html():
    request = RequestFactory().get("/calendar/")
    response = PageGZipMiddleware(lambda r: HttpResponse(BODY))(request)
    assert not response.has_header("Content-Encoding")
