"""Reads for informed consent, always scoped to a clinic (DOMAIN.md §4, decision 0005).

Nothing here writes: the shipped consent text becomes version 1 in
``consent_services.consent_text_current``. Before that has happened no consent can
exist, so the reads below treat "no text yet" as "nothing signed".
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from clinic.models import Client, Clinic
from common.errors import NotFound
from common.fields import parse_id
from treatments.consent.models import Consent, ConsentText

STATUS_NONE = "none"
STATUS_CURRENT = "current"
STATUS_OUTDATED = "outdated"


def consent_text_list(*, clinic: Clinic) -> QuerySet[ConsentText]:
    """The clinic's consent-text versions, the current (newest) first."""
    return (
        ConsentText.objects.filter(clinic=clinic)
        .select_related("published_by")
        .order_by("-version")
    )


def consent_text_latest(*, clinic: Clinic) -> ConsentText | None:
    """The newest stored version, or None before the default has been stored."""
    return consent_text_list(clinic=clinic).first()


def consent_text_get(*, clinic: Clinic, version: object) -> ConsentText:
    number = parse_id(version)
    text = consent_text_list(clinic=clinic).filter(version=number).first() if number else None
    if text is None:
        raise NotFound("No such consent-text version.")
    return text


def consent_list(*, clinic: Clinic, client: Client | None = None) -> QuerySet[Consent]:
    """Signed consents of the clinic (or one client), newest first."""
    qs = Consent.objects.filter(clinic=clinic).select_related(
        "client", "client__clinic", "text", "witnessed_by", "clinic"
    )
    if client is not None:
        qs = qs.filter(client=client)
    return qs.order_by("-signed_at", "-id")


def consent_get(*, clinic: Clinic, pk: object) -> Consent:
    """One consent of the clinic; another clinic's consent is NotFound, never forbidden."""
    number = parse_id(pk)
    consent = consent_list(clinic=clinic).filter(pk=number).first() if number else None
    if consent is None:
        raise NotFound("No such consent.")
    return consent


def consent_current_for(*, client: Client) -> Consent | None:
    """The client's newest consent to the clinic's current consent text, if any.

    The session start gate asks this: a consent to an older version does not count.
    """
    current = consent_text_latest(clinic=client.clinic)
    if current is None:
        return None
    return (
        consent_list(clinic=client.clinic, client=client)
        .filter(text=current)
        .defer("signature_png")
        .first()
    )


@dataclass(frozen=True)
class ConsentStatus:
    """What the client page shows about consent."""

    kind: str  # none, current, outdated
    label: str
    tone: str  # ok, warn, neutral
    consent: Consent | None  # the consent to the current text, else the newest one
    current_version: int | None

    @property
    def is_current(self) -> bool:
        return self.kind == STATUS_CURRENT


def consent_status_for(*, client: Client) -> ConsentStatus:
    current = consent_text_latest(clinic=client.clinic)
    version = current.version if current else None
    latest = consent_list(clinic=client.clinic, client=client).defer("signature_png").first()
    if latest is None or current is None:
        return ConsentStatus(STATUS_NONE, "No consent", "neutral", None, version)
    signed_current = consent_current_for(client=client)
    if signed_current is not None:
        return ConsentStatus(
            STATUS_CURRENT,
            f"Consent signed (version {version})",
            "ok",
            signed_current,
            version,
        )
    return ConsentStatus(
        STATUS_OUTDATED,
        f"Consent outdated (signed version {latest.text.version}, current {version})",
        "warn",
        latest,
        version,
    )
