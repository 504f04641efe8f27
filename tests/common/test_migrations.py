"""Audit events written before outcomes existed keep their meaning (decision 0010)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from common.models import AuditEvent


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_older_refusals_are_marked_denied_and_keep_their_action():
    latest = _latest()
    old = _migrate([("common", "0002_audit_append_only")])
    try:
        OldEvent = old.get_model("common", "AuditEvent")
        refused = OldEvent.objects.create(action="denied", object_type="invitation")
        read = OldEvent.objects.create(action="read", object_type="client")

        _migrate(latest)

        assert AuditEvent.objects.get(pk=refused.pk).outcome == "denied"
        assert AuditEvent.objects.get(pk=refused.pk).action == "denied"
        assert AuditEvent.objects.get(pk=read.pk).outcome == "allowed"
    finally:
        _migrate(latest)
