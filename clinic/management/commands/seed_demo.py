"""Load demo clinics, staff and clients. Safe to run again; refuses in production."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clinic.booking.models import Appointment, Device, Practitioner, Room, WorkingHours
from clinic.models import Client, Clinic, Membership, Role, User

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
        # A course under way: screened, consented, one signed session three weeks ago and
        # the next one booked for today.
        "course_for": ("Amelia", "Hughes"),
        # The public booking page is on for this clinic (decision 0021).
        "portal": "harbour",
        # A first treatment booked two days ahead: its preparation e-mails (the sheet at
        # once, the readiness check within minutes) land in var/mail/.
        "preparing": ("Hannah", "Clarke"),
        # Waiting for a consultation over the next two weeks (decision 0022).
        "waiting": ("Oliver", "Bennett"),
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
        self._print_portal_links()

    def _seed_clinic(self, spec: dict) -> None:
        # filter().first(), not get_or_create(): staff may have added look-alike rows (two
        # clinics or clients of the same name); the demo must start whatever the data.
        clinic = Clinic.objects.filter(name=spec["name"]).order_by("id").first()
        if clinic is None:
            clinic = Clinic.objects.create(
                name=spec["name"], **{k: spec[k] for k in ("timezone", "email", "phone", "address")}
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
            if not Room.objects.filter(clinic=clinic, name__iexact=name).exists():
                Room.objects.create(clinic=clinic, name=name)
        for name, serial in spec["devices"]:
            if not Device.objects.filter(clinic=clinic, serial_number__iexact=serial).exists():
                Device.objects.create(clinic=clinic, serial_number=serial, name=name, kind="pen")
        self._seed_sign_off(clinic)
        self._seed_portal(clinic, spec.get("portal", ""))
        self._seed_clients(clinic, spec)
        if spec.get("course_for"):
            self._seed_course(clinic, *spec["course_for"])
        if spec.get("preparing"):
            self._seed_preparation(clinic, *spec["preparing"])
        if spec.get("waiting"):
            self._seed_waitlist(clinic, *spec["waiting"])

    def _seed_sign_off(self, clinic: Clinic) -> None:
        """The demo clinic comes signed off by its manager (decision 0019), so treatments
        book as before; re-running signs again only if a newer version is in force."""
        from treatments.signoff.selectors import sign_off_status
        from treatments.signoff.services import clinical_sign_off

        if sign_off_status(clinic=clinic).covered:
            return
        director = (
            Membership.objects.filter(clinic=clinic, role=Role.MANAGER, is_active=True)
            .select_related("user")
            .order_by("id")
            .first()
        )
        clinical_sign_off(
            clinic=clinic,
            actor=director.user if director else None,
            role=Role.MANAGER,
            accepted=True,
        )

    def _seed_clients(self, clinic: Clinic, spec: dict) -> None:
        for first, last, born, fitz, concerns, tz in spec["clients"]:
            if _demo_client(clinic, first, last) is not None:
                continue
            Client.objects.create(
                clinic=clinic,
                first_name=first,
                last_name=last,
                date_of_birth=born,
                email=f"{first}.{last}@mail.example".lower(),
                phone="",
                fitzpatrick_type=fitz,
                skin_concerns=concerns,
                timezone=tz,
                email_consent=True,
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

    def _seed_course(self, clinic: Clinic, first: str, last: str) -> None:
        from aftercare.schedules import aftercare_schedule_session
        from treatments.consent.services import consent_sign
        from treatments.plans.services import plan_create
        from treatments.records.models import SessionArea, TreatmentSession
        from treatments.screening.services import screening_take

        client = _demo_client(clinic, first, last)
        if client is None or client.treatment_plans.exists():
            return
        if (
            Client.objects.filter(clinic=clinic, first_name__iexact=first, last_name__iexact=last)
            .filter(treatment_plans__isnull=False)
            .exists()
        ):
            return  # a look-alike added later already holds the course
        # seeded just before, by handle(): the clinic's first practitioner, room and device
        practitioner = Practitioner.objects.filter(clinic=clinic).earliest("id")
        device = Device.objects.filter(clinic=clinic).earliest("id")
        room = Room.objects.filter(clinic=clinic).earliest("id")
        actor = practitioner.membership.user
        today = clinic.local_today()
        plan = plan_create(
            clinic=clinic,
            actor=actor,
            client=client,
            indication="fine_lines_wrinkles",
            areas=["forehead", "cheeks_chin"],
            planned_sessions=4,
            interval_days=28,
        )
        screening = screening_take(
            client=client, actor=actor, planned_date=today, raw_answers=_no_answers()
        )
        consent = consent_sign(
            clinic=clinic,
            actor=actor,
            client=client,
            typed_name=client.full_name,
            signature_png=_demo_signature(),
        )

        def at(day, hour: int) -> datetime:
            return datetime.combine(day, time(hour), tzinfo=clinic.zone)

        past = at(today - timedelta(days=28), 10)
        earlier = Appointment.objects.create(
            clinic=clinic,
            client=client,
            practitioner=practitioner,
            room=room,
            device=device,
            start=past,
            end=past + timedelta(hours=1),
            device_free_at=past + timedelta(hours=1, minutes=device.cleanup_minutes),
            kind="treatment",
            status="completed",
            screening=screening,
            treatment_plan=plan,
        )
        session = TreatmentSession.objects.create(
            clinic=clinic,
            client=client,
            plan=plan,
            appointment=earlier,
            practitioner=practitioner,
            status="signed",
            screening=screening,
            consent=consent,
            device=device,
            device_serial=device.serial_number,
            cartridge="12-pin nano cartridge",
            cartridge_lot="NC12-2611-A",
            needle_count=12,
            endpoint_reached="erythema",
            anaesthetic_product="LMX4 lidocaine 4% cream",
            anaesthetic_lot="LMX-2610",
            anaesthetic_applied_at=past - timedelta(minutes=30),
            anaesthetic_removed_at=past,
            anaesthetic_area="Full face",
            adverse_events=["redness"],
            pain_score=3,
            started_at=past,
            ended_at=past + timedelta(minutes=45),
            signed_at=past + timedelta(minutes=50),
            signed_by=actor,
            created_by=actor,
        )
        for position, (area, depth) in enumerate((("forehead", "0.50"), ("cheeks_chin", "1.00"))):
            SessionArea.objects.create(
                session=session,
                area=area,
                depth_mm=depth,
                passes=3,
                limit_mm=depth,
                position=position,
            )
        aftercare_schedule_session(session=session)
        start = at(today, 14)
        Appointment.objects.create(
            clinic=clinic,
            client=client,
            practitioner=practitioner,
            room=room,
            device=device,
            start=start,
            end=start + timedelta(hours=1),
            device_free_at=start + timedelta(hours=1, minutes=device.cleanup_minutes),
            kind="treatment",
            screening=screening,
            treatment_plan=plan,
        )

    def _seed_preparation(self, clinic: Clinic, first: str, last: str) -> None:
        """A treatment two days (and ten minutes) from now, with its preparation planned.

        Booked as of now: the preparation sheet goes out at once; the readiness check,
        48 hours before the start, follows about ten minutes later (beat's sweep).
        """
        from precare.services import precare_plan
        from treatments.screening.services import screening_take

        client = Client.objects.get(clinic=clinic, first_name=first, last_name=last)
        if client.appointments.exists():
            upcoming = (
                client.appointments.filter(kind="treatment", start__gt=timezone.now())
                .order_by("start")
                .first()
            )
            if upcoming is not None:
                self._print_readiness_link(upcoming)
            return
        practitioner = Practitioner.objects.filter(clinic=clinic).earliest("id")
        room = Room.objects.filter(clinic=clinic).latest("id")
        device = Device.objects.filter(clinic=clinic).latest("id")
        soon = timezone.now() + timedelta(days=2, minutes=10)
        # on the next five-minute mark, as reception would book it
        start = soon.replace(second=0, microsecond=0) + timedelta(minutes=-soon.minute % 5)
        screening = screening_take(
            client=client,
            actor=practitioner.membership.user,
            planned_date=start.astimezone(clinic.zone).date(),
            raw_answers=_no_answers(),
        )
        appointment = Appointment.objects.create(
            clinic=clinic,
            client=client,
            practitioner=practitioner,
            room=room,
            device=device,
            start=start,
            end=start + timedelta(hours=1),
            device_free_at=start + timedelta(hours=1, minutes=device.cleanup_minutes),
            kind="treatment",
            screening=screening,
        )
        precare_plan(appointment=appointment)
        self.stdout.write(
            f"Preparation e-mails for {client.full_name}'s treatment on "
            f"{start.astimezone(clinic.zone):%a %d %b %H:%M}: see var/mail/."
        )
        self._print_readiness_link(appointment)

    def _seed_portal(self, clinic: Clinic, slug: str) -> None:
        """Online booking on, unless a manager has set it up already (their choice)."""
        if not slug or clinic.portal_enabled:
            return
        if not clinic.slug and not Clinic.objects.filter(slug=slug).exists():
            clinic.slug = slug
        if clinic.slug:
            clinic.portal_enabled = True
            clinic.portal_treatments = True
            clinic.save(update_fields=["slug", "portal_enabled", "portal_treatments"])

    def _seed_waitlist(self, clinic: Clinic, first: str, last: str) -> None:
        """One client on the waitlist (no e-mail: the demo's row only)."""
        from waitlist.models import WaitlistEntry

        client = _demo_client(clinic, first, last)
        if client is None or WaitlistEntry.objects.filter(clinic=clinic, client=client).exists():
            return
        today = clinic.local_today()
        WaitlistEntry.objects.create(
            clinic=clinic,
            client=client,
            kind="consultation",
            date_from=today,
            date_to=today + timedelta(days=14),
        )

    def _print_portal_links(self) -> None:
        from django.urls import reverse

        from clinic.booking.links import manage_url
        from clinic.booking.portal import course_link_for
        from clinic.sender import site_url
        from treatments.plans.models import TreatmentPlan

        for clinic in Clinic.objects.filter(portal_enabled=True).exclude(slug="").order_by("id"):
            url = site_url(reverse("portal-book", args=[clinic.slug]))
            self.stdout.write(f"Online booking for {clinic.name}: {url}")
            plan = (
                TreatmentPlan.objects.filter(clinic=clinic, status="active")
                .select_related("client")
                .order_by("id")
                .first()
            )
            if plan is not None and clinic.portal_treatments:
                link = manage_url(course_link_for(plan=plan))
                self.stdout.write(f"Next session of {plan.client.full_name}'s course: {link}")

    def _print_readiness_link(self, appointment: Appointment) -> None:
        """The client's readiness page for the demo's treatment in two days (decision 0018)."""
        from precare.readiness import page_url_for, readiness_link_for

        if appointment.status not in ("booked", "checked_in"):
            return
        url = page_url_for(readiness_link_for(appointment))
        self.stdout.write(f"Readiness check for {appointment.client.full_name}: {url}")


def _demo_client(clinic: Clinic, first: str, last: str) -> Client | None:
    """The demo's client of that name: the first one added, if staff added another."""
    return (
        Client.objects.filter(clinic=clinic, first_name__iexact=first, last_name__iexact=last)
        .order_by("id")
        .first()
    )


def _no_answers() -> dict:
    from treatments.screening.defaults import DEFAULT_RULE_SET

    answers: dict = {}
    for question in DEFAULT_RULE_SET["questions"]:
        kind = question["type"]
        answers[question["code"]] = (
            False if kind == "boolean" else None if kind == "date" else "none"
        )
    return answers


def _demo_signature() -> bytes:
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (360, 120), "white")
    ImageDraw.Draw(image).line(
        (20, 90, 60, 30, 90, 85, 130, 35, 170, 90, 220, 40, 260, 80, 330, 50),
        fill="black",
        width=4,
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
