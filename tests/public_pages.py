"""What the tests of the client's public pages share (online booking, the waitlist).

Tests run inside one transaction, so what would run at the commit (the outbox's send,
the offer of a freed time to the next client) is collected and run when each request
is over, or at ``committed()``. Rate limits live in the cache, emptied around each test.
Import the two fixtures into a test module to use them there.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client as DjangoClient
from rest_framework.test import APIClient

_after_commit: list = []


@pytest.fixture(autouse=True)
def run_after_commit(monkeypatch):
    from django.db import transaction

    _after_commit.clear()
    monkeypatch.setattr(
        transaction, "on_commit", lambda func, using=None, robust=False: _after_commit.append(func)
    )
    yield
    _after_commit.clear()


def committed() -> None:
    while _after_commit:
        _after_commit.pop(0)()


def uncommitted_dropped() -> None:
    """Forget what would have run at the commit (a test that runs it another way)."""
    _after_commit.clear()


class PublicClient(APIClient):
    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        committed()
        return response


class PageClient(DjangoClient):
    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        committed()
        return response


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()
