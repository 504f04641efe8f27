"""Load demo clinics, staff and clients. Safe to run again; refuses in production."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

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

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - demo data only, refused in production

CLINICS = [
    {
        "name": "Harbour Skin Clinic",
        "timezone": "Europe/London",
        "email": "hello@harbourskin.example",
        "phone": "+44 20 7946 0018",
        "address": "12 Quay Street\nBristol BS1 4DJ\nUnited Kingdom",
        "staff": [
            ("manager@harbour.example", "Maya Okafor", Role.MANAGER),
            ("reception@harbour.example", "Tom Reilly", Role.RECEPTION),
            ("practitioner@harbour.example", "Dr Lena Fischer", Role.PRACTITIONER),
        ],
        "rooms": ["Treatment room 1", "Treatment room 2"],
        "devices": [("SkinPen Precision", "SP-HB-0001"), ("Dr. Pen A6", "DP-HB-0002")],
        "clients": [
            ("Amelia", "Hughes", date(1988, 4, 12), 2, ["fine_lines_wrinkles"], ""),
            ("Priya", "Raman", date(1994, 9, 3), 4, ["acne_scars"], ""),
            ("Oliver", "Bennett", date(1979, 1, 27), 3, ["enlarged_pores_texture"], ""),
            ("Chloe", "Martin", date(2001, 6, 30), 1, ["hyperpigmentation_melasma"], ""),
            ("Kwame", "Mensah", date(1990, 11, 8), 6, ["acne_scars", "enlarged_pores_texture"], ""),
            ("Sofia", "Costa", date(1985, 2, 14), 3, ["stretch_marks"], "Europe/Lisbon"),
            ("Hannah", "Clarke", date(1972, 8, 19), 2, ["fine_lines_wrinkles"], ""),
            ("Daniel", "Wright", date(1983, 5, 5), 2, ["hair_loss"], ""),
        ],
    },
    {
        "name": "Brooklyn Skin Studio",
        "timezone": "America/New_York",
        "email": "front@brooklynskin.example",
        "phone": "+1 718 555 0142",
        "address": "210 Atlantic Ave\nBrooklyn, NY 11201\nUSA",
        "staff": [
            ("manager@brooklyn.example", "Jordan Lee", Role.MANAGER),
            ("practitioner@brooklyn.example", "Dr Ana Ruiz", Role.PRACTITIONER),
        ],
        "rooms": ["Studio A"],
        "devices": [("SkinPen Precision", "SP-BK-0101")],
        "clients": [
            ("Grace", "Kim", date(1991, 3, 21), 3, ["fine_lines_wrinkles"], ""),
            ("Marcus", "Johnson", date(1987, 12, 2), 5, ["acne_scars"], ""),
        ],
    },
]


class Command(BaseCommand):
    help = f"Create demo clinics, staff (password: {DEMO_PASSWORD}) and clients. Idempotent."

    def handle(self, *args, **options):
        if getattr(settings, "ENVIRONMENT", "") == "production":
            raise CommandError("seed_demo refuses to run with production settings.")
        with transaction.atomic():
            for spec in CLINICS:
                self._seed_clinic(spec)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in with:"))
        for spec in CLINICS:
            for email, _, role in spec["staff"]:
                self.stdout.write(f"  {email:<32} {role:<13} password: {DEMO_PASSWORD}")

    def _seed_clinic(self, spec: dict) -> None:
        clinic, _ = Clinic.objects.get_or_create(
            name=spec["name"],
            defaults={k: spec[k] for k in ("timezone", "email", "phone", "address")},
        )
        for email, full_name, role in spec["staff"]:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=DEMO_PASSWORD, full_name=full_name
                )
            membership, _ = Membership.objects.get_or_create(
                user=user, clinic=clinic, defaults={"role": role}
            )
            if membership.role == Role.PRACTITIONER:
                self._seed_practitioner(membership)
        for name in spec["rooms"]:
            Room.objects.get_or_create(clinic=clinic, name=name)
        for name, serial in spec["devices"]:
            Device.objects.get_or_create(
                clinic=clinic, serial_number=serial, defaults={"name": name, "kind": "pen"}
            )
        for first, last, born, fitz, concerns, tz in spec["clients"]:
            Client.objects.get_or_create(
                clinic=clinic,
                first_name=first,
                last_name=last,
                date_of_birth=born,
                defaults={
                    "email": f"{first}.{last}@mail.example".lower(),
                    "phone": "",
                    "fitzpatrick_type": fitz,
                    "skin_concerns": concerns,
                    "timezone": tz,
                    "email_consent": True,
                },
            )

    def _seed_practitioner(self, membership: Membership) -> None:
        practitioner, created = Practitioner.objects.get_or_create(
            membership=membership,
            defaults={"clinic": membership.clinic, "display_name": membership.user.full_name},
        )
        if created:
            for weekday in range(6):  # Monday to Saturday, 09:00–18:00
                WorkingHours.objects.create(
                    practitioner=practitioner, weekday=weekday, start="09:00", end="18:00"
                )
