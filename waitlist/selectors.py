"""Waitlist reads, always scoped to one clinic (decision 0022)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from clinic.models import Clinic
from common.errors import NotFound
from waitlist.models import EntryStatus, WaitlistEntry, WaitlistOffer


def waitlist_list(*, clinic: Clinic, status: str | None = None) -> QuerySet[WaitlistEntry]:
    """The clinic's entries, oldest first (the order offers follow), with their offers.
    Without a status: those still open (waiting or offered a time)."""
    entries = WaitlistEntry.objects.filter(clinic=clinic)
    if status:
        entries = entries.filter(status=status)
    else:
        entries = entries.filter(status__in=[EntryStatus.WAITING, EntryStatus.OFFERED])
    return entries.select_related("client", "practitioner", "treatment_plan").prefetch_related(
        Prefetch(
            "offers",
            queryset=WaitlistOffer.objects.select_related(
                "appointment", "appointment__practitioner", "offered_by"
            ),
        )
    )


def waitlist_entry_get(*, clinic: Clinic, entry_id: int) -> WaitlistEntry:
    """One of the clinic's entries; another clinic's reads as no entry at all."""
    entry = (
        WaitlistEntry.objects.select_related("client", "clinic", "practitioner")
        .filter(clinic=clinic, pk=entry_id)
        .first()
    )
    if entry is None:
        raise NotFound("No such waitlist entry.")
    return entry
