"""The clinical sign-off (decision 0019): who, when and which versions; a later version of
any data set is not covered; refusals leave nothing behind."""

from __future__ import annotations

import pytest
import time_machine

from common.errors import ApplicationError, Conflict, PermissionDenied
from common.models import AuditEvent
from precare import services as precare_services
from tests.factories import ClinicFactory, MembershipFactory
from treatments.signoff.datasets import data_sets, versions_in_force
from treatments.signoff.models import ClinicalSignOff
from treatments.signoff.selectors import sign_off_status
from treatments.signoff.services import clinical_sign_off

pytestmark = pytest.mark.django_db

KEYS = {"screening_rules", "protocols", "consent_text", "aftercare", "preparation"}


@pytest.fixture
def fresh():
    return ClinicFactory(signed_off=False)


def test_every_clinical_data_set_is_registered():
    assert {d.key for d in data_sets()} == KEYS


def test_a_new_clinic_is_in_force_at_version_1_without_anything_created(fresh):
    assert versions_in_force(clinic_id=fresh.pk) == dict.fromkeys(KEYS, 1)
    status = sign_off_status(clinic=fresh)
    assert not status.covered and status.latest is None
    assert "has not signed off" in status.reason


@time_machine.travel("2026-03-02 08:00:00+00:00", tick=False)
def test_a_practitioner_signs_off_who_when_and_which_versions_recorded_and_audited(fresh):
    director = MembershipFactory(clinic=fresh, role="practitioner")
    sign_off = clinical_sign_off(
        clinic=fresh, actor=director.user, role=director.role, accepted=True
    )
    assert sign_off.signed_by == director.user
    assert sign_off.signed_by_name == director.user.full_name
    assert sign_off.signed_at.isoformat() == "2026-03-02T08:00:00+00:00"
    assert sign_off.versions == dict.fromkeys(KEYS, 1)
    assert sign_off_status(clinic=fresh).covered
    event = AuditEvent.objects.get(object_type="clinical_sign_off")
    assert (event.action, event.actor_id, event.clinic_id) == ("create", director.user_id, fresh.pk)


def test_a_later_preparation_template_needs_a_new_sign_off(fresh):
    manager = MembershipFactory(clinic=fresh, role="manager")
    clinical_sign_off(clinic=fresh, actor=manager.user, role="manager", accepted=True)
    current = precare_services.precare_template_current(clinic=fresh)
    precare_services.precare_template_publish(
        clinic=fresh, actor=manager.user, data=current.data, note="Checked"
    )
    status = sign_off_status(clinic=fresh)
    assert not status.covered
    assert [d.key for d in status.changed] == ["preparation"]
    assert "new version of the preparation template" in status.reason
    again = clinical_sign_off(clinic=fresh, actor=manager.user, role="manager", accepted=True)
    assert again.versions["preparation"] == 2
    assert sign_off_status(clinic=fresh).covered


def test_reception_may_not_sign_off(fresh):
    reception = MembershipFactory(clinic=fresh, role="reception")
    with pytest.raises(PermissionDenied):
        clinical_sign_off(clinic=fresh, actor=reception.user, role="reception", accepted=True)
    assert not ClinicalSignOff.objects.exists()


def test_nothing_is_signed_without_the_confirmation(fresh):
    manager = MembershipFactory(clinic=fresh, role="manager")
    with pytest.raises(ApplicationError) as caught:
        clinical_sign_off(clinic=fresh, actor=manager.user, role="manager", accepted=False)
    assert "accept" in caught.value.fields
    assert not ClinicalSignOff.objects.exists()


def test_a_version_published_while_reviewing_is_not_signed_unseen(fresh):
    manager = MembershipFactory(clinic=fresh, role="manager")
    reviewed = versions_in_force(clinic_id=fresh.pk)
    current = precare_services.precare_template_current(clinic=fresh)
    precare_services.precare_template_publish(
        clinic=fresh, actor=manager.user, data=current.data, note="Meanwhile"
    )
    with pytest.raises(Conflict) as caught:
        clinical_sign_off(
            clinic=fresh, actor=manager.user, role="manager", accepted=True, expected=reviewed
        )
    assert caught.value.code == "versions_changed"
    assert not ClinicalSignOff.objects.exists()


def test_sign_offs_are_immutable(fresh):
    manager = MembershipFactory(clinic=fresh, role="manager")
    sign_off = clinical_sign_off(clinic=fresh, actor=manager.user, role="manager", accepted=True)
    sign_off.versions = {}
    with pytest.raises(RuntimeError):
        sign_off.save()
