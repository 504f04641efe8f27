"""The client's aftercare page link: signed, expiring after ``AFTERCARE_LINK_MAX_AGE``."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from clinic.messaging.links import BadLink, absolute

PAGE_SALT = "aftercare.page"


def page_token(schedule_id: int) -> str:
    return signing.TimestampSigner(salt=PAGE_SALT).sign(str(schedule_id))


def page_url(schedule_id: int) -> str:
    return absolute(reverse("aftercare-page", args=[page_token(schedule_id)]))


def page_pdf_url(token: str) -> str:
    return reverse("aftercare-page-pdf", args=[token])


def schedule_id_from(token: str) -> int:
    """The schedule id of a valid page token, or BadLink."""
    try:
        value = signing.TimestampSigner(salt=PAGE_SALT).unsign(
            token, max_age=settings.AFTERCARE_LINK_MAX_AGE
        )
    except signing.SignatureExpired:
        raise BadLink("expired", expired=True) from None
    except signing.BadSignature:
        raise BadLink("bad signature") from None
    try:
        return int(value)
    except ValueError:
        raise BadLink("malformed") from None
