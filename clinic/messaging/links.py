"""Signed links in client e-mails: what they share, and unsubscribing.

No login: the signature is the permission. The unsubscribe link does not expire (an
old e-mail must still let the client stop the messages). Salts keep one kind of token
from opening another.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from clinic.sender import site_url

UNSUBSCRIBE_SALT = "aftercare.unsubscribe"


class BadLink(Exception):
    """A tampered, malformed or expired link; ``expired`` says which."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


@dataclass(frozen=True)
class Unsubscribe:
    client_id: int
    kind: str


def absolute(path: str) -> str:
    """``path`` on the site's one base URL (``SITE_URL``, clinic/sender.py)."""
    return site_url(path)


def unsubscribe_token(client_id: int, kind: str) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"c": client_id, "k": kind})


def unsubscribe_url(client_id: int, kind: str) -> str:
    return absolute(reverse("aftercare-unsubscribe", args=[unsubscribe_token(client_id, kind)]))


def unsubscribe_from(token: str) -> Unsubscribe:
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise BadLink("bad signature") from None
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("c"), int)
        or not isinstance(value.get("k"), str)
    ):
        raise BadLink("malformed")
    return Unsubscribe(client_id=value["c"], kind=value["k"])
