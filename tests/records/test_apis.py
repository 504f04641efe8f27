"""Session records API: shapes, roles, and 404 across clinics (API.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from clinic.booking.models import AppointmentStatus
from clinic.models import Role
from clinic.roles import ABILITIES, Ability
from tests.factories import (
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
from tests.records.conftest import NOW, RECORDED
from treatments.records.models import SessionAmendment, SessionStatus, TreatmentSession

pytestmark = pytest.mark.django_db

COMPLETE = {
    "cartridge": "12-pin nano",
    "cartridge_lot": "LOT-2026-11",
    "needle_count": 12,
    "endpoint_reached": "erythema",
    "pain_score": 3,
    "ended_at": (NOW + timedelta(minutes=50)).isoformat(),
}


def start(api_client, scene, **body):
    return api_client.post("/api/sessions/", {"appointment": scene.appointment.pk, **body})


@pytest.fixture
def session_id(api, ready, clock):
    """A session started at NOW; the clock then stands at RECORDED, after its end."""
    response = start(api(ready.persona), ready)
    assert response.status_code == 201, response.json()
    clock.move_to(RECORDED)
    return response.json()["id"]


@pytest.fixture
def theirs(other_clinic, other_client_record, other_manager):
    """A signed session of another clinic."""
    membership = MembershipFactory(clinic=other_clinic, role="practitioner")
    performer = practitioner_for(membership)
    appointment = appointment_for(
        other_client_record,
        practitioner=performer,
        room=RoomFactory(clinic=other_clinic),
        device=DeviceFactory(clinic=other_clinic),
        start=NOW - timedelta(days=3),
    )
    return treatment_session_for(
        appointment,
        plan=plan_for(other_client_record),
        screening=screening_for(other_client_record, actor=membership.user),
        consent=consent_for(other_client_record, witnessed_by=membership.user),
        signed=True,
    )


# --- start --------------------------------------------------------------------------


def test_post_starts_a_session_and_returns_the_record(api, ready):
    response = start(api(ready.persona), ready)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "in_progress"
    assert body["client"] == ready.client.pk
    assert body["client_name"] == ready.client.full_name
    assert body["treatment_plan"] == ready.plan.pk
    assert body["plan_progress"] == "Session 1 of 4"
    assert body["appointment"] == ready.appointment.pk
    assert body["practitioner"] == ready.performer.pk
    assert body["device_serial"] == "SP-00777"
    assert body["previous"] is None
    assert [a["area"] for a in body["areas"]] == ["forehead", "periorbital", "cheeks_chin"]
    assert body["areas"][0] == {
        "area": "forehead",
        "skin": "thin",
        "depth_mm": "0.50",
        "passes": 3,
        "limit_mm": "0.50",
        "justification": "",
    }
    assert body["products"] == body["photos"] == body["amendments"] == []
    assert body["started_at"] == "2026-11-20T10:00:00Z"


def test_post_blocked_answers_409_listing_what_is_missing(api, scene):
    response = start(api(scene.persona), scene)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "session_start_blocked"
    assert [m["code"] for m in body["missing"]] == ["screening_missing", "consent_missing"]
    assert all(m["detail"] for m in body["missing"])
    assert not TreatmentSession.objects.exists()


def test_post_with_reconfirmation_passes_an_earlier_screening(api, scene, clock):
    clock.move_to(NOW - timedelta(days=5))
    scene.screen()
    clock.move_to(NOW)
    scene.consent()
    refused = start(api(scene.persona), scene)
    assert [m["code"] for m in refused.json()["missing"]] == ["screening_not_confirmed_today"]
    response = start(api(scene.persona), scene, screening_reconfirmed=True)
    assert response.status_code == 201
    assert response.json()["screening_reconfirmed_at"] == "2026-11-20T10:00:00Z"


def test_start_check(api, scene, reception):
    url = f"/api/sessions/start-check/?appointment={scene.appointment.pk}"
    body = api(reception).get(url).json()
    assert body["can_start"] is False
    assert [m["code"] for m in body["missing"]] == ["screening_missing", "consent_missing"]
    scene.screen()
    scene.consent()
    assert api(reception).get(url).json() == {"can_start": True, "missing": []}


def test_start_check_needs_an_appointment_of_the_clinic(api, ready, other_manager):
    assert api(ready.persona).get("/api/sessions/start-check/").status_code == 400
    url = f"/api/sessions/start-check/?appointment={ready.appointment.pk}"
    assert api(other_manager).get(url).status_code == 404


def test_reception_cannot_start_edit_or_sign(api, ready, reception, session_id):
    staff = api(reception)
    assert start(staff, ready).status_code == 403
    assert staff.patch(f"/api/sessions/{session_id}/", {"notes": "x"}).status_code == 403
    assert staff.post(f"/api/sessions/{session_id}/sign/").status_code == 403
    assert staff.get(f"/api/sessions/{session_id}/").status_code == 200
    assert staff.get("/api/sessions/").json()["count"] == 1


def test_who_records_is_the_record_ability_of_the_roles_table(
    api, ready, reception, session_id, monkeypatch
):
    """No role list of its own: give the ability to reception alone and the API follows."""
    url = f"/api/sessions/{session_id}/"
    assert api(reception).patch(url, {"notes": "Reception note"}).status_code == 403
    monkeypatch.setitem(ABILITIES, Ability.RECORD, frozenset({Role.RECEPTION}))
    assert api(reception).patch(url, {"notes": "Reception note"}).status_code == 200
    refused = api(ready.persona).patch(url, {"notes": "Practitioner note"})
    assert refused.status_code == 403
    assert api(ready.persona).get(url).json()["notes"] == "Reception note"


# --- edit, sign ---------------------------------------------------------------------


def test_patch_updates_fields_areas_and_products(api, ready, session_id):
    response = api(ready.persona).patch(
        f"/api/sessions/{session_id}/",
        {
            **COMPLETE,
            "adverse_events": ["redness"],
            "areas": [{"area": "cheeks_chin", "skin": "thick", "depth_mm": "1.00", "passes": 4}],
            "products": [{"product": "Hyaluronic serum", "lot": "H1", "timing": "during"}],
        },
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["cartridge_lot"] == "LOT-2026-11"
    assert body["adverse_events"] == ["redness"]
    assert body["areas"] == [
        {
            "area": "cheeks_chin",
            "skin": "thick",
            "depth_mm": "1.00",
            "passes": 4,
            "limit_mm": "1.00",
            "justification": "",
        }
    ]
    assert body["products"] == [
        {"product": "Hyaluronic serum", "lot": "H1", "timing": "during", "is_vitamin_c": False}
    ]


def test_patch_refusals_are_400_with_fields(api, ready, session_id):
    client = api(ready.persona)
    url = f"/api/sessions/{session_id}/"
    too_deep = client.patch(
        url, {"areas": [{"area": "forehead", "depth_mm": "0.75", "passes": 3}]}
    ).json()
    assert too_deep["code"] == "invalid"
    assert list(too_deep["fields"]) == ["areas.0.justification"]
    vitamin_c = client.patch(
        url, {"products": [{"product": "Vit C 20%", "timing": "during"}]}
    ).json()
    assert vitamin_c["code"] == "vitamin_c_during_needling"
    assert "products.0.timing" in vitamin_c["fields"]
    pain = client.patch(url, {"pain_score": 11})
    assert pain.status_code == 400 and "pain_score" in pain.json()["fields"]
    unknown = client.patch(url, {"adverse_events": ["sparkles"]})
    assert unknown.status_code == 400 and "adverse_events" in unknown.json()["fields"]


def test_an_end_time_later_than_now_is_a_400_naming_the_field(api, ready, session_id):
    url = f"/api/sessions/{session_id}/"
    later = (RECORDED + timedelta(minutes=20)).isoformat()
    response = api(ready.persona).patch(url, {**COMPLETE, "ended_at": later})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["ended_at"]
    assert api(ready.persona).get(url).json()["ended_at"] is None


def test_sign_then_patch_is_409(api, ready, session_id, aftercare_calls):
    client = api(ready.persona)
    client.patch(f"/api/sessions/{session_id}/", COMPLETE)
    response = client.post(f"/api/sessions/{session_id}/sign/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "signed"
    assert body["signed_by"] == ready.user.pk
    assert body["signed_at"] == "2026-11-20T11:00:00Z"
    refused = client.patch(f"/api/sessions/{session_id}/", {"notes": "late note"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "session_signed"
    assert client.post(f"/api/sessions/{session_id}/sign/").status_code == 409


def test_sign_incomplete_is_400_and_sign_by_a_manager_403(api, ready, session_id, manager):
    incomplete = api(ready.persona).post(f"/api/sessions/{session_id}/sign/")
    assert incomplete.status_code == 400
    assert incomplete.json()["code"] == "session_incomplete"
    assert "cartridge_lot" in incomplete.json()["fields"]
    api(ready.persona).patch(f"/api/sessions/{session_id}/", COMPLETE)
    assert api(manager).post(f"/api/sessions/{session_id}/sign/").status_code == 403


# --- amendments -----------------------------------------------------------------------


def test_amendments_post_and_list(api, ready, session_id, aftercare_calls, manager):
    client = api(ready.persona)
    url = f"/api/sessions/{session_id}/amendments/"
    assert client.post(url, {"reason": "x", "note": "y"}).json()["code"] == "session_not_signed"
    client.patch(f"/api/sessions/{session_id}/", COMPLETE)
    client.post(f"/api/sessions/{session_id}/sign/")
    response = api(manager).post(
        url, {"reason": "Lot misread.", "changes": {"cartridge_lot": "LOT-2026-12"}}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["author"] == manager.user.pk
    assert body["author_name"] == manager.user.full_name
    assert body["changes"] == {"cartridge_lot": {"from": "LOT-2026-11", "to": "LOT-2026-12"}}
    listed = client.get(url).json()
    assert listed["count"] == 1 and listed["results"][0]["reason"] == "Lot misread."
    record = client.get(f"/api/sessions/{session_id}/").json()
    assert record["cartridge_lot"] == "LOT-2026-12"
    assert record["amendments"][0]["id"] == body["id"]
    history = client.get(f"/api/sessions/{session_id}/history/").json()
    assert [e["kind"] for e in history] == ["started", "signed", "amended"]
    assert api(manager).post(url, {"reason": ""}).status_code == 400
    assert SessionAmendment.objects.count() == 1


# --- lists and other clinics ---------------------------------------------------------------


def test_list_filters(api, ready, session_id, theirs):
    client = api(ready.persona)
    assert [s["id"] for s in client.get("/api/sessions/").json()["results"]] == [session_id]
    assert client.get("/api/sessions/?status=signed").json()["count"] == 0
    assert client.get("/api/sessions/?status=in_progress").json()["count"] == 1
    assert client.get(f"/api/sessions/?client={ready.client.pk}").json()["count"] == 1
    assert client.get(f"/api/sessions/?plan={ready.plan.pk}").json()["count"] == 1
    assert client.get("/api/sessions/?date=2026-11-20").json()["count"] == 1
    assert client.get("/api/sessions/?date=2026-11-21").json()["count"] == 0
    assert client.get(f"/api/sessions/?client={theirs.client_id}").json()["count"] == 0
    assert client.get("/api/sessions/?status=draft").status_code == 400
    assert client.get("/api/sessions/?date=yesterday").status_code == 400


def test_previous_session_is_linked(api, ready):
    earlier = ready.book(NOW - timedelta(days=28), status=AppointmentStatus.COMPLETED)
    previous = treatment_session_for(
        earlier,
        plan=ready.plan,
        screening=ready.client.screenings.first(),
        consent=ready.client.consents.first(),
        signed=True,
    )
    body = start(api(ready.persona), ready).json()
    assert body["previous"] == previous.pk
    assert body["plan_progress"] == "Session 2 of 4"


def test_other_clinic_gets_404_everywhere(api, ready, session_id, other_manager, theirs):
    outsider = api(other_manager)
    base = f"/api/sessions/{session_id}/"
    assert outsider.get(base).status_code == 404
    assert outsider.patch(base, {"notes": "x"}).status_code == 404
    assert outsider.post(base + "sign/").status_code == 404
    assert outsider.get(base + "amendments/").status_code == 404
    assert outsider.post(base + "amendments/", {"reason": "x", "note": "y"}).status_code == 404
    assert outsider.get(base + "history/").status_code == 404
    assert outsider.get(base + "photos/").status_code == 404
    assert outsider.post("/api/sessions/", {"appointment": ready.appointment.pk}).status_code == 404
    assert [s["id"] for s in outsider.get("/api/sessions/").json()["results"]] == [theirs.pk]
    assert api(ready.persona).get(f"/api/sessions/{theirs.pk}/").status_code == 404


def test_anonymous_is_refused(api, ready, session_id):
    anonymous = api()
    assert anonymous.get("/api/sessions/").status_code == 401
    assert anonymous.get(f"/api/sessions/{session_id}/").status_code == 401
    assert anonymous.post("/api/sessions/", {"appointment": 1}).status_code == 401


def test_reads_are_audited(api, ready, session_id, reception):
    from common.models import AuditEvent

    api(reception).get(f"/api/sessions/{session_id}/")
    assert AuditEvent.objects.filter(
        actor=reception.user, action="read", object_type="treatment_session"
    ).exists()


def test_signed_session_of_the_factory_reads_as_signed(api, ready, theirs, other_manager):
    body = api(other_manager).get(f"/api/sessions/{theirs.pk}/").json()
    assert body["status"] == SessionStatus.SIGNED
    assert body["cartridge_lot"] == "LOT-A1"


@pytest.mark.parametrize(
    "body",
    [
        ["not", "an", "object"],
        {"areas": "forehead"},
        {"areas": [None]},
        {"areas": [{"area": "forehead", "depth_mm": "NaN", "passes": 3}]},
        {"areas": [{"area": "forehead", "depth_mm": "0.125", "passes": 3}]},
        {"areas": [{"area": "forehead", "depth_mm": "9", "passes": 3}]},
        {"products": [{"product": "", "timing": "after"}]},
        {"products": [{"product": "Serum", "timing": "sometime"}]},
        {"device": 2**70},
        {"device": 999999},
        {"ended_at": "0001-01-01T00:00:00Z"},
        {"ended_at": "2026-11-20T09:00:00Z"},
        {"ended_at": "tomorrow"},
        {
            "anaesthetic_applied_at": "2026-11-20T10:30:00Z",
            "anaesthetic_removed_at": "2026-11-20T10:10:00Z",
        },
        {"adverse_events": "redness"},
        {"needle_count": "many"},
    ],
)
def test_patch_bad_input_is_400_never_500(api, ready, session_id, body):
    response = api(ready.persona).patch(f"/api/sessions/{session_id}/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert TreatmentSession.objects.get(pk=session_id).areas.count() == 3


@pytest.mark.parametrize(
    "raw",
    [
        '{"pain_score": NaN}',
        '{"pain_score": Infinity}',
        '{"pain_score": 1e999}',
        '{"needle_count": 99999999999999999999999999999999}',
        '{"areas": [{"area": "forehead", "depth_mm": Infinity, "passes": 3}]}',
        '{"areas": [{"area": "forehead", "depth_mm": 1e999, "passes": 3}]}',
        '{"areas": [{"area": "forehead", "depth_mm": "0.5", "passes": 1e400}]}',
        '{"notes": "' + "x" * 10001 + '"}',
    ],
)
def test_patch_nan_infinity_and_huge_numbers_are_400(api, ready, session_id, raw):
    response = api(ready.persona).patch(
        f"/api/sessions/{session_id}/", raw, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) >= {"code", "detail"}
    assert TreatmentSession.objects.get(pk=session_id).pain_score is None
