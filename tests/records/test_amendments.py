"""Corrections to a signed record: amendments with author, reason and changes (decision 0005)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from common.errors import ApplicationError, Conflict, PermissionDenied
from tests.factories import DeviceFactory
from tests.records.conftest import NOW
from treatments.records import amendments as session_amendments
from treatments.records import selectors as session_selectors
from treatments.records.models import SessionAmendment, SessionStatus

pytestmark = pytest.mark.django_db


def test_an_in_progress_session_is_not_amended(ready, started):
    with pytest.raises(Conflict) as refused:
        session_amendments.session_amend(
            session=started, actor=ready.user, reason="typo", changes={"cartridge_lot": "B"}
        )
    assert refused.value.code == "session_not_signed"


def test_amendments_append_with_author_reason_and_changes(ready, signed, manager, clock):
    clock.move_to(NOW + timedelta(days=1))
    first = session_amendments.session_amend(
        session=signed,
        actor=ready.user,
        reason="Lot number misread from the box.",
        changes={"cartridge_lot": "LOT-2026-12", "pain_score": 4},
    )
    clock.move_to(NOW + timedelta(days=2))
    second = session_amendments.session_amend(
        session=signed,
        actor=manager.user,
        reason="Client reported mild itching on day 2.",
        note="Itching on day 2, resolved with emollient.",
        changes={"adverse_events": ["itching"]},
    )
    assert first.author == ready.user
    assert first.changes == {
        "cartridge_lot": {"from": "LOT-2026-11", "to": "LOT-2026-12"},
        "pain_score": {"from": 3, "to": 4},
    }
    assert second.changes == {"adverse_events": {"from": [], "to": ["itching"]}}
    signed.refresh_from_db()
    assert signed.cartridge_lot == "LOT-2026-12" and signed.pain_score == 4
    assert signed.status == SessionStatus.SIGNED
    session = session_selectors.session_get(clinic=ready.clinic, pk=signed.pk)
    history = session_selectors.session_history(session=session)
    assert [(e.kind, e.by) for e in history] == [
        ("started", ready.user.full_name),
        ("signed", ready.user.full_name),
        ("amended", ready.user.full_name),
        ("amended", manager.user.full_name),
    ]
    assert history[2].reason == "Lot number misread from the box."
    assert history[3].note.startswith("Itching")


def test_an_amendment_needs_a_reason_and_something_to_change(ready, signed):
    with pytest.raises(ApplicationError) as no_reason:
        session_amendments.session_amend(
            session=signed, actor=ready.user, reason=" ", changes={"cartridge_lot": "B"}
        )
    assert "reason" in no_reason.value.fields
    with pytest.raises(ApplicationError) as nothing:
        session_amendments.session_amend(session=signed, actor=ready.user, reason="Because")
    assert "note" in nothing.value.fields
    with pytest.raises(ApplicationError) as blanked:
        session_amendments.session_amend(
            session=signed, actor=ready.user, reason="Because", changes={"cartridge_lot": ""}
        )
    assert "changes.cartridge_lot" in blanked.value.fields
    with pytest.raises(ApplicationError) as rows:
        session_amendments.session_amend(
            session=signed, actor=ready.user, reason="Because", changes={"areas": []}
        )
    assert "changes.areas" in rows.value.fields
    assert not SessionAmendment.objects.exists()


def test_reception_cannot_amend(ready, signed, reception):
    with pytest.raises(PermissionDenied):
        session_amendments.session_amend(session=signed, actor=reception.user, reason="x", note="y")


def test_the_lot_trace_finds_the_corrected_lot_and_flags_the_original(ready, signed):
    session_amendments.session_amend(
        session=signed,
        actor=ready.user,
        reason="Wrong lot recorded.",
        changes={"cartridge_lot": "LOT-FIXED"},
    )
    (by_new,) = session_selectors.lot_trace(clinic=ready.clinic, lot="lot-fixed")
    assert by_new.session.pk == signed.pk and by_new.amended is False
    (by_old,) = session_selectors.lot_trace(clinic=ready.clinic, lot="LOT-2026-11")
    assert by_old.session.pk == signed.pk and by_old.amended is True


def test_amending_the_device_records_the_serial_change(ready, signed):
    spare = DeviceFactory(clinic=ready.clinic, serial_number="SP-SPARE")
    amendment = session_amendments.session_amend(
        session=signed, actor=ready.user, reason="Used the spare pen.", changes={"device": spare.pk}
    )
    assert amendment.changes["device"] == {"from": ready.device.pk, "to": spare.pk}
    assert amendment.changes["device_serial"] == {"from": "SP-00777", "to": "SP-SPARE"}
    (row,) = session_selectors.lot_trace(clinic=ready.clinic, device_serial="sp-00777")
    assert row.session.pk == signed.pk and row.amended is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"pain_score": 11}, "changes.pain_score"),
        ({"pain_score": float("inf")}, "changes.pain_score"),
        ({"needle_count": "many"}, "changes.needle_count"),
        ({"cartridge_lot": "L" * 61}, "changes.cartridge_lot"),
        ({"ended_at": NOW - timedelta(hours=1)}, "changes.ended_at"),
        ({"endpoint_reached": "glowing"}, "changes.endpoint_reached"),
        ({"signed_by": 1}, "changes.signed_by"),
    ],
)
def test_amended_values_are_checked_like_edits(ready, signed, changes, field):
    with pytest.raises(ApplicationError) as refused:
        session_amendments.session_amend(
            session=signed, actor=ready.user, reason="Correction", changes=changes
        )
    assert refused.value.status_code == 400
    assert field in refused.value.fields
    assert not SessionAmendment.objects.exists()
    signed.refresh_from_db()
    assert (signed.pain_score, signed.cartridge_lot) == (3, "LOT-2026-11")
