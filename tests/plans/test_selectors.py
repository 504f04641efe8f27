"""Which course a treatment belongs to: the named plan, else the newest active one."""

from __future__ import annotations

import pytest

from tests.factories import ClientFactory, plan_for
from treatments.plans.models import PlanStatus
from treatments.plans.selectors import plan_for_treatment, plan_interval_days_for

pytestmark = pytest.mark.django_db


def test_a_client_without_a_plan_has_no_course(client_record):
    assert plan_for_treatment(client=client_record) is None
    assert plan_interval_days_for(client=client_record) is None


def test_the_newest_active_plan_is_the_course(client_record):
    older = plan_for(client_record, interval_days=42)
    newer = plan_for(client_record, indication="acne_scars", interval_days=35)
    assert plan_for_treatment(client=client_record) == newer
    assert plan_interval_days_for(client=client_record) == 35
    assert older.status == newer.status == PlanStatus.ACTIVE


@pytest.mark.parametrize("status", [PlanStatus.STOPPED, PlanStatus.COMPLETED])
def test_a_stopped_or_completed_plan_is_not_the_course_unless_named(client_record, status):
    active = plan_for(client_record, interval_days=42)
    ended = plan_for(client_record, indication="acne_scars", interval_days=35, status=status)
    assert plan_for_treatment(client=client_record) == active
    # An appointment or session that names the plan keeps it, whatever its status now.
    assert plan_for_treatment(client=client_record, plan=ended) == ended
    assert plan_interval_days_for(client=client_record, plan=ended) == 35


def test_only_the_clients_own_plans_count(client_record, other_client_record, clinic):
    plan_for(other_client_record)
    plan_for(ClientFactory(clinic=clinic))
    assert plan_for_treatment(client=client_record) is None
    mine = plan_for(client_record)
    assert plan_for_treatment(client=client_record) == mine
