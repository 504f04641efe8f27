"""Shared fixtures: clinics, the personas that permission tests speak of, API clients.

Tests marked ``postgres`` or ``redis`` need the real service. Where it is not
configured they are skipped with a reason, except when ``REQUIRE_SERVICES`` names the
service (CI sets it): then a missing service fails the test instead of hiding it.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clinic.models import Role

from .factories import ClientFactory, ClinicFactory, MembershipFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _required_services() -> set[str]:
    return {s.strip() for s in os.environ.get("REQUIRE_SERVICES", "").split(",") if s.strip()}


def _redis_available() -> tuple[bool, str]:
    url = os.environ.get("REDIS_URL", "")
    if not url:
        return False, "REDIS_URL is not set"
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # any failure means "not usable here"
        return False, f"Redis at REDIS_URL did not answer: {exc}"
    return True, ""


def pytest_runtest_setup(item: pytest.Item) -> None:
    required = _required_services()
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        reason = "needs PostgreSQL (set DATABASE_URL=postgres://...)"
        if "postgres" in required:
            pytest.fail(f"REQUIRE_SERVICES names postgres but {reason}", pytrace=False)
        pytest.skip(reason)
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        reason = f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
        if "browser" in required:
            pytest.fail(f"REQUIRE_SERVICES names browser but {reason}", pytrace=False)
        pytest.skip(reason)
    if item.get_closest_marker("redis"):
        ok, why = _redis_available()
        if not ok:
            if "redis" in required:
                pytest.fail(f"REQUIRE_SERVICES names redis but {why}", pytrace=False)
            pytest.skip(f"needs Redis: {why}")


@dataclass
class Persona:
    user: object
    membership: object
    clinic: object

    @property
    def role(self) -> str:
        return self.membership.role


def _persona(clinic, role) -> Persona:
    membership = MembershipFactory(clinic=clinic, role=role)
    return Persona(user=membership.user, membership=membership, clinic=clinic)


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Harbour Skin Clinic", timezone="Europe/London")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Elsewhere Aesthetics", timezone="America/New_York")


@pytest.fixture
def reception(clinic) -> Persona:
    """Own-clinic reception staff."""
    return _persona(clinic, Role.RECEPTION)


@pytest.fixture
def practitioner(clinic) -> Persona:
    """Own-clinic practitioner."""
    return _persona(clinic, Role.PRACTITIONER)


@pytest.fixture
def manager(clinic) -> Persona:
    """Own-clinic manager."""
    return _persona(clinic, Role.MANAGER)


@pytest.fixture
def other_manager(other_clinic) -> Persona:
    """A manager of another clinic: sees nothing of ours."""
    return _persona(other_clinic, Role.MANAGER)


@pytest.fixture
def client_record(clinic):
    return ClientFactory(clinic=clinic, first_name="Amelia", last_name="Hughes")


@pytest.fixture
def other_client_record(other_clinic):
    return ClientFactory(clinic=other_clinic, first_name="Grace", last_name="Kim")


@pytest.fixture
def api():
    """``api(persona_or_user)`` → an APIClient authenticated with that user's token."""

    def make(who=None) -> APIClient:
        client = APIClient()
        if who is not None:
            user = getattr(who, "user", who)
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


@pytest.fixture
def web(client):
    """``web(persona)`` → Django's test client signed in as that persona."""

    def make(who):
        client.force_login(getattr(who, "user", who))
        return client

    return make
