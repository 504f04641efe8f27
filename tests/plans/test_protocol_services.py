"""Protocol versions: the shipped default is version 1; managers publish the next."""

from __future__ import annotations

import copy

import pytest
import time_machine

from common.errors import ApplicationError
from common.models import AuditEvent
from tests.plans.fixtures import create
from treatments.plans import protocol_services
from treatments.plans import services as plan_services
from treatments.plans.defaults import DEFAULT_PROTOCOLS
from treatments.plans.models import ProtocolSet

pytestmark = pytest.mark.django_db

NOW = "2026-03-02 08:00:00+00:00"  # Monday, London (UTC+0)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


# --- protocol versions ------------------------------------------------------------------


def test_current_protocols_start_as_the_shipped_default(clinic):
    current = protocol_services.protocol_set_current(clinic=clinic)
    assert current.version == 1
    assert current.data == DEFAULT_PROTOCOLS
    assert protocol_services.protocol_set_current(clinic=clinic).pk == current.pk


def _fine_lines_every_five_weeks() -> dict:
    data = copy.deepcopy(DEFAULT_PROTOCOLS)
    data["indications"]["fine_lines_wrinkles"]["interval_days"] = 35
    return data


def test_publish_v2_keeps_old_plans_on_v1(api, manager, practitioner, client_record):
    old = create(client_record, practitioner)
    response = api(manager).post(
        "/api/protocols/", {"data": _fine_lines_every_five_weeks(), "note": "Fine lines: 5 weeks"}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 2
    old.refresh_from_db()
    assert old.protocol_set.version == 1
    # The old plan is still checked against v1 (28 days is fine there) ...
    plan_services.plan_update(plan=old, actor=practitioner.user, data={"interval_days": 28})
    # ... while a new plan follows v2.
    with pytest.raises(ApplicationError):
        create(client_record, practitioner, interval_days=28)
    new = create(client_record, practitioner, interval_days=35)
    assert new.protocol_set.version == 2
    assert AuditEvent.objects.filter(object_type="protocol_set", action="create").count() == 1
    api_old = api(practitioner).get(f"/api/treatment-plans/{old.pk}/").json()
    assert api_old["protocol_version"] == 1


def test_protocols_api_reads_current_and_older_versions(api, reception, manager, clinic):
    client = api(reception)
    assert client.get("/api/protocols/").json()["version"] == 1
    protocol_services.protocol_set_publish(
        clinic=clinic, actor=manager.user, data=_fine_lines_every_five_weeks(), note="5 weeks"
    )
    assert client.get("/api/protocols/").json()["version"] == 2
    assert client.get("/api/protocols/?version=1").json()["data"] == DEFAULT_PROTOCOLS
    assert client.get("/api/protocols/?version=9").status_code == 404
    assert client.get("/api/protocols/?version=x").status_code == 400


def test_only_managers_publish_and_bad_documents_are_400(api, practitioner, manager, clinic):
    body = {"data": _fine_lines_every_five_weeks(), "note": "x"}
    assert api(practitioner).post("/api/protocols/", body).status_code == 403
    broken = _fine_lines_every_five_weeks()
    broken["areas"]["forehead"]["thin_max_mm"] = "9"
    response = api(manager).post("/api/protocols/", {"data": broken, "note": "oops"})
    assert response.status_code == 400
    assert "data.areas.forehead.thin_max_mm" in response.json()["fields"]
    same = api(manager).post("/api/protocols/", {"data": DEFAULT_PROTOCOLS, "note": "same"})
    assert same.status_code == 409
    assert not ProtocolSet.objects.filter(clinic=clinic, version__gt=1).exists()


def test_publish_needs_a_note(manager, clinic):
    with pytest.raises(ApplicationError) as caught:
        protocol_services.protocol_set_publish(
            clinic=clinic, actor=manager.user, data=_fine_lines_every_five_weeks(), note="  "
        )
    assert "note" in caught.value.fields


def test_versions_are_consecutive(manager, clinic):
    first = _fine_lines_every_five_weeks()
    second = copy.deepcopy(first)
    second["indications"]["acne_scars"]["sessions_max"] = 5
    v2 = protocol_services.protocol_set_publish(
        clinic=clinic, actor=manager.user, data=first, note="a"
    )
    v3 = protocol_services.protocol_set_publish(
        clinic=clinic, actor=manager.user, data=second, note="b"
    )
    assert (v2.version, v3.version) == (2, 3)
