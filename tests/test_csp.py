"""The Content-Security-Policy header: present and strict on pages and the API (decision 0011)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, practitioner_for

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    policy: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0] not in policy, f"{words[0]} twice in {header}"
            policy[words[0]] = words[1:]
    return policy


def assert_strict(policy: dict[str, list[str]]) -> None:
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["font-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    # Styles: our files, and a style element only with this answer's nonce.
    assert policy["style-src"][0] == "'self'"
    assert all(re.fullmatch(r"'nonce-[A-Za-z0-9+/=]+'", s) for s in policy["style-src"][1:])
    for sources in policy.values():
        for source in sources:
            assert source not in ("'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:")
            assert "://" not in source, f"third-party origin {source}"


def test_the_login_page_has_a_strict_policy(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_strict(directives(response))


@pytest.mark.parametrize("name", ["dashboard", "client-list", "calendar", "consent-text-list"])
def test_staff_pages_have_a_strict_policy(web, reception, name):
    response = web(reception).get(reverse(name))
    assert response.status_code == 200
    assert_strict(directives(response))


def test_a_page_without_a_style_element_gets_no_nonce(web, reception):
    policy = directives(web(reception).get(reverse("client-list")))
    assert policy["style-src"] == ["'self'"]


def test_the_calendar_styles_carry_the_nonce_of_its_header(web, reception, practitioner):
    practitioner_for(practitioner.membership)
    response = web(reception).get(reverse("calendar"))
    policy = directives(response)
    nonces = [s for s in policy["style-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    html = response.content.decode()
    assert f'<style nonce="{nonce}">' in html
    assert "style=" not in html.replace(f'<style nonce="{nonce}">', "")


def test_error_pages_have_a_strict_policy(web, reception):
    response = web(reception).get("/clients/999999/")
    assert response.status_code == 404
    assert_strict(directives(response))


def test_the_api_has_a_strict_policy(api, reception, client):
    response = api(reception).get("/api/clients/")
    assert response.status_code == 200
    assert_strict(directives(response))
    token = client.post(
        "/api/auth/token/",
        {"email": reception.user.email, "password": PASSWORD},
        content_type="application/json",
    )
    assert token.status_code == 200
    assert_strict(directives(token))
    missing = api(reception).get("/api/no-such-thing/")
    assert missing.status_code == 404
    assert_strict(directives(missing))


def test_the_api_docs_have_no_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert_strict(directives(response))
    html = response.content.decode()
    assert "<script>" not in html
    assert "<style>" not in html
    for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
        assert src.startswith("/"), src
