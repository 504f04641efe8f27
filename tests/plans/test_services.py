"""Treatment plans: proposals, creation and its refusals, progress, the API, protocol versions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.errors import ApplicationError, NotFound
from common.models import AuditEvent
from tests.factories import (
    ClientFactory,
    DeviceFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)
from tests.plans.fixtures import create, payload
from treatments.plans import (
    selectors as plan_selectors,
)
from treatments.plans import (
    services as plan_services,
)
from treatments.plans.models import PlanStatus, TreatmentPlan

pytestmark = pytest.mark.django_db

NOW = "2026-03-02 08:00:00+00:00"  # Monday, London (UTC+0)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- proposals -------------------------------------------------------------------------


def test_proposals_follow_the_clients_concerns_in_order(client_record):
    client_record.skin_concerns = ["acne_scars", "hyperpigmentation_melasma"]
    client_record.fitzpatrick_type = 2
    proposals = plan_services.plan_proposals(client=client_record)
    assert [p.indication for p in proposals] == ["acne_scars", "hyperpigmentation_melasma"]
    melasma = proposals[1]
    assert melasma.interval_days == 14
    assert melasma.areas == ["cheekbones", "cheeks_chin", "forehead", "upper_lip"]
    assert not melasma.pih_risk


def test_proposals_for_fitzpatrick_five_are_conservative_with_a_pih_note(client_record):
    client_record.skin_concerns = ["acne_scars"]
    client_record.fitzpatrick_type = 5
    (proposal,) = plan_services.plan_proposals(client=client_record)
    assert proposal.pih_risk
    assert proposal.depth_max_mm == Decimal("1.5")
    assert "hyperpigmentation" in proposal.notes[0]


def test_proposals_api_lists_each_concern_with_area_limits(api, reception, client_record):
    client_record.skin_concerns = ["acne_scars"]
    client_record.fitzpatrick_type = 6
    client_record.save()
    response = api(reception).get(f"/api/treatment-plans/proposals/?client={client_record.pk}")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["protocol_version"] == 1
    (proposal,) = body["proposals"]
    assert proposal["indication"] == "acne_scars"
    assert proposal["pih_risk"] is True
    assert proposal["pih_note"].startswith("Fitzpatrick IV–VI")
    assert proposal["depth_max_mm"] == "1.50"
    assert proposal["area_limits"][0]["area"] == "cheeks_chin"
    assert proposal["area_limits"][0]["limit_thick_mm"] == "2.00"
    assert AuditEvent.objects.filter(
        object_type="plan_proposals", client_id=client_record.pk, action="read"
    ).exists()


def test_proposals_for_another_clinics_client_are_404(api, reception, other_client_record):
    response = api(reception).get(
        f"/api/treatment-plans/proposals/?client={other_client_record.pk}"
    )
    assert response.status_code == 404


# --- creating ----------------------------------------------------------------------------


def test_create_stores_the_depth_range_protocol_version_and_audits(practitioner, client_record):
    plan = create(client_record, practitioner)
    assert plan.protocol_set.version == 1
    assert (plan.depth_min_mm, plan.depth_max_mm) == (Decimal("0.5"), Decimal("1.0"))
    assert plan.pih_risk is False
    assert plan.status == PlanStatus.ACTIVE
    assert plan.created_by == practitioner.user
    event = AuditEvent.objects.get(object_type="treatment_plan", action="create")
    assert event.object_id == str(plan.pk)
    assert event.client_id == client_record.pk
    assert event.detail["protocol_version"] == 1


def test_create_for_fitzpatrick_four_stores_the_conservative_depth(practitioner, client_record):
    client_record.fitzpatrick_type = 4
    plan = create(client_record, practitioner, indication="acne_scars", areas=["cheeks_chin"])
    assert plan.pih_risk is True
    assert (plan.depth_min_mm, plan.depth_max_mm) == (Decimal("1.5"), Decimal("1.5"))


def test_interval_below_the_protocol_minimum_is_refused(practitioner, client_record):
    with pytest.raises(ApplicationError) as caught:
        create(client_record, practitioner, interval_days=27)
    assert caught.value.status_code == 400
    assert caught.value.fields == {
        "interval_days": [
            "At least 28 days between sessions for fine lines and wrinkles (protocol version 1)."
        ]
    }
    assert not TreatmentPlan.objects.exists()


def test_melasma_allows_fourteen_days(practitioner, client_record):
    plan = create(
        client_record,
        practitioner,
        indication="hyperpigmentation_melasma",
        areas=["cheekbones"],
        interval_days=14,
    )
    assert plan.interval_days == 14


def test_create_for_another_clinics_client_is_404(practitioner, other_client_record, clinic):
    with pytest.raises(NotFound):
        plan_services.plan_create(
            clinic=clinic,
            actor=practitioner.user,
            client=other_client_record,
            indication="acne_scars",
            areas=["cheeks_chin"],
            planned_sessions=3,
            interval_days=28,
        )


def test_api_create_returns_the_plan_with_limits_and_progress(api, practitioner, client_record):
    response = api(practitioner).post(
        "/api/treatment-plans/", payload(client_record, notes="Goal: softer forehead lines")
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["client"] == client_record.pk
    assert body["indication"] == "fine_lines_wrinkles"
    assert body["indication_label"] == "Fine lines and wrinkles"
    assert body["areas"] == ["forehead", "cheeks_chin"]
    forehead = body["area_limits"][0]
    assert forehead["label"] == "Forehead"
    assert (forehead["thin_max_mm"], forehead["thick_max_mm"]) == ("0.50", "0.75")
    assert (forehead["limit_thin_mm"], forehead["limit_thick_mm"]) == ("0.50", "0.75")
    assert body["area_limits"][1]["limit_thick_mm"] == "1.00"  # the indication's 1.0 wins
    assert (body["depth_min_mm"], body["depth_max_mm"]) == ("0.50", "1.00")
    assert body["pih_risk"] is False and body["pih_note"] is None
    assert body["protocol_version"] == 1
    assert body["status"] == "active"
    assert body["progress"]["completed"] == 0
    assert body["progress"]["planned"] == 4
    assert body["progress"]["label"] == "Session 1 of 4"
    assert body["next_due"] is None
    assert body["created_at"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"indication": "tattoo_removal"}, "indication"),
        ({"areas": ["elbow"]}, "areas"),
        ({"areas": []}, "areas"),
        ({"planned_sessions": 0}, "planned_sessions"),
        ({"planned_sessions": 25}, "planned_sessions"),
        ({"interval_days": 14}, "interval_days"),
        ({"interval_days": 366}, "interval_days"),
        ({"areas": "forehead"}, "areas"),
        ({"planned_sessions": "four"}, "planned_sessions"),
    ],
)
def test_api_bad_input_is_400_with_fields(api, practitioner, client_record, overrides, field):
    response = api(practitioner).post("/api/treatment-plans/", payload(client_record, **overrides))
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert response.json()["code"]


def test_api_interval_message_names_the_minimum(api, practitioner, client_record):
    response = api(practitioner).post(
        "/api/treatment-plans/", payload(client_record, interval_days=21)
    )
    assert response.status_code == 400
    assert "At least 28 days" in response.json()["fields"]["interval_days"][0]


def test_reception_reads_but_cannot_write(api, reception, practitioner, client_record):
    plan = create(client_record, practitioner)
    client = api(reception)
    assert client.post("/api/treatment-plans/", payload(client_record)).status_code == 403
    assert client.patch(f"/api/treatment-plans/{plan.pk}/", {"notes": "x"}).status_code == 403
    assert client.get(f"/api/treatment-plans/{plan.pk}/").status_code == 200
    assert client.get("/api/treatment-plans/").json()["count"] == 1


def test_manager_may_plan(api, manager, client_record):
    assert api(manager).post("/api/treatment-plans/", payload(client_record)).status_code == 201


def test_other_clinic_sees_nothing(api, other_manager, practitioner, client_record):
    plan = create(client_record, practitioner)
    client = api(other_manager)
    assert client.get(f"/api/treatment-plans/{plan.pk}/").status_code == 404
    assert client.patch(f"/api/treatment-plans/{plan.pk}/", {"notes": "x"}).status_code == 404
    assert client.get("/api/treatment-plans/").json()["count"] == 0
    assert client.post("/api/treatment-plans/", payload(client_record)).status_code == 404
    assert client.get(f"/api/treatment-plans/?client={client_record.pk}").status_code == 404


def test_list_filters_by_client_and_status(api, reception, practitioner, client_record, clinic):
    other = ClientFactory(clinic=clinic)
    mine = create(client_record, practitioner)
    create(other, practitioner)
    plan_services.plan_update(plan=mine, actor=practitioner.user, data={"status": "stopped"})
    client = api(reception)
    by_client = client.get(f"/api/treatment-plans/?client={client_record.pk}").json()
    assert [p["id"] for p in by_client["results"]] == [mine.pk]
    assert client.get("/api/treatment-plans/?status=active").json()["count"] == 1
    assert client.get("/api/treatment-plans/?status=stopped").json()["count"] == 1
    assert client.get("/api/treatment-plans/?status=paused").status_code == 400
    assert client.get("/api/treatment-plans/?client=abc").status_code == 400


def test_reading_a_plan_is_audited(api, reception, practitioner, client_record):
    plan = create(client_record, practitioner)
    api(reception).get(f"/api/treatment-plans/{plan.pk}/")
    event = AuditEvent.objects.get(object_type="treatment_plan", action="read")
    assert event.actor == reception.user
    assert event.client_id == client_record.pk


# --- changing ----------------------------------------------------------------------------


def test_patch_changes_and_audits(api, practitioner, client_record):
    plan = create(client_record, practitioner)
    response = api(practitioner).patch(
        f"/api/treatment-plans/{plan.pk}/",
        {"planned_sessions": 3, "interval_days": 35, "areas": ["forehead"], "status": "completed"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["planned_sessions"], body["interval_days"]) == (3, 35)
    assert body["areas"] == ["forehead"]
    assert body["status"] == "completed"
    event = AuditEvent.objects.get(object_type="treatment_plan", action="update")
    assert event.detail["changes"]["interval_days"] == {"from": 28, "to": 35}


def test_patch_interval_below_minimum_is_400(api, practitioner, client_record):
    plan = create(client_record, practitioner)
    response = api(practitioner).patch(f"/api/treatment-plans/{plan.pk}/", {"interval_days": 7})
    assert response.status_code == 400
    assert "interval_days" in response.json()["fields"]
    plan.refresh_from_db()
    assert plan.interval_days == 28


def test_patch_bad_status_is_400(api, practitioner, client_record):
    plan = create(client_record, practitioner)
    response = api(practitioner).patch(f"/api/treatment-plans/{plan.pk}/", {"status": "paused"})
    assert response.status_code == 400
    assert "status" in response.json()["fields"]


# --- progress ----------------------------------------------------------------------------


@pytest.fixture
def course(clinic, practitioner, manager, client_record):
    """A 4-session plan, a valid screening and consent, resources for sessions."""
    staff = practitioner_for(practitioner.membership)
    return {
        "plan": create(client_record, practitioner),
        "screening": screening_for(client_record, actor=practitioner.user),
        "consent": consent_for(client_record, witnessed_by=practitioner.user),
        "practitioner": staff,
        "room": RoomFactory(clinic=clinic),
        "device": DeviceFactory(clinic=clinic),
    }


def session(course, start: datetime, *, signed: bool = True):
    appointment = appointment_for(
        course["plan"].client,
        practitioner=course["practitioner"],
        room=course["room"],
        device=course["device"],
        start=start,
        treatment_plan=course["plan"],
    )
    return treatment_session_for(
        appointment,
        plan=course["plan"],
        screening=course["screening"],
        consent=course["consent"],
        signed=signed,
    )


def test_progress_before_any_session(course):
    progress = plan_selectors.plan_progress(plan=course["plan"])
    assert progress.completed == 0
    assert progress.next_number == 1
    assert progress.label == "Session 1 of 4"
    assert progress.last_session_on is None
    assert progress.next_due is None
    assert not progress.is_complete


def test_progress_counts_signed_sessions_only_and_dates_the_next(course):
    session(course, datetime(2026, 1, 5, 10, tzinfo=LONDON))
    session(course, datetime(2026, 2, 2, 10, tzinfo=LONDON))
    session(course, datetime(2026, 3, 2, 9, tzinfo=LONDON), signed=False)  # in progress
    progress = plan_selectors.plan_progress(plan=course["plan"])
    assert progress.completed == 2
    assert progress.label == "Session 3 of 4"
    assert progress.last_session_on == date(2026, 2, 2)
    assert progress.next_due == date(2026, 3, 2)


def test_last_session_date_is_the_clinic_local_date(course, clinic):
    clinic.timezone = "Pacific/Auckland"  # UTC+13 in March
    clinic.save()
    # 20:00 UTC on 1 February is already 2 February in Auckland.
    session(course, datetime(2026, 2, 1, 20, tzinfo=ZoneInfo("UTC")))
    plan = plan_selectors.plan_get(clinic=clinic, pk=course["plan"].pk)
    progress = plan_selectors.plan_progress(plan=plan)
    assert progress.last_session_on == date(2026, 2, 2)
    assert progress.next_due == date(2026, 3, 2)


def test_complete_course_has_no_next_due(course):
    for month in (1, 2, 3, 4):
        session(course, datetime(2025, month, 6, 10, tzinfo=LONDON))
    progress = plan_selectors.plan_progress(plan=course["plan"])
    assert progress.is_complete
    assert progress.next_number is None
    assert progress.next_due is None
    assert progress.label == "Course complete: 4 of 4 sessions"


def test_api_shows_progress_and_next_due(api, reception, course):
    session(course, datetime(2026, 2, 16, 10, tzinfo=LONDON))
    body = api(reception).get(f"/api/treatment-plans/{course['plan'].pk}/").json()
    assert body["progress"]["completed"] == 1
    assert body["progress"]["label"] == "Session 2 of 4"
    assert body["next_due"] == "2026-03-16"


def test_planned_sessions_cannot_drop_below_signed_ones(practitioner, course):
    session(course, datetime(2026, 1, 5, 10, tzinfo=LONDON))
    session(course, datetime(2026, 2, 2, 10, tzinfo=LONDON))
    with pytest.raises(ApplicationError) as caught:
        plan_services.plan_update(
            plan=course["plan"], actor=practitioner.user, data={"planned_sessions": 1}
        )
    assert "planned_sessions" in caught.value.fields


def test_plan_list_does_not_query_per_plan(api, reception, practitioner, clinic):
    for _ in range(3):
        create(ClientFactory(clinic=clinic), practitioner)
    client = api(reception)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/treatment-plans/").status_code == 200
    for _ in range(5):
        create(ClientFactory(clinic=clinic), practitioner)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/treatment-plans/").json()["count"] == 8
    # Only the per-plan audit rows may grow with the page.
    reads = [q for q in many.captured_queries if "audit" not in q["sql"].lower()]
    reads_few = [q for q in few.captured_queries if "audit" not in q["sql"].lower()]
    assert len(reads) == len(reads_few)


# --- booking interval helper ------------------------------------------------------------


def test_interval_for_a_client_prefers_the_given_plan_then_the_newest_active(
    practitioner, client_record
):
    assert plan_selectors.plan_interval_days_for(client=client_record) is None
    older = create(client_record, practitioner, interval_days=42)
    newer = create(
        client_record,
        practitioner,
        indication="hyperpigmentation_melasma",
        areas=["cheekbones"],
        interval_days=14,
    )
    assert plan_selectors.plan_interval_days_for(client=client_record) == 14
    assert plan_selectors.plan_interval_days_for(client=client_record, plan=older) == 42
    plan_services.plan_update(plan=newer, actor=practitioner.user, data={"status": "stopped"})
    assert plan_selectors.plan_interval_days_for(client=client_record) == 42


def test_progress_without_annotation_queries_the_sessions(client_record):
    plan = TreatmentPlan.objects.get(pk=plan_for(client_record).pk)
    assert not hasattr(plan, "signed_count")
    assert plan_selectors.plan_progress(plan=plan).label == "Session 1 of 4"
