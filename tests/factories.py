"""Factories for test data."""

from __future__ import annotations

from datetime import date

import factory

from clinic.booking.models import Device, Practitioner, Room, WorkingHours
from clinic.models import Client, Clinic, Membership, Role, User

PASSWORD = "correct-horse-battery-staple"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Clinic {n}")
    timezone = "Europe/London"
    email = factory.Sequence(lambda n: f"clinic{n}@clinic.example")
    phone = "+44 20 7946 0000"
    address = "1 High Street\nLondon"

    @factory.post_generation
    def signed_off(obj, create, extracted, **kwargs):
        """Signed off by its medical director for version 1 of every clinical data set
        (decision 0019), without creating those rows; ``signed_off=False`` for none."""
        if create and extracted is not False:
            sign_off_for(obj)


def sign_off_for(clinic, **versions):
    """A clinical sign-off of ``clinic`` covering version 1 (or ``versions``) of every
    registered data set."""
    from django.utils import timezone

    from treatments.signoff.datasets import data_sets
    from treatments.signoff.models import ClinicalSignOff

    return ClinicalSignOff.objects.create(
        clinic=clinic,
        signed_by=None,
        signed_by_name="Dr Test Director",
        role="practitioner",
        signed_at=timezone.now(),
        versions={d.key: versions.get(d.key, 1) for d in data_sets()},
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@clinic.example")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    clinic = factory.SubFactory(ClinicFactory)
    role = Role.RECEPTION


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    clinic = factory.SubFactory(ClinicFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = date(1990, 5, 17)
    email = factory.LazyAttribute(lambda o: f"{o.first_name}.{o.last_name}@mail.example".lower())
    phone = "+44 7700 900123"
    fitzpatrick_type = 2
    skin_concerns = factory.LazyFunction(lambda: ["fine_lines_wrinkles"])
    email_consent = True


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Room {n}")


class DeviceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Device

    clinic = factory.SubFactory(ClinicFactory)
    name = "SkinPen Precision"
    kind = "pen"
    serial_number = factory.Sequence(lambda n: f"SP-{n:05d}")
    cleanup_minutes = 15


def practitioner_for(membership, *, hours=((0, 7), "09:00", "17:00")) -> Practitioner:
    """A bookable practitioner working ``hours`` = ((first weekday, last+1), start, end)."""
    (first, last), start, end = hours
    practitioner = Practitioner.objects.create(
        clinic=membership.clinic, membership=membership, display_name=membership.user.full_name
    )
    for weekday in range(first, last):
        WorkingHours.objects.create(
            practitioner=practitioner, weekday=weekday, start=start, end=end
        )
    return practitioner


# --- Treatments: protocols, plans, consent, sessions ---------------------------------
# Direct rows, bypassing the services, so tests of one part do not depend on another.


def tiny_png() -> bytes:
    """A small valid PNG, standing in for a drawn signature or a photo."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (60, 20), "white")
    ImageDraw.Draw(image).line((2, 15, 20, 4, 40, 16, 58, 3), fill="black", width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def protocol_set_for(clinic):
    from treatments.plans.defaults import DEFAULT_PROTOCOLS
    from treatments.plans.models import ProtocolSet

    return ProtocolSet.objects.get_or_create(
        clinic=clinic, version=1, defaults={"data": DEFAULT_PROTOCOLS, "note": "Shipped default"}
    )[0]


def consent_text_for(clinic):
    from treatments.consent.models import ConsentText
    from treatments.plans.defaults import DEFAULT_CONSENT_TEXT

    return ConsentText.objects.get_or_create(
        clinic=clinic,
        version=1,
        defaults={
            "title": DEFAULT_CONSENT_TEXT["title"],
            "body": DEFAULT_CONSENT_TEXT["body"],
            "risks": DEFAULT_CONSENT_TEXT["risks"],
        },
    )[0]


def plan_for(client, *, indication="fine_lines_wrinkles", areas=None, **fields):
    from treatments.plans.models import TreatmentPlan

    protocols = protocol_set_for(client.clinic)
    spec = protocols.data["indications"][indication]
    values = {
        "planned_sessions": spec["sessions"],
        "interval_days": spec["interval_days"],
        "depth_min_mm": spec["depth_min_mm"],
        "depth_max_mm": spec["depth_max_mm"],
        **fields,
    }
    return TreatmentPlan.objects.create(
        clinic=client.clinic,
        client=client,
        protocol_set=protocols,
        indication=indication,
        areas=areas if areas is not None else list(spec["default_areas"]),
        **values,
    )


def consent_for(client, *, witnessed_by, text=None, signed_at=None):
    import hashlib

    from django.utils import timezone

    from treatments.consent.models import Consent

    text = text or consent_text_for(client.clinic)
    signature = tiny_png()
    return Consent.objects.create(
        clinic=client.clinic,
        client=client,
        text=text,
        typed_name=client.full_name,
        signature_png=signature,
        signed_at=signed_at or timezone.now(),
        witnessed_by=witnessed_by,
        content_hash=hashlib.sha256(signature + client.full_name.encode()).hexdigest(),
    )


def appointment_for(client, *, practitioner, room, device, start, minutes=60, **fields):
    """An appointment row as booking would leave it, without booking's gates (for the past)."""
    from datetime import timedelta

    from clinic.booking.models import Appointment

    end = start + timedelta(minutes=minutes)
    return Appointment.objects.create(
        clinic=client.clinic,
        client=client,
        practitioner=practitioner,
        room=room,
        device=device,
        start=start,
        end=end,
        device_free_at=end + timedelta(minutes=device.cleanup_minutes) if device else None,
        kind=fields.pop("kind", "treatment"),
        **fields,
    )


def screening_for(client, *, actor, planned_date=None, **answer_overrides):
    """A stored screening, taken now through the screening service (all "no" by default)."""
    from django.utils import timezone

    from tests.screening.answers import all_no_answers
    from treatments.screening.services import screening_take

    return screening_take(
        client=client,
        actor=actor,
        planned_date=planned_date or timezone.now().date(),
        raw_answers=all_no_answers(**answer_overrides),
    )


def treatment_session_for(appointment, *, plan, screening, consent, signed=False, **fields):
    """A session row with one area recorded; ``signed=True`` leaves it signed as well."""
    from datetime import timedelta
    from decimal import Decimal

    from treatments.records.models import SessionArea, SessionStatus, TreatmentSession

    values = {
        "device": appointment.device,
        "device_serial": appointment.device.serial_number if appointment.device else "",
        "cartridge": "12-pin nano cartridge",
        "cartridge_lot": "LOT-A1",
        "needle_count": 12,
        "endpoint_reached": "erythema",
        "pain_score": 3,
        "started_at": appointment.start,
        "ended_at": appointment.start + timedelta(minutes=45),
        **fields,
    }
    if signed:
        values.setdefault("signed_at", values["ended_at"])
        values.setdefault("signed_by", appointment.practitioner.membership.user)
        values["status"] = SessionStatus.SIGNED
    session = TreatmentSession.objects.create(
        clinic=appointment.clinic,
        client=appointment.client,
        plan=plan,
        appointment=appointment,
        practitioner=appointment.practitioner,
        screening=screening,
        consent=consent,
        **values,
    )
    area = plan.areas[0] if plan.areas else "cheeks_chin"
    SessionArea.objects.create(
        session=session,
        area=area,
        depth_mm=Decimal("0.5"),
        passes=3,
        limit_mm=Decimal("0.5"),
    )
    return session
