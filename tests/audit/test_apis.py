"""``GET /api/audit/`` (API.md): managers only, the clinic's events, filters, CSV, audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine

from common.audit import audit_record
from common.models import AuditEvent
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def event(persona, *, client=None, action="read", object_type="client", outcome="allowed"):
    return audit_record(
        actor=persona.user,
        action=action,
        object_type=object_type,
        object_id=client.pk if client else "",
        clinic_id=persona.clinic.pk,
        client_id=client.pk if client else None,
        outcome=outcome,
    )


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_a_manager_reads_the_clinics_events_newest_first(api, manager, reception, client_record):
    first = event(reception, client=client_record)
    second = event(reception, client=client_record, action="update")

    rows = results(api(manager).get("/api/audit/"))

    ids = [row["id"] for row in rows]
    assert ids.index(second.pk) < ids.index(first.pk)
    row = next(row for row in rows if row["id"] == first.pk)
    assert row["actor"] == reception.user.pk
    assert row["actor_email"] == reception.user.email
    assert row["client"] == client_record.pk
    assert row["client_name"] == "Hughes, Amelia"
    assert row["outcome"] == "allowed"
    assert row["object_type"] == "client"


def test_another_clinics_events_are_never_shown(api, manager, other_manager, other_client_record):
    theirs = event(other_manager, client=other_client_record)

    rows = results(api(manager).get("/api/audit/?page_size=200"))

    assert theirs.pk not in [row["id"] for row in rows]
    assert other_client_record.pk not in [row["client"] for row in rows]


@pytest.mark.parametrize("persona", ["reception", "practitioner"])
def test_only_managers_read_the_audit_trail(api, request, persona):
    who = request.getfixturevalue(persona)
    response = api(who).get("/api/audit/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    refused = AuditEvent.objects.get(actor=who.user, outcome="denied")
    assert refused.object_type == "audit_event"


def test_the_audit_trail_needs_a_signed_in_member(api):
    assert api().get("/api/audit/").status_code == 401


def test_filters_by_client_actor_action_object_type_and_outcome(
    api, manager, reception, practitioner, client_record
):
    other = ClientFactory(clinic=manager.clinic)
    wanted = event(reception, client=client_record, action="update")
    event(practitioner, client=client_record, action="update")
    event(reception, client=other, action="update")
    event(reception, client=client_record, action="read")
    refused = event(reception, client=client_record, action="update", outcome="denied")
    caller = api(manager)

    query = (
        f"client={client_record.pk}&actor={reception.user.pk}&action=update"
        "&object_type=client&outcome=allowed"
    )
    assert [row["id"] for row in results(caller.get(f"/api/audit/?{query}"))] == [wanted.pk]
    denied = results(caller.get("/api/audit/?outcome=denied"))
    assert refused.pk in [row["id"] for row in denied]
    assert {row["outcome"] for row in denied} == {"denied"}


def test_the_date_range_is_the_clinics_calendar_days(api, manager, reception, client_record):
    # Harbour is in London: 23:30 UTC on 14 July is 00:30 on 15 July there (BST).
    with time_machine.travel(datetime(2026, 7, 14, 23, 30, tzinfo=UTC), tick=False):
        late = event(reception, client=client_record)
    with time_machine.travel(datetime(2026, 7, 14, 22, 30, tzinfo=UTC), tick=False):
        earlier = event(reception, client=client_record)
    caller = api(manager)

    on_15th = results(caller.get("/api/audit/?date_from=2026-07-15&date_to=2026-07-15"))
    on_14th = results(caller.get("/api/audit/?date_from=2026-07-14&date_to=2026-07-14"))

    assert [row["id"] for row in on_15th] == [late.pk]
    assert [row["id"] for row in on_14th] == [earlier.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("client=abc", "client"),
        ("client=0", "client"),
        (f"client={2**70}", "client"),
        ("actor=abc", "actor"),
        ("action=steal", "action"),
        ("object_type=secrets", "object_type"),
        ("outcome=maybe", "outcome"),
        ("date_from=2026-13-01", "date_from"),
        ("date_to=yesterday", "date_to"),
        ("date_from=2026-07-15&date_to=2026-07-14", "date_to"),
        ("date_from=2024-01-01&date_to=2026-01-01", "date_to"),
    ],
)
def test_bad_filter_values_are_a_400_naming_the_field(api, manager, query, field):
    response = api(manager).get(f"/api/audit/?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert field in response.json()["fields"]


def test_another_clinics_client_or_staff_member_is_a_bad_value_like_a_missing_one(
    api, manager, other_manager, other_client_record
):
    caller = api(manager)
    theirs = caller.get(f"/api/audit/?client={other_client_record.pk}")
    missing = caller.get("/api/audit/?client=999999")
    assert theirs.status_code == missing.status_code == 400
    assert theirs.json() == missing.json()
    staff = caller.get(f"/api/audit/?actor={other_manager.user.pk}")
    assert staff.status_code == 400
    assert "actor" in staff.json()["fields"]


def test_reading_the_trail_is_itself_audited(api, manager, client_record):
    api(manager).get(f"/api/audit/?client={client_record.pk}&action=read")

    read = AuditEvent.objects.get(object_type="audit_event")
    assert read.action == "list"
    assert read.actor_id == manager.user.pk
    assert read.clinic_id == manager.clinic.pk
    assert read.client_id == client_record.pk
    assert read.detail["filters"] == {"client": client_record.pk, "action": "read"}


def test_csv_download_of_the_filtered_events(api, manager, reception, client_record):
    event(reception, client=client_record, action="update")
    event(reception, client=client_record, action="read")

    response = api(manager).get("/api/audit/?format=csv&action=update")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["action"], row["client"], row["staff_member"]) for row in rows] == [
        ("update", "Hughes, Amelia", reception.user.email)
    ]
    export = AuditEvent.objects.get(object_type="audit_event")
    assert export.action == "export"


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(api, manager, clinic):
    client = ClientFactory(clinic=clinic, first_name="=HYPERLINK(1)", last_name="@SUM(2)")
    audit_record(
        actor=None, action="read", object_type="client", clinic_id=clinic.pk, client_id=client.pk
    )
    response = api(manager).get("/api/audit/?format=csv&action=read")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0]["client"] == "'@SUM(2), =HYPERLINK(1)"


def test_bad_filters_stay_json_when_csv_is_asked_for(api, manager):
    response = api(manager).get("/api/audit/?format=csv&outcome=maybe")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
