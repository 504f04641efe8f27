import json

import pytest

from clinic.models import User
from tests.screening.answers import rule_set_with_isotretinoin_months
from treatments.screening.models import RuleSet
from treatments.screening.services import rule_set_current

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, clinic):
    user = User.objects.create_superuser(
        email="root@clinic.example", password="x", full_name="Root"
    )
    client.force_login(user)
    return client


def test_admin_publishes_a_new_version_and_cannot_edit_old_ones(admin_client, clinic):
    v1 = rule_set_current(clinic=clinic)
    response = admin_client.post(
        "/admin/treatments/ruleset/add/",
        {
            "clinic": clinic.pk,
            "data": json.dumps(rule_set_with_isotretinoin_months(3)),
            "note": "Isotretinoin 3 months",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert RuleSet.objects.filter(clinic=clinic).count() == 2
    assert RuleSet.objects.get(clinic=clinic, version=2).note == "Isotretinoin 3 months"
    change = admin_client.post(f"/admin/treatments/ruleset/{v1.pk}/change/", {"note": "rewritten"})
    assert change.status_code in (302, 403)
    v1.refresh_from_db()
    assert v1.note == "Shipped default rule set"


def test_admin_refuses_an_invalid_rule_set(admin_client, clinic):
    rule_set_current(clinic=clinic)
    response = admin_client.post(
        "/admin/treatments/ruleset/add/",
        {"clinic": clinic.pk, "data": json.dumps({"questions": [], "rules": 3}), "note": "bad"},
    )
    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert RuleSet.objects.filter(clinic=clinic).count() == 1


def test_admin_shows_treatment_records_read_only_and_audits_opening_them(
    admin_client, clinic, client_record, practitioner, reception
):
    from datetime import timedelta

    from django.utils import timezone

    from common.models import AuditEvent
    from tests.factories import (
        DeviceFactory,
        RoomFactory,
        appointment_for,
        consent_for,
        plan_for,
        practitioner_for,
        screening_for,
        treatment_session_for,
    )

    appointment = appointment_for(
        client_record,
        practitioner=practitioner_for(practitioner.membership),
        room=RoomFactory(clinic=clinic),
        device=DeviceFactory(clinic=clinic),
        start=timezone.now() - timedelta(hours=3),
    )
    session = treatment_session_for(
        appointment,
        plan=plan_for(client_record),
        screening=screening_for(client_record, actor=reception.user),
        consent=consent_for(client_record, witnessed_by=reception.user),
        signed=True,
    )
    for url in (
        "/admin/treatments/treatmentsession/",
        "/admin/treatments/treatmentplan/",
        "/admin/treatments/consent/",
        "/admin/treatments/protocolset/",
        "/admin/treatments/consenttext/",
    ):
        assert admin_client.get(url).status_code == 200, url
    page = admin_client.get(f"/admin/treatments/treatmentsession/{session.pk}/change/")
    assert page.status_code == 200
    assert b"LOT-A1" in page.content
    assert b'name="cartridge_lot"' not in page.content  # shown, not editable
    assert AuditEvent.objects.filter(
        object_type="treatment_session", object_id=session.pk, action="read", channel="admin"
    ).exists()
    assert admin_client.get("/admin/treatments/treatmentsession/add/").status_code == 403
