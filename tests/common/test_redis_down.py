"""With Redis down, sign-in and pages keep working (decision 0009).

Production keeps the API's login throttle in the Redis cache. These tests use the
production cache backend pointed at a port where nothing listens.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys

import pytest
from django.core.cache import cache

from common import cache as resilient
from tests.factories import PASSWORD
from tests.test_settings import PRODUCTION_ENV, ROOT

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """Production's cache backend and login throttle, with Redis unreachable."""
    settings.CACHES = {
        "default": {
            "BACKEND": "common.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "20/min"},
    }
    resilient.ResilientRedisCache._last_warning = float("-inf")
    return settings


def test_production_uses_the_cache_backend_that_survives_redis_being_down():
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_"))
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'])",
        ],
        cwd=ROOT,
        env={**clean, **PRODUCTION_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.stdout.strip() == "common.cache.ResilientRedisCache", result.stderr


def test_api_token_sign_in_works_with_redis_down_and_says_so_in_the_log(
    redis_down, api, reception, caplog
):
    with caplog.at_level(logging.WARNING, logger="common.cache"):
        response = api().post(
            "/api/auth/token/", {"email": reception.user.email, "password": PASSWORD}
        )

    assert response.status_code == 200
    assert response.json()["token"]
    warnings = [r for r in caplog.records if r.name == "common.cache"]
    assert len(warnings) == 1
    assert "login throttle is not counting" in warnings[0].getMessage()


def test_a_wrong_password_is_still_a_400_with_redis_down(redis_down, api, reception):
    response = api().post("/api/auth/token/", {"email": reception.user.email, "password": "nope"})

    assert response.status_code == 400
    assert response.json()["code"] != "server_error"


def test_the_lockout_still_locks_the_api_sign_in_with_redis_down(redis_down, api, reception):
    """The throttle fails open; the lockout counts in the database and still applies."""
    for _ in range(redis_down.LOGIN_FAILURE_LIMIT):
        api().post("/api/auth/token/", {"email": reception.user.email, "password": "nope"})

    response = api().post("/api/auth/token/", {"email": reception.user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"


def test_the_login_page_and_pages_work_with_redis_down(redis_down, client, reception):
    response = client.post("/login/", {"username": reception.user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/clients/").status_code == 200


def test_the_login_page_lockout_still_applies_with_redis_down(redis_down, client, reception):
    for _ in range(redis_down.LOGIN_FAILURE_LIMIT):
        client.post("/login/", {"username": reception.user.email, "password": "wrong"})

    response = client.post("/login/", {"username": reception.user.email, "password": PASSWORD})

    assert b"Signing in is locked after too many failed attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_the_cache_reads_miss_and_writes_are_dropped_while_redis_is_down(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="common.cache"):
        cache.set("k", 1)
        assert cache.get("k", "missing") == "missing"
        assert cache.add("k", 1) is False
        assert cache.get_many(["k"]) == {}
        assert cache.has_key("k") is False
        assert cache.delete("k") is False
        with pytest.raises(ValueError):
            cache.incr("k")

    # One warning, not one per call: a busy server does not flood its log.
    assert len([r for r in caplog.records if r.name == "common.cache"]) == 1


@pytest.mark.redis
def test_the_cache_works_normally_when_redis_answers(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "common.cache.ResilientRedisCache",
            "LOCATION": os.environ["REDIS_URL"],
        }
    }
    cache.set("needlework-test-key", 42, 30)
    assert cache.get("needlework-test-key") == 42
    cache.delete("needlework-test-key")
