import io

import pytest
from django.core.management import call_command

from clinic.models import Client, Clinic, Membership, User

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent_and_logins_work(client):
    call_command("seed_demo", verbosity=0)
    counts = (Clinic.objects.count(), User.objects.count(), Client.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Clinic.objects.count(), User.objects.count(), Client.objects.count()) == counts
    assert Membership.objects.filter(user__email="reception@harbour.example").exists()
    response = client.post(
        "/login/", {"username": "manager@harbour.example", "password": "demo-password-2026"}
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_seed_demo_gives_each_clinic_bookable_resources():
    from clinic.booking.models import Device, Practitioner, Room

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    for clinic in Clinic.objects.all():
        practitioners = Practitioner.objects.filter(clinic=clinic)
        assert practitioners.count() == 1
        assert practitioners.get().working_hours.count() == 6
        assert Room.objects.filter(clinic=clinic).exists()
        assert Device.objects.filter(clinic=clinic).exists()


def test_seed_demo_has_a_course_under_way_with_a_signed_session(smtp_server):
    from clinic.messaging.models import OutgoingMessage
    from treatments.plans.models import TreatmentPlan
    from treatments.records.models import TreatmentSession

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    plan = TreatmentPlan.objects.get(client__first_name="Amelia")
    session = TreatmentSession.objects.get(plan=plan)
    assert session.is_signed
    assert session.areas.count() == 2
    assert OutgoingMessage.objects.filter(session_id=session.pk).exists()
    assert plan.appointments.filter(status="booked").count() == 1


def test_seed_demo_books_a_treatment_two_days_ahead_with_its_preparation(
    smtp_server, django_capture_on_commit_callbacks, settings, tmp_path
):
    from clinic.booking.models import Appointment
    from clinic.messaging.models import OutgoingMessage

    settings.MEDIA_ROOT = tmp_path / "private"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    (appointment,) = Appointment.objects.filter(client__first_name="Hannah")
    assert appointment.kind == "treatment"
    kinds = dict(
        OutgoingMessage.objects.filter(appointment_id=appointment.pk).values_list("kind", "status")
    )
    assert kinds == {
        "precare_booking": "sent",
        "readiness_check": "pending",
        "precare_day_before": "pending",
    }
    (sheet,) = [m for m in smtp_server.messages if "precare" in m["Message-ID"]]
    assert sheet["Subject"].startswith("Preparing for your treatment")


def test_the_demo_clinics_come_signed_off_once_whatever_the_reruns():
    from treatments.signoff.models import ClinicalSignOff
    from treatments.signoff.selectors import sign_off_status

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    for clinic in Clinic.objects.all():
        status = sign_off_status(clinic=clinic)
        assert status.covered
        assert status.latest.signed_by.email.startswith("manager@")
    assert ClinicalSignOff.objects.count() == Clinic.objects.count()


def test_seed_demo_prints_the_readiness_link_of_the_treatment_in_two_days(client):
    from io import StringIO

    out = StringIO()
    call_command("seed_demo", stdout=out)
    again = StringIO()
    call_command("seed_demo", stdout=again)  # a re-run prints it too
    for text in (out.getvalue(), again.getvalue()):
        line = next(x for x in text.splitlines() if x.startswith("Readiness check for"))
        assert "Hannah Clarke" in line
        url = line.split(": ", 1)[1]
        assert "/readiness/" in url
        assert client.get("/" + url.split("/", 3)[-1]).status_code == 200


def test_seed_demo_turns_online_booking_on_for_the_demo_clinic_and_prints_it(client):
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())
    harbour = Clinic.objects.get(name="Harbour Skin Clinic")
    assert harbour.portal_enabled and harbour.slug == "harbour"
    assert "Online booking for Harbour Skin Clinic: " in out.getvalue()
    assert "/book/harbour/" in out.getvalue()
    assert client.get("/book/harbour/").status_code == 200
