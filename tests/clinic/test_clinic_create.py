"""``manage.py clinic_create``: from an empty database to a clinic and its first manager
(decision 0016)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from aftercare.models import AftercareTemplate
from clinic.management.commands.clinic_create import CLINICAL_DATA_SETS
from clinic.models import Clinic, Invitation, Membership, Role, User
from common.models import AuditEvent
from precare.models import PrecareTemplate
from treatments.consent.models import ConsentText
from treatments.plans.models import ProtocolSet
from treatments.screening.models import RuleSet

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "linen-harbour-quietly-47"


def _create(*args: str, capture=None) -> str:
    out = StringIO()
    if capture is not None:
        with capture(execute=True):
            call_command("clinic_create", *args, stdout=out)
    else:
        call_command("clinic_create", *args, stdout=out)
    return out.getvalue()


LIFFEY = (
    "--name",
    "Liffey Skin Clinic",
    "--timezone",
    "Europe/Dublin",
    "--manager-email",
    "Owner@LiffeySkin.example",
    "--country",
    "ie",
)


def test_it_creates_the_clinic_with_version_1_of_every_clinical_data_set(
    django_capture_on_commit_callbacks,
):
    output = _create(*LIFFEY, capture=django_capture_on_commit_callbacks)
    clinic = Clinic.objects.get()
    assert (clinic.name, clinic.timezone, clinic.country) == (
        "Liffey Skin Clinic",
        "Europe/Dublin",
        "IE",
    )
    assert clinic.email == "owner@liffeyskin.example"  # until the manager sets the clinic's
    for model in (RuleSet, ProtocolSet, ConsentText, AftercareTemplate, PrecareTemplate):
        assert list(model.objects.filter(clinic=clinic).values_list("version", flat=True)) == [1]
    assert len(CLINICAL_DATA_SETS) == 5
    for label in (
        "screening rules",
        "treatment protocols",
        "consent text",
        "aftercare template",
        "preparation template",
    ):
        assert f"{label}: version 1" in output


def test_the_new_clinic_is_not_signed_off_so_treatments_wait_for_its_director(
    django_capture_on_commit_callbacks,
):
    from treatments.signoff.selectors import sign_off_status

    _create(*LIFFEY, capture=django_capture_on_commit_callbacks)
    status = sign_off_status(clinic=Clinic.objects.get())
    assert status.latest is None
    assert not status.covered


def test_it_invites_the_first_manager_by_email_and_prints_the_same_link(
    django_capture_on_commit_callbacks, mailoutbox
):
    output = _create(*LIFFEY, capture=django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.invited_by) == (
        "owner@liffeyskin.example",
        Role.MANAGER,
        None,
    )
    assert not Membership.objects.exists()  # nobody is staff until they accept
    assert [mail.to for mail in mailoutbox] == [["owner@liffeyskin.example"]]
    printed = re.search(r"(https?://\S+/invitations/\S+/)", output).group(1)
    assert printed in mailoutbox[0].body
    assert "no phone number yet" in output


def test_the_printed_link_lets_the_manager_in_as_manager(
    client, django_capture_on_commit_callbacks
):
    output = _create(*LIFFEY, capture=django_capture_on_commit_callbacks)
    path = re.search(r"https?://[^/]+(/invitations/\S+/)", output).group(1)
    assert client.get(path).status_code == 200
    response = client.post(
        path,
        {"full_name": "Aoife Byrne", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="owner@liffeyskin.example")
    assert membership.role == Role.MANAGER and membership.clinic.name == "Liffey Skin Clinic"
    assert client.get("/clinic/settings/").status_code == 200


def test_the_clinic_and_the_invitation_are_audited_without_an_actor():
    _create(*LIFFEY)
    clinic = Clinic.objects.get()
    events = AuditEvent.objects.filter(clinic_id=clinic.pk).order_by("id")
    assert [(e.action, e.object_type, e.actor_id, e.channel) for e in events] == [
        ("create", "clinic", None, "task"),
        ("create", "invitation", None, "task"),
    ]


def test_a_duplicate_name_is_refused_whatever_its_case_and_nothing_is_written():
    _create(*LIFFEY)
    with pytest.raises(CommandError, match="already exists"):
        _create(
            "--name",
            "  liffey   SKIN clinic ",
            "--timezone",
            "Europe/Dublin",
            "--manager-email",
            "someone@else.example",
        )
    assert Clinic.objects.count() == 1
    assert not Invitation.objects.filter(email="someone@else.example").exists()


@pytest.mark.parametrize(
    ("zone", "country", "message"),
    [
        ("Europe/Dubln", "", "not a known time zone"),
        ("", "", "not a known time zone"),
        ("Europe/London", "IE", "not used in Ireland"),
        ("Europe/Dublin", "XX", "not an ISO country code"),
    ],
)
def test_an_invalid_zone_or_country_is_refused_with_a_clear_message(zone, country, message):
    with pytest.raises(CommandError, match=message):
        _create(
            "--name",
            "Liffey Skin Clinic",
            "--timezone",
            zone,
            "--manager-email",
            "owner@liffeyskin.example",
            "--country",
            country,
        )
    assert not Clinic.objects.exists()
    assert not RuleSet.objects.exists()


def test_a_malformed_manager_email_is_refused():
    with pytest.raises(CommandError, match="not an e-mail address"):
        _create("--name", "Liffey", "--timezone", "Europe/Dublin", "--manager-email", "owner@")
    assert not Clinic.objects.exists()


def test_an_existing_account_is_invited_like_anyone_else(django_capture_on_commit_callbacks):
    """The owner of two clinics accepts the second with their own password."""
    User.objects.create_user(email="owner@liffeyskin.example", password=NEW_PASSWORD)
    _create(*LIFFEY, capture=django_capture_on_commit_callbacks)
    assert Invitation.objects.get().email == "owner@liffeyskin.example"
    assert not Membership.objects.exists()


def test_contact_email_and_phone_may_be_given(django_capture_on_commit_callbacks):
    output = _create(
        *LIFFEY,
        "--email",
        "Hello@LiffeySkin.example",
        "--phone",
        "+353 1 555 0100",
        capture=django_capture_on_commit_callbacks,
    )
    clinic = Clinic.objects.get()
    assert (clinic.email, clinic.phone) == ("hello@liffeyskin.example", "+353 1 555 0100")
    assert "(its contact" not in output and "no phone" not in output
