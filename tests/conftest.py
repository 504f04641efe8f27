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
from knox.models import AuthToken
from rest_framework.test import APIClient

from clinic.models import Role
from tests.factories import ClientFactory, ClinicFactory, MembershipFactory

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
            _, token = AuthToken.objects.create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return client

    return make


@pytest.fixture
def web(client):
    """``web(persona)`` → Django's test client signed in as that persona."""

    def make(who):
        client.force_login(getattr(who, "user", who))
        return client

    return make


# --- SMTP test server ---------------------------------------------------------------
# A real SMTP server (aiosmtpd) in the test process, for code that sends through
# Django's SMTP backend. A Celery worker started by a test can reach it too.


class _CollectingHandler:
    """Keeps every message the server accepts; refuses recipients named ``bounce…``."""

    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio
        import email
        import email.policy

        async def deliver() -> None:
            if self.server.delay:
                await asyncio.sleep(self.server.delay)
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.server.messages.append(message)
            self.server.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))

        # Like a real server (RFC 1047), a message received in full is delivered even if
        # the client is gone before it hears "250"; aiosmtpd alone would cancel it.
        await asyncio.shield(asyncio.ensure_future(deliver()))
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    """``messages``: parsed ``email.message.EmailMessage`` objects, in arrival order."""

    host: str
    port: int
    messages: list
    envelopes: list
    delay: float = 0.0  # seconds to wait before answering DATA (to widen race windows)
    _controller: object = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        controller = Controller(
            _CollectingHandler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="smtp.test",
            ready_timeout=10,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start()``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server on 127.0.0.1 that Django's SMTP backend sends to."""
    import logging

    server = SmtpServer(host="127.0.0.1", port=_free_port(), messages=[], envelopes=[])
    smtp_log = logging.getLogger("mail.log")  # aiosmtpd logs every SMTP command at INFO
    log_level = smtp_log.level
    smtp_log.setLevel(logging.WARNING)
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    try:
        yield server
    finally:
        server.stop()
        smtp_log.setLevel(log_level)
