"""Joining the waitlist from the public page (decision 0022): the portal's abuse rules.

A new client (no link) may wait for a consultation; a returning client waits for their
course's next session through the course link of the clinic's e-mail (typing an e-mail
never identifies anyone). The answer is one fixed sentence whoever's e-mail it names;
the rate limits are the portal's own counters, so a page and its waitlist share them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from clinic.booking import portal
from clinic.booking.models import AppointmentKind, BookingLink
from clinic.booking.selectors import practitioner_list
from clinic.models import Clinic
from common.errors import ApplicationError
from waitlist.services import check_dates, waitlist_join

#: The one answer to a request to join, known e-mail or not.
JOIN_ANSWER = (
    "Thank you. We have sent an e-mail to the address you gave confirming your place on "
    "the waitlist. When a time in your dates comes free, we e-mail you a link to take it."
)
COURSE_JOIN_ANSWER = (
    "Thank you. You are on the waitlist; when a time in your dates comes free, we e-mail "
    "you a link to take it."
)


def _practitioner(clinic: Clinic, practitioner_id: int | None) -> Any:
    if practitioner_id is None or not clinic.portal_show_practitioners:
        return None
    found = practitioner_list(clinic=clinic).filter(pk=practitioner_id, is_bookable=True).first()
    if found is None:
        raise ApplicationError(
            "No such practitioner.", fields={"practitioner": ["Choose one from the list."]}
        )
    return found


@transaction.atomic
def portal_waitlist_join(
    *,
    clinic: Clinic,
    data: dict[str, Any],
    address: str | None,
    honeypot: str = "",
) -> str:
    """A new client asks to wait for a consultation. Same answer for known and unknown
    e-mails and for a filled-in honeypot (then nothing is stored)."""
    portal.rate_check(address=address, email=data["email"])
    date_from: date = data["date_from"]
    date_to: date = data["date_to"]
    check_dates(clinic, date_from, date_to)
    practitioner = _practitioner(clinic, data.get("practitioner"))
    if honeypot.strip():
        return JOIN_ANSWER
    client = portal._client_for(clinic, data)
    waitlist_join(
        clinic=clinic,
        client=client,
        kind=AppointmentKind.CONSULTATION,
        date_from=date_from,
        date_to=date_to,
        practitioner=practitioner,
    )
    return JOIN_ANSWER


@transaction.atomic
def course_waitlist_join(
    *, link: BookingLink, date_from: date, date_to: date, practitioner_id: int | None = None
) -> str:
    """A returning client waits for their course's next session (the course link)."""
    clinic = link.clinic
    if link.treatment_plan is None or not clinic.portal_treatments:
        raise ApplicationError(
            "Treatments are not booked online here.",
            fields={"kind": ["Only a consultation can be waited for."]},
        )
    waitlist_join(
        clinic=clinic,
        client=link.client,
        kind=AppointmentKind.TREATMENT,
        date_from=date_from,
        date_to=date_to,
        practitioner=_practitioner(clinic, practitioner_id),
        treatment_plan=link.treatment_plan,
    )
    return COURSE_JOIN_ANSWER
