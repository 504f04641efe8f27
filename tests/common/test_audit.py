"""The audit log is append-only, in the application and in PostgreSQL."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from common.audit import OBJECT_TYPES, READS_PER_STATEMENT, audit_reads, audit_record
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


# --- the one vocabulary (decision 0010) -----------------------------------------------

PRODUCT = Path(__file__).resolve().parents[2]
PRODUCT_PACKAGES = ("common", "clinic", "treatments", "aftercare")


def _literal_keywords(name: str) -> set[str]:
    """Every string literal passed as ``name=`` (or assigned to ``audit_object_type``)."""
    found: set[str] = set()
    for package in PRODUCT_PACKAGES:
        for path in (PRODUCT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.keyword) and node.arg == name:
                    value = node.value
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.add(value.value)
                elif isinstance(node, ast.Assign) and name == "object_type":
                    targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
                    if "audit_object_type" in targets and isinstance(node.value, ast.Constant):
                        found.add(node.value.value)
    return found


def test_every_object_type_the_product_writes_is_in_the_vocabulary():
    used = _literal_keywords("object_type") - {""}
    assert used, "the scan found nothing: it is looking in the wrong place"
    assert used <= set(OBJECT_TYPES), sorted(used - set(OBJECT_TYPES))


def test_refusals_carry_the_denied_outcome_not_a_denied_action():
    # audit_record refuses unknown actions when it runs; this catches the old spelling.
    assert "denied" not in _literal_keywords("action")
    assert _literal_keywords("outcome") <= set(AuditEvent.Outcome.values)


@pytest.mark.parametrize(
    ("action", "outcome"), [("denied", "allowed"), ("peek", "allowed"), ("read", "maybe")]
)
def test_an_action_or_outcome_outside_the_vocabulary_is_refused(reception, action, outcome):
    with pytest.raises(ValueError, match="Unknown audit"):
        audit_record(actor=reception.user, action=action, object_type="client", outcome=outcome)
    assert not AuditEvent.objects.exists()


def test_a_list_read_is_one_event_per_object_in_one_statement(reception):
    with CaptureQueriesContext(connection) as captured:
        written = audit_reads(
            actor=reception.user,
            object_type="client",
            objects=[(index, 1000 + index) for index in range(300)],
            clinic_id=reception.clinic.pk,
            detail={"search": False},
        )
    assert written == 300
    assert len(captured) == 1
    events = AuditEvent.objects.filter(object_type="client", action="list")
    assert events.count() == 300
    assert {e.client_id for e in events} == set(range(1000, 1300))
    assert all(e.at is not None and e.channel == "task" for e in events)
    assert all(e.outcome == "allowed" and e.detail == {"search": False} for e in events)


def test_an_empty_list_read_is_still_one_event(reception):
    audit_reads(
        actor=reception.user,
        object_type="client",
        objects=[],
        clinic_id=reception.clinic.pk,
        detail={"search": True, "results": 0},
    )
    event = AuditEvent.objects.get()
    assert (event.object_id, event.client_id) == ("", None)


def test_very_long_lists_are_written_in_bounded_statements(reception):
    with CaptureQueriesContext(connection) as captured:
        audit_reads(
            actor=reception.user,
            object_type="client",
            objects=[(index, None) for index in range(READS_PER_STATEMENT + 1)],
            clinic_id=reception.clinic.pk,
        )
    assert len(captured) == 2
    assert AuditEvent.objects.count() == READS_PER_STATEMENT + 1


def test_a_list_read_keeps_the_order_shown_and_the_shared_fields_on_every_event(reception):
    # On PostgreSQL the shared values are sent once and the ids as arrays: every row
    # must still carry the actor and the clinic, and the ids in the order shown.
    shown = [(f"{index * 7 % 50}", None if index % 3 else 500 + index) for index in range(50)]
    audit_reads(
        actor=reception.user,
        object_type="appointment",
        objects=shown,
        clinic_id=reception.clinic.pk,
        detail={"date": "2027-01-01"},
    )
    events = list(AuditEvent.objects.order_by("pk"))
    assert [(e.object_id, e.client_id) for e in events] == shown
    assert {(e.actor_id, e.actor_email, e.clinic_id) for e in events} == {
        (reception.user.pk, reception.user.email, reception.clinic.pk)
    }
    assert all(e.detail == {"date": "2027-01-01"} and e.action == "list" for e in events)
