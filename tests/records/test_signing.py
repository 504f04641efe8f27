"""Signing a session is the one event aftercare hooks into: both commit, or neither does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinic.messaging.models import OutgoingMessage
from tests.records.conftest import NOW
from treatments.records.models import SessionStatus, TreatmentSession

pytestmark = pytest.mark.django_db

RECORD = {
    "cartridge": "12-pin nano",
    "cartridge_lot": "LOT-2026-11",
    "needle_count": 12,
    "endpoint_reached": "erythema",
    "pain_score": 3,
    "ended_at": (NOW + timedelta(minutes=50)).isoformat(),
    "areas": [{"area": "cheeks_chin", "skin": "thin", "depth_mm": "0.75", "passes": 3}],
}


@pytest.fixture
def recorded(api, ready, clock):
    client = api(ready.persona)
    started = client.post("/api/sessions/", {"appointment": ready.appointment.pk})
    assert started.status_code == 201, started.json()
    session_id = started.json()["id"]
    clock.move_to(NOW + timedelta(hours=1))  # recorded once the session has ended
    patched = client.patch(f"/api/sessions/{session_id}/", RECORD, format="json")
    assert patched.status_code == 200, patched.json()
    return client, session_id


def test_signing_creates_the_aftercare_messages_in_the_same_request(recorded, ready):
    client, session_id = recorded
    assert not OutgoingMessage.objects.filter(session_id=session_id).exists()
    signed = client.post(f"/api/sessions/{session_id}/sign/")
    assert signed.status_code == 200, signed.json()
    messages = OutgoingMessage.objects.filter(session_id=session_id)
    kinds = set(messages.values_list("kind", flat=True))
    assert any("24" in kind for kind in kinds), kinds
    assert messages.count() >= 6
    assert set(messages.values_list("appointment_id", flat=True)) == {ready.appointment.pk}
    schedule = client.get(f"/api/sessions/{session_id}/aftercare/")
    assert schedule.status_code == 200
    assert len(schedule.json()["items"]) >= messages.count()
    # Signing again cannot create a second set.
    assert client.post(f"/api/sessions/{session_id}/sign/").status_code == 409
    assert OutgoingMessage.objects.filter(session_id=session_id).count() == messages.count()


def test_if_scheduling_fails_the_signature_is_rolled_back(recorded, monkeypatch):
    import aftercare.schedules

    real = aftercare.schedules.aftercare_schedule_session

    def broken(*, session):
        real(session=session)  # the rows are written, then something fails
        raise RuntimeError("template store unavailable")

    monkeypatch.setattr(aftercare.schedules, "aftercare_schedule_session", broken)
    client, session_id = recorded
    client.raise_request_exception = False
    response = client.post(f"/api/sessions/{session_id}/sign/")
    assert response.status_code == 500
    session = TreatmentSession.objects.get(pk=session_id)
    assert session.status == SessionStatus.IN_PROGRESS
    assert session.signed_at is None
    assert not OutgoingMessage.objects.filter(session_id=session_id).exists()


def test_the_signed_session_page_shows_its_aftercare_schedule(recorded, web, ready):
    client, session_id = recorded
    assert client.post(f"/api/sessions/{session_id}/sign/").status_code == 200
    page = web(ready.persona).get(f"/sessions/{session_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Aftercare" in html
    assert "Aftercare PDF" in html


def test_the_appointment_page_offers_to_start_the_session(web, ready, clock):
    page = web(ready.persona).get(f"/appointments/{ready.appointment.pk}/")
    assert f"/appointments/{ready.appointment.pk}/session/" in page.content.decode()
    assert "Start session" in page.content.decode()


def test_the_appointment_page_then_opens_the_session(recorded, web, ready):
    _client, session_id = recorded
    page = web(ready.persona).get(f"/appointments/{ready.appointment.pk}/")
    assert f"/sessions/{session_id}/" in page.content.decode()
    assert "Continue session" in page.content.decode()
