"""Recall by cartridge lot or device serial (API.md `/api/recalls/`, decision 0005)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from clinic.booking.models import AppointmentStatus, Device
from tests.factories import (
    ClientFactory,
    DeviceFactory,
    MembershipFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)
from tests.records.conftest import NOW
from treatments.records import amendments as session_amendments
from treatments.records import selectors as session_selectors

pytestmark = pytest.mark.django_db


def _sessions_for(clinic, *, practitioner_membership, specs):
    """One signed session per (days ago, lot, device serial), each for a new client."""
    performer = practitioner_for(practitioner_membership)
    room = RoomFactory(clinic=clinic)
    made = []
    for days, lot, serial in specs:
        client = ClientFactory(clinic=clinic)
        device = Device.objects.filter(clinic=clinic, serial_number=serial).first()
        device = device or DeviceFactory(clinic=clinic, serial_number=serial)
        appointment = appointment_for(
            client,
            practitioner=performer,
            room=room,
            device=device,
            start=NOW - timedelta(days=days),
            status=AppointmentStatus.COMPLETED,
        )
        made.append(
            treatment_session_for(
                appointment,
                plan=plan_for(client),
                screening=screening_for(client, actor=practitioner_membership.user),
                consent=consent_for(client, witnessed_by=practitioner_membership.user),
                signed=True,
                cartridge_lot=lot,
            )
        )
    return made


@pytest.fixture
def ours(clock, clinic, practitioner):
    return _sessions_for(
        clinic,
        practitioner_membership=practitioner.membership,
        specs=[
            (3, "LOT-A1", "SP-001"),
            (10, "lot-a1", "SP-002"),
            (20, "LOT-A10", "SP-001"),
            (30, "LOT-B7", "SP-003"),
        ],
    )


@pytest.fixture
def theirs(clock, other_clinic):
    membership = MembershipFactory(clinic=other_clinic, role="practitioner")
    return _sessions_for(
        other_clinic, practitioner_membership=membership, specs=[(5, "LOT-A1", "SP-001")]
    )


def test_recall_by_lot_is_exact_ignores_case_and_stays_in_the_clinic(api, reception, ours, theirs):
    body = api(reception).get("/api/recalls/?lot=Lot-A1").json()
    assert body["count"] == 2
    assert [r["session"] for r in body["results"]] == [ours[0].pk, ours[1].pk]
    first = body["results"][0]
    assert first == {
        "session": ours[0].pk,
        "client": {"id": ours[0].client_id, "name": ours[0].client.full_name},
        "date": "2026-11-17",
        "practitioner": ours[0].practitioner.display_name,
        "device_serial": "SP-001",
        "cartridge_lot": "LOT-A1",
        "status": "signed",
        "amended": False,
    }


def test_recall_by_device_serial(api, reception, ours, theirs):
    body = api(reception).get("/api/recalls/?device_serial=sp-001").json()
    assert [r["session"] for r in body["results"]] == [ours[0].pk, ours[2].pk]


def test_recall_with_no_match_is_empty(api, reception, ours):
    assert api(reception).get("/api/recalls/?lot=LOT-A").json()["count"] == 0


@pytest.mark.parametrize(
    "query", ["", "?lot=", "?lot=A&device_serial=B", "?device_serial=", "?format=csv"]
)
def test_recall_needs_exactly_one_of_lot_or_serial(api, reception, query):
    response = api(reception).get(f"/api/recalls/{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_recall_includes_sessions_amended_away_from_the_lot(api, practitioner, ours, clinic):
    session_amendments.session_amend(
        session=ours[3],
        actor=practitioner.user,
        reason="The lot was misread from the box.",
        changes={"cartridge_lot": "LOT-B8"},
    )
    old = api(practitioner).get("/api/recalls/?lot=LOT-B7").json()["results"]
    assert [(r["session"], r["cartridge_lot"], r["amended"]) for r in old] == [
        (ours[3].pk, "LOT-B8", True)
    ]
    new = api(practitioner).get("/api/recalls/?lot=lot-b8").json()["results"]
    assert [(r["session"], r["amended"]) for r in new] == [(ours[3].pk, False)]


def test_recall_csv_download(api, manager, ours, theirs):
    for response in (
        api(manager).get("/api/recalls/?lot=LOT-A1&format=csv"),
        api(manager).get("/api/recalls/?lot=LOT-A1", HTTP_ACCEPT="text/csv"),
    ):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        assert response["Content-Disposition"].startswith("attachment;")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0] == session_selectors.CSV_HEADER
        assert [(r[0], r[3], r[5], r[6], r[8]) for r in rows[1:]] == [
            (str(ours[0].pk), "2026-11-17", "SP-001", "LOT-A1", "no"),
            (str(ours[1].pk), "2026-11-10", "SP-002", "lot-a1", "no"),
        ]


def test_recall_csv_neutralises_formulas(clock, clinic, practitioner):
    _sessions_for(
        clinic,
        practitioner_membership=practitioner.membership,
        specs=[(1, "=HYPERLINK(1)", "SP-9")],
    )
    rows = session_selectors.recall_sessions(clinic=clinic, lot="=hyperlink(1)")
    text = session_selectors.recall_csv(rows=rows)
    assert "'=HYPERLINK(1)" in text


def test_recall_errors_stay_json_when_csv_is_asked_for(api, reception):
    response = api(reception).get("/api/recalls/", HTTP_ACCEPT="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_recall_is_audited_and_needs_sign_in(api, reception, ours):
    from common.models import AuditEvent

    assert api().get("/api/recalls/?lot=LOT-A1").status_code == 401
    api(reception).get("/api/recalls/?lot=LOT-A1")
    events = AuditEvent.objects.filter(object_type="recall")
    # One event per session found (each names its client), written together.
    assert events.count() == 2
    assert {e.detail["lot"] for e in events} == {"LOT-A1"}
    assert {e.detail["count"] for e in events} == {2}
    assert all(e.client_id is not None and e.action == "list" for e in events)
