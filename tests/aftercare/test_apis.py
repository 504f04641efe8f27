"""The aftercare API: the PDF with token authentication, and cancelling a session's aftercare."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from aftercare.models import AftercareSchedule
from aftercare.schedules import aftercare_schedule_session
from clinic.messaging.models import OutgoingMessage
from clinic.roles import ABILITIES, Ability
from common.models import AuditEvent

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
ENDED = datetime(2026, 3, 26, 16, 0, tzinfo=LONDON)


@pytest.fixture
def clock():
    with time_machine.travel(ENDED + timedelta(minutes=5), tick=False) as traveller:
        yield traveller


@pytest.fixture
def schedule(clock, signed_session, client_record) -> AftercareSchedule:
    return aftercare_schedule_session(session=signed_session(client_record, ended_at=ENDED))


def token_client(api, persona):
    """An API client that authenticates with a token, as an integration does."""
    from rest_framework.test import APIClient

    response = APIClient().post(
        "/api/auth/token/",
        {"email": persona.user.email, "password": "a-Long-password-2026"},
        format="json",
    )
    assert response.status_code == 200, response.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + response.json()["token"])
    return client


def statuses(schedule) -> set[str]:
    return set(
        OutgoingMessage.objects.filter(session_id=schedule.session_id).values_list(
            "status", flat=True
        )
    )


# --- the PDF -----------------------------------------------------------------------------


def test_pdf_url_points_at_the_api_pdf(api, reception, schedule):
    data = api(reception).get(f"/api/sessions/{schedule.session_id}/aftercare/").json()
    assert data["pdf_url"] == (
        f"http://testserver/api/sessions/{schedule.session_id}/aftercare/pdf/"
    )


def test_a_token_client_downloads_the_pdf_and_it_is_audited(api, reception, schedule):
    reception.user.set_password("a-Long-password-2026")
    reception.user.save()
    client = token_client(api, reception)
    url = client.get(f"/api/sessions/{schedule.session_id}/aftercare/").json()["pdf_url"]

    response = client.get(url, HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="aftercare-2026-03-26.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(object_type="aftercare_pdf", action="export")
    assert (event.actor_id, event.client_id) == (reception.user.pk, schedule.client_id)


def test_the_pdf_of_another_clinic_or_an_unsigned_session_is_404(
    api, other_manager, reception, schedule
):
    url = f"/api/sessions/{schedule.session_id}/aftercare/pdf/"
    other = api(other_manager).get(url)
    missing = api(reception).get("/api/sessions/999999/aftercare/pdf/")
    assert other.status_code == missing.status_code == 404
    assert other.json()["code"] == missing.json()["code"]
    assert api().get(url).status_code in (401, 403)


# --- cancelling ----------------------------------------------------------------------------


def test_a_practitioner_cancels_the_pending_aftercare_with_a_reason(api, practitioner, schedule):
    day3 = OutgoingMessage.objects.get(dedupe_key__endswith=":day3")
    OutgoingMessage.objects.filter(dedupe_key__endswith=":immediate").update(
        status="sent", sent_at=ENDED + timedelta(minutes=5)
    )

    response = api(practitioner).post(
        f"/api/sessions/{schedule.session_id}/aftercare/cancel/",
        {"reason": "The client asked for no further e-mails."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["cancelled_reason"] == "The client asked for no further e-mails."
    assert body["cancelled_at"] is not None
    day3.refresh_from_db()
    assert day3.status == "cancelled"
    assert day3.cancelled_reason == "The client asked for no further e-mails."
    assert statuses(schedule) == {"sent", "cancelled"}  # what went out stays sent
    event = AuditEvent.objects.get(object_type="aftercare_schedule", action="update")
    assert event.actor_id == practitioner.user.pk and event.client_id == schedule.client_id
    assert event.detail["cancelled_messages"] == 11
    assert "no further" not in str(event.detail)  # the reason's name, never its text


def test_a_reason_is_required(api, manager, schedule):
    url = f"/api/sessions/{schedule.session_id}/aftercare/cancel/"
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 256}):
        response = api(manager).post(url, body, format="json")
        assert response.status_code == 400, body
        assert list(response.json()["fields"]) == ["reason"]
    assert statuses(schedule) == {"pending"}


def test_cancelling_twice_is_a_409(api, manager, schedule):
    url = f"/api/sessions/{schedule.session_id}/aftercare/cancel/"
    assert api(manager).post(url, {"reason": "Duplicate record."}).status_code == 200
    again = api(manager).post(url, {"reason": "Duplicate record."})
    assert again.status_code == 409
    assert again.json()["code"] == "aftercare_already_cancelled"


def test_reception_may_not_cancel_and_another_clinic_gets_404(
    api, reception, other_manager, schedule
):
    url = f"/api/sessions/{schedule.session_id}/aftercare/cancel/"
    assert api(reception).post(url, {"reason": "No."}).status_code == 403
    assert api(other_manager).post(url, {"reason": "No."}).status_code == 404
    assert (
        api(other_manager)
        .post("/api/sessions/999999/aftercare/cancel/", {"reason": "No."})
        .status_code
        == 404
    )
    assert statuses(schedule) == {"pending"}
    assert ABILITIES[Ability.CANCEL_AFTERCARE] == {"practitioner", "manager"}


def test_a_cancelled_schedule_stops_what_a_worker_already_holds(api, manager, schedule):
    from clinic.messaging.kinds import cancel_reason

    day3 = OutgoingMessage.objects.get(dedupe_key__endswith=":day3")
    api(manager).post(
        f"/api/sessions/{schedule.session_id}/aftercare/cancel/", {"reason": "Recorded twice."}
    )
    assert cancel_reason(day3, now=ENDED) == "Aftercare was cancelled: Recorded twice."
