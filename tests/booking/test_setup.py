"""The first-run setup checklist (decision 0019): each item from the clinic's real data,
the banner on Today until every item is done; managers only."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from clinic.booking.setup import setup_checklist
from clinic.models import Invitation
from tests.factories import (
    ClinicFactory,
    DeviceFactory,
    MembershipFactory,
    RoomFactory,
    practitioner_for,
    sign_off_for,
    tiny_png,
)

pytestmark = pytest.mark.django_db


def states(clinic) -> dict[str, bool]:
    return {item.key: item.done for item in setup_checklist(clinic=clinic)}


def test_a_clinic_fresh_from_clinic_create_has_everything_to_do():
    clinic = ClinicFactory(signed_off=False, phone="", address="", name="Liffey Skin Clinic")
    MembershipFactory(clinic=clinic, role="manager")
    assert states(clinic) == {
        "details": False,
        "logo": False,
        "practitioners": False,
        "rooms": False,
        "devices": False,
        "staff": False,
        "sign_off": False,
    }


def test_each_item_is_done_by_the_real_data():
    clinic = ClinicFactory(signed_off=False, phone="", address="")
    manager = MembershipFactory(clinic=clinic, role="manager")
    clinic.phone, clinic.address = "+353 1 555 0100", "1 Quay Street, Dublin"
    clinic.logo.save("logo.png", ContentFile(tiny_png()), save=True)
    practitioner_for(MembershipFactory(clinic=clinic, role="practitioner"))
    RoomFactory(clinic=clinic)
    DeviceFactory(clinic=clinic)
    sign_off_for(clinic)
    Invitation.objects.create(
        clinic=clinic,
        email="new@clinic.example",
        role="reception",
        invited_by=manager.user,
        expires_at=timezone.now() + Invitation.VALID_FOR,
    )
    assert all(states(clinic).values())


def test_a_room_out_of_use_does_not_count():
    clinic = ClinicFactory()
    RoomFactory(clinic=clinic, is_active=False)
    assert states(clinic)["rooms"] is False


def test_today_shows_the_banner_to_managers_until_done(web):
    clinic = ClinicFactory(signed_off=False)
    manager = MembershipFactory(clinic=clinic, role="manager")
    page = web(manager).get("/").content.decode()
    assert "data-setup-banner" in page
    assert 'href="/setup/"' in page
    checklist = web(manager).get("/setup/").content.decode()
    for label in ("Clinic details", "Logo", "Rooms", "Devices", "Clinical sign-off"):
        assert label in checklist
    assert 'href="/clinic/sign-off/"' in checklist


def test_reception_sees_no_banner_and_no_checklist(web):
    clinic = ClinicFactory(signed_off=False)
    reception = MembershipFactory(clinic=clinic, role="reception")
    assert "data-setup-banner" not in web(reception).get("/").content.decode()
    assert web(reception).get("/setup/").status_code == 403
