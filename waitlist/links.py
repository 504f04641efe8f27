"""The client's signed waitlist link (decision 0022): see their place, leave the list.

``Signer(salt="waitlist.entry")`` over the entry's id, as the booking link (0021): the
row is what the audit names. It opens while the entry is waiting or offered a time.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from clinic.messaging.links import BadLink, absolute
from waitlist.models import EntryStatus, WaitlistEntry

SALT = "waitlist.entry"
OPEN_STATUSES = (EntryStatus.WAITING, EntryStatus.OFFERED)


def token_for(entry: WaitlistEntry) -> str:
    return signing.Signer(salt=SALT).sign(str(entry.pk))


def leave_url(entry: WaitlistEntry) -> str:
    return absolute(reverse("waitlist-entry-page", args=[token_for(entry)]))


def entry_from_token(token: str) -> WaitlistEntry:
    """The entry a token opens, or :class:`BadLink`; ``link_id`` names the row when the
    signature was good."""
    try:
        entry_id = int(signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise BadLink("bad signature") from None
    entry = (
        WaitlistEntry.objects.select_related("clinic", "client", "practitioner")
        .filter(pk=entry_id)
        .first()
    )
    error: BadLink | None = None
    if entry is None:
        error = BadLink("no such entry")
    elif not entry.clinic.portal_enabled:
        error = BadLink("online booking is off")
    elif entry.status not in OPEN_STATUSES:
        error = BadLink(f"entry {entry.status}", expired=True)
    if error is not None:
        error.link_id = entry_id  # type: ignore[attr-defined]
        raise error
    assert entry is not None
    return entry
