"""Factories for test data."""

from __future__ import annotations

from datetime import date

import factory

from clinic.models import (
    Client,
    Clinic,
    Device,
    Membership,
    Practitioner,
    Role,
    Room,
    User,
    WorkingHours,
)

PASSWORD = "correct-horse-battery-staple"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    timezone = "Europe/London"
    email = factory.Sequence(lambda n: f"clinic{n}@clinic.example")
    phone = "+44 20 7946 0000"
    address = "1 High Street\nLondon"


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
