"""The first-run setup checklist (decision 0019): what a new clinic still needs before its
first real treatment, each item judged from the clinic's own data.

It lives in the booking layer because it reads booking's resources and the clinical
sign-off (below booking); the clinic's details, logo and invitations are lower still.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from clinic.booking.models import Device, Practitioner, Room
from clinic.models import Clinic, Invitation, Membership
from treatments.signoff.selectors import sign_off_status


@dataclass(frozen=True)
class SetupItem:
    key: str
    label: str
    done: bool
    url: str
    #: What "done" means, or what is still missing.
    detail: str


def setup_checklist(*, clinic: Clinic) -> list[SetupItem]:
    missing_details = [
        label
        for label, value in (("address", clinic.address), ("phone", clinic.phone))
        if not value.strip()
    ]
    practitioners = (
        Practitioner.objects.filter(clinic=clinic, is_bookable=True, working_hours__isnull=False)
        .distinct()
        .count()
    )
    rooms = Room.objects.filter(clinic=clinic, is_active=True).count()
    devices = Device.objects.filter(clinic=clinic, is_active=True).count()
    colleagues = Membership.objects.filter(clinic=clinic, is_active=True).count() > 1
    invited = Invitation.objects.filter(clinic=clinic, invited_by__isnull=False).exists()
    sign_off = sign_off_status(clinic=clinic)
    return [
        SetupItem(
            "details",
            "Clinic details",
            not missing_details,
            reverse("clinic-settings"),
            "Address, phone, reply-to e-mail and sender name, shown to clients."
            if not missing_details
            else f"Still missing: {', '.join(missing_details)}.",
        ),
        SetupItem(
            "logo",
            "Logo",
            bool(clinic.logo),
            reverse("clinic-settings"),
            "Shown on pages, e-mails and PDFs (PNG or JPEG, at most 1 MB).",
        ),
        SetupItem(
            "practitioners",
            "Practitioners with working hours",
            practitioners > 0,
            reverse("resources"),
            f"{practitioners} bookable practitioner{'s' if practitioners != 1 else ''} with "
            "working hours.",
        ),
        SetupItem(
            "rooms",
            "Rooms",
            rooms > 0,
            reverse("resources"),
            f"{rooms} room{'s' if rooms != 1 else ''} in use.",
        ),
        SetupItem(
            "devices",
            "Devices",
            devices > 0,
            reverse("resources"),
            f"{devices} device{'s' if devices != 1 else ''} in service (a treatment needs one).",
        ),
        SetupItem(
            "staff",
            "Staff invitations",
            colleagues or invited,
            reverse("staff"),
            "Invite reception and practitioners; each chooses their own password.",
        ),
        SetupItem(
            "sign_off",
            "Clinical sign-off",
            sign_off.covered,
            reverse("clinical-sign-off"),
            "The medical director accepts the screening rules, protocols, consent text, "
            "aftercare and preparation. Treatments cannot be booked until then.",
        ),
    ]


def setup_remaining(*, clinic: Clinic) -> int:
    """How many items are not done yet (0: the banner on Today goes away)."""
    return sum(1 for item in setup_checklist(clinic=clinic) if not item.done)
