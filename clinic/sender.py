"""Who an e-mail comes from, and the base of every link in it: one place for each.

Every e-mail the product sends (each outgoing-message kind, staff invitations, password
resets) takes its From and Reply-To from :func:`sender_for`, and every absolute link
from :func:`site_url`. The clinic's own sender name and reply-to address (its settings
page, decision 0016) are read here and nowhere else (decision 0013).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.utils import parseaddr

from django.conf import settings

from clinic.models import Clinic


@dataclass(frozen=True)
class Sender:
    from_email: str
    reply_to: list[str] = field(default_factory=list)


def _one_line(text: str) -> str:
    """No line breaks (a name must never add a header), no surrounding space."""
    return " ".join(str(text).split())


def configured_address() -> str:
    """The bare address of ``DEFAULT_FROM_EMAIL`` (the one the mail server lets us use)."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def sender_for(clinic: Clinic | None) -> Sender:
    """From ``"<sender name>" <configured address>``, Reply-To the clinic's reply-to address.

    The sender name and reply-to address are the clinic's settings, falling back to its
    name and contact e-mail (``Clinic.effective_sender_name`` / ``effective_reply_to``).

    Without a clinic (a password reset concerns an account, not a clinic), the
    configured ``DEFAULT_FROM_EMAIL`` as it is.
    """
    if clinic is None:
        return Sender(from_email=settings.DEFAULT_FROM_EMAIL)
    name = _one_line(clinic.effective_sender_name)
    address = configured_address()
    # Always quoted: a clinic name with a comma or a full stop stays one display name.
    quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    # (Django encodes a name that is not ASCII when it writes the header.)
    from_email = f"{quoted} <{address}>"
    reply_to = _one_line(clinic.effective_reply_to)
    return Sender(from_email=from_email, reply_to=[reply_to] if reply_to else [])


def site_url(path: str = "") -> str:
    """``path`` as an absolute URL on ``SITE_URL``."""
    base: str = settings.SITE_URL
    return base.rstrip("/") + path
