import json

import pytest

from clinic.models import User
from treatments.models import RuleSet
from treatments.services import rule_set_current

from .helpers import rule_set_with_isotretinoin_months

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
