"""The audit log is append-only, in the application and in PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from common.audit import audit_record
from common.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_audit_events_cannot_be_changed_or_deleted_through_the_model(reception):
    event = audit_record(actor=reception.user, action="read", object_type="client", object_id=1)
    event.action = "update"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()


def test_audit_record_outside_a_request_is_a_task_event(reception):
    event = audit_record(actor=reception.user, action="read", object_type="client", object_id=7)
    assert event.channel == "task"
    assert event.ip_address is None


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_of_audit_rows(reception):
    event = audit_record(actor=reception.user, action="read", object_type="client", object_id=1)
    for sql in (
        "UPDATE common_auditevent SET action = 'update' WHERE id = %s",
        "DELETE FROM common_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "read"
