"""Refused attempts are on record; the answers themselves do not change (decision 0010)."""

from __future__ import annotations

import pytest

from clinic.audit.middleware import requested_object
from common.models import AuditEvent
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def denied():
    return AuditEvent.objects.filter(outcome="denied")


def test_another_clinics_client_in_the_api_is_the_same_404_and_is_recorded(
    api, reception, other_client_record
):
    caller = api(reception)
    theirs = caller.get(f"/api/clients/{other_client_record.pk}/")
    missing = caller.get("/api/clients/99999999/")

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    events = list(denied().order_by("id"))
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("read", "client", str(other_client_record.pk)),
        ("read", "client", "99999999"),
    ]
    event = events[0]
    assert event.actor_id == reception.user.pk
    assert event.clinic_id == reception.clinic.pk
    assert event.client_id is None
    assert event.channel == "api"
    assert event.detail == {"status": 404, "method": "GET", "route": "client-detail"}


def test_another_clinics_client_page_is_recorded(web, reception, other_client_record):
    response = web(reception).get(f"/clients/{other_client_record.pk}/edit/")
    assert response.status_code == 404
    event = denied().get()
    assert (event.action, event.object_type, event.channel) == ("read", "client", "web")
    assert event.object_id == str(other_client_record.pk)


def test_a_write_to_another_clinics_object_is_recorded_with_its_action(
    api, reception, other_client_record
):
    response = api(reception).patch(
        f"/api/clients/{other_client_record.pk}/", {"notes": "x"}, format="json"
    )
    assert response.status_code == 404
    assert denied().get().action == "update"
    other_client_record.refresh_from_db()
    assert other_client_record.notes != "x"


def test_a_missing_role_in_the_api_is_recorded(api, reception, client_record):
    response = api(reception).post(
        "/api/treatment-plans/",
        {"client": client_record.pk, "indication": "fine_lines_wrinkles"},
        format="json",
    )
    assert response.status_code == 403
    event = denied().get()
    assert (event.action, event.object_type) == ("create", "treatment_plan")
    assert event.detail["status"] == 403


def test_a_missing_role_on_a_page_is_recorded(web, reception):
    assert web(reception).get("/staff/").status_code == 403
    event = denied().get()
    assert (event.action, event.object_type, event.channel) == ("read", "membership", "web")


def test_allowed_requests_and_unknown_addresses_write_no_denial(web, api, reception):
    client = ClientFactory(clinic=reception.clinic)
    assert web(reception).get(f"/clients/{client.pk}/").status_code == 200
    assert web(reception).get("/no-such-page/").status_code == 404
    assert api(reception).get("/api/no-such-thing/").status_code == 404
    assert not denied().exists()


def test_anonymous_visitors_are_sent_to_sign_in_not_recorded(client, api, client_record):
    assert client.get(f"/clients/{client_record.pk}/").status_code == 302
    assert api().get(f"/api/clients/{client_record.pk}/").status_code == 401
    assert not AuditEvent.objects.exists()


def test_a_refusal_the_view_audited_itself_is_not_written_twice(web, reception):
    response = web(reception).get("/aftercare/not-a-real-token/")
    assert response.status_code == 404
    event = denied().get()
    assert event.channel == "link"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/clients/7/", ("client", "7")),
        ("/api/clients/7/screenings/", ("client", "7")),
        ("/clients/7/screenings/new/", ("client", "7")),
        ("/screenings/3/review/", ("screening", "3")),
        ("/api/sessions/5/photos/9/", ("treatment_session", "5")),
        ("/appointments/4/session/", ("appointment", "4")),
        ("/settings/resources/rooms/2/", ("room", "2")),
        ("/api/treatment-plans/", ("treatment_plan", "")),
        ("/staff/", ("membership", "")),
        ("/audit/export.csv", ("audit_event", "")),
        ("/somewhere/", ("page", "")),
    ],
)
def test_the_requested_object_is_read_from_the_path(path, expected):
    assert requested_object(path) == expected
