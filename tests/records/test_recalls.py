"""Lot trace by any recorded lot or a device serial (API.md `/api/recalls/`, decisions 0005
and 0013; also at `/api/lot-trace/`)."""

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
        "used": [{"kind": "cartridge", "product": ours[0].cartridge, "lot": "LOT-A1"}],
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
    rows = session_selectors.lot_trace(clinic=clinic, lot="=hyperlink(1)")
    text = session_selectors.lot_trace_csv(rows=rows)
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


# --- every recorded lot (decision 0013) -------------------------------------------------


def test_a_lot_is_traced_in_anaesthetics_serums_and_products_too(api, reception, ours, theirs):
    from treatments.records.models import SessionProduct

    anaesthetic, serum = ours[1], ours[2]
    type(anaesthetic).objects.filter(pk=anaesthetic.pk).update(
        anaesthetic_product="LMX4 lidocaine 4% cream", anaesthetic_lot="LMX-2610"
    )
    SessionProduct.objects.create(
        session=serum, product="Hyaluronic serum", lot="lmx-2610", timing="during", position=0
    )
    SessionProduct.objects.create(
        session=ours[3], product="Calming mask", lot="LMX-2611", timing="after", position=0
    )

    body = api(reception).get("/api/lot-trace/?lot=LMX-2610").json()

    assert [r["session"] for r in body["results"]] == [anaesthetic.pk, serum.pk]
    assert body["results"][0]["used"] == [
        {"kind": "anaesthetic", "product": "LMX4 lidocaine 4% cream", "lot": "LMX-2610"}
    ]
    assert body["results"][1]["used"] == [
        {"kind": "product", "product": "Hyaluronic serum", "lot": "lmx-2610"}
    ]
    assert api(reception).get("/api/recalls/?lot=LMX-2610").json() == body  # the same search


def test_an_amended_anaesthetic_lot_is_still_found(api, practitioner, ours):
    type(ours[0]).objects.filter(pk=ours[0].pk).update(
        anaesthetic_product="EMLA 5%", anaesthetic_lot="EM-1"
    )
    ours[0].refresh_from_db()
    session_amendments.session_amend(
        session=ours[0],
        actor=practitioner.user,
        reason="Misread the tube.",
        changes={"anaesthetic_lot": "EM-2"},
    )
    (row,) = api(practitioner).get("/api/lot-trace/?lot=em-1").json()["results"]
    assert (row["session"], row["amended"], row["used"]) == (ours[0].pk, True, [])


def test_the_csv_says_what_used_the_lot(clock, clinic, practitioner, ours):
    rows = session_selectors.lot_trace(clinic=clinic, lot="LOT-A1")
    lines = list(csv.reader(io.StringIO(session_selectors.lot_trace_csv(rows=rows))))
    assert lines[0][-1] == "used_in"
    assert lines[1][-1] == f"Cartridge: {ours[0].cartridge} (LOT-A1)"
