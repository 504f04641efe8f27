"""Create a clinic from an empty database and invite its first manager (decision 0016).

    python manage.py clinic_create --name "Liffey Skin Clinic" --timezone Europe/Dublin \\
        --manager-email owner@liffeyskin.ie --country IE
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from aftercare.schedules import aftercare_template_current
from clinic.clinic_services import clinic_create
from clinic.models import Clinic, Invitation
from clinic.services import invitation_link
from common.errors import ApplicationError
from precare.services import precare_template_current
from treatments.consent.services import consent_text_current
from treatments.plans.protocol_services import protocol_set_current
from treatments.screening.services import rule_set_current

#: Every clinical data set a new clinic starts with, as version 1 of the shipped
#: defaults: (what the command reports, the package's "current version" function).
CLINICAL_DATA_SETS: list[tuple[str, Callable[..., object]]] = [
    ("screening rules", rule_set_current),
    ("treatment protocols", protocol_set_current),
    ("consent text", consent_text_current),
    ("aftercare template", aftercare_template_current),
    ("preparation template", precare_template_current),
]


class Command(BaseCommand):
    help = (
        "Create a clinic with version 1 of its clinical data and invite its first manager "
        "(the invitation is e-mailed and its link printed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The clinic's name (unique).")
        parser.add_argument("--timezone", required=True, help="IANA time zone, e.g. Europe/Dublin.")
        parser.add_argument(
            "--manager-email", required=True, help="The first manager's e-mail address."
        )
        parser.add_argument("--country", default="", help="ISO 3166 code, e.g. IE.")
        parser.add_argument(
            "--email", default="", help="Contact e-mail shown to clients (default: the manager's)."
        )
        parser.add_argument("--phone", default="", help="Contact phone shown to clients.")

    def handle(self, *args: object, **options: str) -> None:
        try:
            with transaction.atomic():
                clinic, invitation = clinic_create(
                    name=options["name"],
                    timezone_name=options["timezone"].strip(),
                    manager_email=options["manager_email"],
                    country=options["country"],
                    email=options["email"],
                    phone=options["phone"],
                )
                versions = [
                    (label, current(clinic=clinic)) for label, current in CLINICAL_DATA_SETS
                ]
        except ApplicationError as exc:
            raise CommandError(exc.detail) from exc
        self._report(clinic, invitation, versions)

    def _report(
        self, clinic: Clinic, invitation: Invitation, versions: list[tuple[str, object]]
    ) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"Created {clinic.name} (id {clinic.pk}, {clinic.timezone})."))
        for label, version in versions:
            out.write(f"  {label}: version {getattr(version, 'version', '?')}")
        out.write(
            f"Invitation for {invitation.email} (manager), valid until "
            f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC."
        )
        out.write("It is being e-mailed; if e-mail is not set up yet, send them this link:")
        out.write(f"  {invitation_link(invitation)}")
        todo = []
        if clinic.email == invitation.email:
            todo.append("its contact e-mail is the manager's for now")
        if not clinic.phone:
            todo.append("it has no phone number yet")
        out.write(
            "Next: the manager accepts the invitation and completes Clinic settings"
            + (f" ({'; '.join(todo)})" if todo else "")
            + "."
        )
