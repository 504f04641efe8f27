"""A database from before the reshape migrates forward with every message kept.

Decision 0007 moved the outgoing-message models from the ``aftercare`` app to
``clinic.messaging`` with state-only migrations. This builds the schema as it was before
(clinic 0004, aftercare 0002), writes rows with the historical models, migrates forward
and reads them back through today's models, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("clinic", "0004_appointment_treatment_plan"),
    ("aftercare", "0002_aftercare_templates_schedules"),
    ("treatments", "0003_protocols_plans_sessions_consent"),
]
DUE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_messages_attempts_and_unsubscriptions_survive_the_move_to_clinic_messaging():
    old = _migrate(BEFORE)
    Clinic = old.get_model("clinic", "Clinic")
    Client = old.get_model("clinic", "Client")
    OldMessage = old.get_model("aftercare", "OutgoingMessage")
    OldAttempt = old.get_model("aftercare", "MessageAttempt")
    OldUnsubscription = old.get_model("aftercare", "Unsubscription")
    clinic = Clinic.objects.create(name="Harbour Skin Clinic", timezone="Europe/London")
    client = Client.objects.create(
        clinic=clinic, first_name="Amelia", last_name="Hughes", date_of_birth="1990-04-02"
    )
    message = OldMessage.objects.create(
        clinic=clinic,
        client=client,
        kind="aftercare_day3",
        dedupe_key="aftercare:session:1:day3",
        due_at=DUE,
        context={"note": "kept"},
        status="sent",
        sent_at=DUE,
        attempts=1,
    )
    OldAttempt.objects.create(
        message=message, number=1, started_at=DUE, finished_at=DUE, outcome="sent"
    )
    OldUnsubscription.objects.create(client=client, kind="aftercare_day7")

    _migrate(_latest())

    from clinic.messaging.models import MessageAttempt, OutgoingMessage, Unsubscription

    moved = OutgoingMessage.objects.get(pk=message.pk)
    assert (moved.client_id, moved.kind, moved.status) == (client.pk, "aftercare_day3", "sent")
    assert moved.context == {"note": "kept"}
    assert moved.due_at == DUE
    assert MessageAttempt.objects.get(message=moved).outcome == "sent"
    assert Unsubscription.objects.filter(client_id=client.pk, kind="aftercare_day7").exists()
    assert OutgoingMessage._meta.db_table == "aftercare_outgoingmessage"


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db
def test_the_old_never_expiring_api_tokens_are_deleted():
    """A database that had DRF's token table keeps the table but loses every key."""
    import importlib

    migration = importlib.import_module("clinic.migrations.0007_accounts_and_access")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, "
            "user_id bigint)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES ('0123abcd', '2026-01-01', 1)")
    # What the migration uses of its schema editor (SQLite's cannot open inside a test).
    editor = SimpleNamespace(connection=connection, quote_name=connection.ops.quote_name)
    migration.forget_legacy_api_tokens(None, editor)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
