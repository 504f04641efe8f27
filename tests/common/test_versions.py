"""Versioned clinic data: the current version, version 1 on first use, race-safe."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.models.query import QuerySet

from common.versions import version_current
from treatments.plans.defaults import DEFAULT_PROTOCOLS
from treatments.plans.models import ProtocolSet

pytestmark = pytest.mark.django_db

DEFAULTS = {"data": DEFAULT_PROTOCOLS, "note": "Shipped default"}


def test_the_default_becomes_version_1_once(clinic):
    first = version_current(ProtocolSet, clinic=clinic, defaults=DEFAULTS)
    again = version_current(ProtocolSet, clinic=clinic, defaults=DEFAULTS)
    assert first.pk == again.pk
    assert first.version == 1
    assert ProtocolSet.objects.filter(clinic=clinic).count() == 1


def test_the_newest_version_is_current_and_clinics_are_separate(clinic, other_clinic):
    version_current(ProtocolSet, clinic=clinic, defaults=DEFAULTS)
    ProtocolSet.objects.create(clinic=clinic, version=2, data=DEFAULT_PROTOCOLS, note="v2")
    assert version_current(ProtocolSet, clinic=clinic, defaults=DEFAULTS).version == 2
    theirs = version_current(ProtocolSet, clinic=other_clinic, defaults=DEFAULTS)
    assert (theirs.clinic, theirs.version) == (other_clinic, 1)


def test_losing_the_race_inside_a_transaction_reads_the_winner(clinic, monkeypatch):
    winner = ProtocolSet.objects.create(clinic=clinic, version=1, data=DEFAULT_PROTOCOLS)
    real_first = QuerySet.first
    calls = []

    def stale_first(self):
        # The first look happens before the other request's insert is visible.
        calls.append(1)
        return None if len(calls) == 1 else real_first(self)

    monkeypatch.setattr(QuerySet, "first", stale_first)
    with transaction.atomic():
        found = version_current(ProtocolSet, clinic=clinic, defaults=DEFAULTS)
        # The caller's transaction is still usable after the refused insert.
        assert ProtocolSet.objects.filter(clinic=clinic).count() == 1
    assert found.pk == winner.pk
