"""The client's address (one rule for throttle, lockout and audit) and the login throttle."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.throttling import BaseThrottle

from clinic.authentication import LoginRateThrottle
from common.audit import audit_record, client_ip, request_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_throttle(monkeypatch):
    """A low login rate and an empty throttle history (the cache outlives a test)."""
    monkeypatch.setattr(LoginRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    cache.clear()
    yield
    cache.clear()


def _request(remote="198.51.100.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_with_no_trusted_proxy_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request(forwarded="203.0.113.9")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # A client may send its own header; one proxy appends what it saw: the last one.
        (1, "10.9.9.9, 203.0.113.9", "203.0.113.9"),
        (2, "10.9.9.9, 203.0.113.9, 192.0.2.1", "203.0.113.9"),
        (1, None, "198.51.100.7"),
    ],
)
def test_with_trusted_proxies_the_address_the_outermost_proxy_saw_is_the_client(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_ip(_request(forwarded=forwarded)) == expected


@pytest.mark.parametrize("count", [0, 1, 2])
@pytest.mark.parametrize(
    "forwarded", [None, "203.0.113.9", "10.0.0.1, 203.0.113.9", "1.1.1.1, 2.2.2.2, 3.3.3.3"]
)
def test_the_rule_is_drfs_num_proxies_rule(settings, count, forwarded):
    settings.TRUSTED_PROXY_COUNT = count
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}
    request = _request(forwarded=forwarded)
    assert client_ip(request) == BaseThrottle().get_ident(request)


def test_drf_is_configured_with_the_same_proxy_count():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT


def test_a_malformed_forwarded_address_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request(forwarded="unknown")) == "198.51.100.7"


def test_the_audit_log_records_the_client_address_by_the_same_rule(settings, reception):
    settings.TRUSTED_PROXY_COUNT = 0
    with request_context(_request(forwarded="203.0.113.9")):
        spoofed = audit_record(actor=reception.user, action="read", object_type="client")
    settings.TRUSTED_PROXY_COUNT = 1
    with request_context(_request(forwarded="10.9.9.9, 203.0.113.9")):
        proxied = audit_record(actor=reception.user, action="read", object_type="client")
    assert spoofed.ip_address == "198.51.100.7"
    assert proxied.ip_address == "203.0.113.9"


def test_rotating_x_forwarded_for_does_not_escape_the_login_throttle(api, fresh_throttle):
    client = api()
    codes = [
        client.post(
            "/api/auth/token/",
            {"email": f"nobody{n}@clinic.example", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(5)
    ]
    assert codes == [400, 400, 400, 429, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_login_budget(api, settings, fresh_throttle):
    settings.TRUSTED_PROXY_COUNT = 1
    client = api()
    codes = [
        client.post(
            "/api/auth/token/",
            {"email": f"nobody{n}@clinic.example", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(5)
    ]
    assert codes == [400] * 5
