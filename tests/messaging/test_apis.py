"""The outbox API: /api/reminders/ and resending a failed message."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinic.messaging.models import OutgoingMessage
from clinic.models import User
from common.models import AuditEvent
from tests.factories import ClientFactory
from tests.messaging.fixtures import NOW

pytestmark = pytest.mark.django_db

Status = OutgoingMessage.Status
FIELDS = {
    "id",
    "client",
    "client_name",
    "kind",
    "channel",
    "due_at",
    "status",
    "attempts",
    "sent_at",
    "smtp_message_id",
    "last_error",
    "cancelled_reason",
    "appointment_id",
    "session_id",
}


@pytest.fixture
def outbox(client_record, other_client_record, make_message):
    """Our clinic: a sent, a failed and a pending message (two clients); one elsewhere."""
    second = ClientFactory(clinic=client_record.clinic, first_name="Noor", last_name="Shah")
    return {
        "sent": make_message(
            client_record,
            status=Status.SENT,
            sent_at=NOW,
            smtp_message_id="<x@clinic.example>",
            due_at=NOW - timedelta(days=1),
            attempts=1,
        ),
        "failed": make_message(
            client_record,
            kind="test_tip",
            status=Status.FAILED,
            attempts=5,
            last_error="ConnectionRefusedError: [Errno 111] Connection refused",
            session_id=12,
        ),
        "pending": make_message(second, due_at=NOW + timedelta(days=2), appointment_id=30),
        "elsewhere": make_message(other_client_record, status=Status.FAILED),
    }


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def test_the_outbox_lists_the_clinics_messages_newest_due_first(api, reception, outbox):
    response = api(reception).get("/api/reminders/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert ids(response) == [outbox["pending"].pk, outbox["failed"].pk, outbox["sent"].pk]
    failed = body["results"][1]
    assert set(failed) == FIELDS
    assert failed["client"] == outbox["failed"].client_id
    assert failed["client_name"] == "Amelia Hughes"
    assert failed["kind"] == "test_tip"
    assert failed["channel"] == "email"
    assert failed["status"] == "failed"
    assert failed["attempts"] == 5
    assert failed["last_error"].startswith("ConnectionRefusedError")
    assert failed["session_id"] == 12
    assert body["results"][0]["appointment_id"] == 30
    assert body["results"][2]["smtp_message_id"] == "<x@clinic.example>"


def test_the_outbox_filters_by_status_client_and_kind(api, reception, outbox, client_record):
    as_reception = api(reception)

    assert ids(as_reception.get("/api/reminders/?status=failed")) == [outbox["failed"].pk]
    assert ids(as_reception.get("/api/reminders/?status=cancelled")) == []
    assert ids(as_reception.get(f"/api/reminders/?client={client_record.pk}")) == [
        outbox["failed"].pk,
        outbox["sent"].pk,
    ]
    assert ids(as_reception.get("/api/reminders/?kind=test_tip")) == [outbox["failed"].pk]
    assert ids(as_reception.get("/api/reminders/?status=sent&kind=test_tip")) == []


def test_the_outbox_never_shows_another_clinics_messages(
    api, reception, outbox, other_client_record
):
    response = api(reception).get(f"/api/reminders/?client={other_client_record.pk}")
    assert response.status_code == 200
    assert ids(response) == []


def test_a_bad_filter_is_a_400_naming_the_parameter(api, reception, outbox):
    response = api(reception).get("/api/reminders/?status=lost")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == {"status"}

    for bad_client in ("abc", "0", str(2**63)):
        response = api(reception).get(f"/api/reminders/?client={bad_client}")
        assert response.status_code == 400
        assert set(response.json()["fields"]) == {"client"}


def test_listing_the_outbox_is_audited(api, reception, outbox):
    api(reception).get("/api/reminders/?status=failed")

    event = AuditEvent.objects.get(object_type="outgoing_message", action="list")
    assert event.actor_id == reception.user.pk
    assert event.clinic_id == reception.clinic.pk
    assert event.channel == "api"
    assert event.detail == {"filters": ["status"], "results": 1}


def test_the_outbox_needs_a_signed_in_member(api, outbox):
    assert api().get("/api/reminders/").status_code == 401


@pytest.mark.parametrize("persona", ["reception", "manager", "practitioner"])
def test_staff_resend_a_failed_message(api, request, persona, outbox):
    who = request.getfixturevalue(persona)
    failed = outbox["failed"]

    response = api(who).post(f"/api/reminders/{failed.pk}/resend/")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["attempts"] == 0
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (Status.PENDING, 0)
    event = AuditEvent.objects.get(object_type="outgoing_message", action="update")
    assert (event.actor_id, event.object_id) == (who.user.pk, str(failed.pk))


@pytest.mark.parametrize("which", ["sent", "pending"])
def test_only_a_failed_message_can_be_resent(api, reception, outbox, which):
    message = outbox[which]

    response = api(reception).post(f"/api/reminders/{message.pk}/resend/")

    assert response.status_code == 409
    assert response.json()["code"] == "message_not_failed"
    message.refresh_from_db()
    assert message.status == which


def test_another_clinics_message_is_not_found(api, other_manager, outbox):
    response = api(other_manager).post(f"/api/reminders/{outbox['failed'].pk}/resend/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    outbox["failed"].refresh_from_db()
    assert outbox["failed"].status == Status.FAILED
    for missing in (999999, 10**30):
        assert api(other_manager).post(f"/api/reminders/{missing}/resend/").status_code == 404


def test_the_schema_documents_the_outbox(api, reception):
    schema = api(reception).get("/api/schema/?format=json").json()

    listing = schema["paths"]["/api/reminders/"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert sorted(params["status"]["schema"]["enum"]) == sorted(Status.values)
    assert {"client", "kind", "page", "page_size"} <= set(params)
    resend = schema["paths"]["/api/reminders/{id}/resend/"]["post"]
    assert {"200", "404", "409"} <= set(resend["responses"])


# --- admin ----------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    user = User.objects.create_superuser(email="root@clinic.example", password="x", full_name="R")
    client.force_login(user)
    return client


def test_the_admin_lists_messages_and_shows_their_attempts_read_only(
    admin_client, outbox, make_message
):
    from clinic.messaging.models import MessageAttempt

    failed = outbox["failed"]
    MessageAttempt.objects.create(
        message=failed, number=1, started_at=NOW, finished_at=NOW, outcome="retry", error="boom"
    )

    listing = admin_client.get("/admin/clinic/outgoingmessage/")
    detail = admin_client.get(f"/admin/clinic/outgoingmessage/{failed.pk}/change/")

    assert listing.status_code == 200
    assert str(failed.pk) in listing.content.decode()
    assert detail.status_code == 200
    assert "boom" in detail.content.decode()
    assert b'name="_save"' not in detail.content  # read-only: nothing to save
    assert admin_client.get("/admin/clinic/outgoingmessage/add/").status_code == 403
    assert AuditEvent.objects.filter(
        object_type="outgoing_message", action="read", channel="admin"
    ).exists()
