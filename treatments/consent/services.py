"""Writes for informed consent: consent-text versions, signing, the hash and the PDF.

Decision 0005: consent texts are immutable versions per clinic listing every DOMAIN.md §4
risk; a consent is an immutable row (text version, typed name, drawn signature as PNG,
time, witness) sealed with a SHA-256 over all of these, so any later change to the row or
to the text it points at is detectable. The PDF is rendered on demand from the row.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import re
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from clinic.models import Client, Clinic, Membership, User
from clinic.roles import can_publish
from common.audit import audit_record
from common.errors import ApplicationError, Conflict, NotFound, PermissionDenied
from common.pdf import render_pdf
from common.versions import version_current, version_lock
from treatments.consent.models import Consent, ConsentText
from treatments.plans.defaults import DEFAULT_CONSENT_TEXT, RISK_GROUP_LABELS

#: The groups a consent text lists risks under, in the order they are shown.
RISK_GROUPS: tuple[str, ...] = tuple(RISK_GROUP_LABELS)
#: The statements DOMAIN.md §4 says every consent makes besides the risks.
REQUIRED_STATEMENTS: dict[str, str] = {
    "several sessions": "that several sessions are usually needed",
    "results vary": "that results vary",
}

SIGNATURE_MAX_BYTES = 500 * 1024
#: Larger images are refused before decoding (a small PNG can inflate enormously).
SIGNATURE_MAX_PIXELS = 4000 * 2000
#: A blank or nearly blank pad is not a signature.
SIGNATURE_MIN_DARK_PIXELS = 50
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_DATA_URL_PREFIX = "data:image/png;base64,"

TITLE_MAX = 200
BODY_MAX = 20_000
LABEL_MAX = 200
LABELS_PER_GROUP_MAX = 50


def _now() -> datetime:
    return timezone.now()


def _words(value: str) -> str:
    """Case- and spacing-insensitive form of a name or label."""
    return " ".join(value.split()).casefold()


# --- consent-text versions ----------------------------------------------------------


def consent_text_current(*, clinic: Clinic) -> ConsentText:
    """The clinic's newest consent text; the shipped default becomes version 1 on first use."""
    return version_current(
        ConsentText,
        clinic=clinic,
        defaults={key: DEFAULT_CONSENT_TEXT[key] for key in ("title", "body", "risks")},
    )


def _clean_risks(raw: object) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """``(risks, errors)``: labels stripped, blank and repeated ones dropped, per group."""
    errors: dict[str, list[str]] = {}
    if not isinstance(raw, dict):
        return {}, {"risks": ["Give the risks as {group: [labels]}."]}
    unknown = [str(key) for key in raw if key not in RISK_GROUPS]
    if unknown:
        errors["risks"] = [
            f"Unknown risk group {', '.join(sorted(unknown))}; use {', '.join(RISK_GROUPS)}."
        ]
    risks: dict[str, list[str]] = {}
    for group in RISK_GROUPS:
        labels = raw.get(group, [])
        key = f"risks.{group}"
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            errors[key] = ["Give a list of risk labels."]
            continue
        if len(labels) > LABELS_PER_GROUP_MAX:
            errors[key] = [f"List at most {LABELS_PER_GROUP_MAX} risks in a group."]
            continue
        cleaned: list[str] = []
        seen: set[str] = set()
        for label in labels:
            label = " ".join(label.split())
            if len(label) > LABEL_MAX:
                errors.setdefault(key, []).append(
                    f"A risk label has at most {LABEL_MAX} characters."
                )
            elif label and _words(label) not in seen:
                seen.add(_words(label))
                cleaned.append(label)
        risks[group] = cleaned
    return risks, errors


def consent_text_missing_risks(risks: dict[str, list[str]]) -> dict[str, list[str]]:
    """Per group, the DOMAIN.md §4 risks of the shipped text that ``risks`` does not list."""
    missing: dict[str, list[str]] = {}
    for group in RISK_GROUPS:
        listed = {_words(label) for label in risks.get(group, [])}
        absent = [
            label for label in DEFAULT_CONSENT_TEXT["risks"][group] if _words(label) not in listed
        ]
        if absent:
            missing[group] = absent
    return missing


def consent_text_validate(
    *, title: object, body: object, risks: object
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """``(cleaned values, field errors)`` for a consent text about to be published."""
    errors: dict[str, list[str]] = {}
    title_s = " ".join(title.split()) if isinstance(title, str) else ""
    body_s = body.strip().replace("\r\n", "\n") if isinstance(body, str) else ""
    if not title_s:
        errors["title"] = ["Give the consent a title."]
    elif len(title_s) > TITLE_MAX:
        errors["title"] = [f"A title has at most {TITLE_MAX} characters."]
    if not body_s:
        errors["body"] = ["Write the text the client agrees to."]
    elif len(body_s) > BODY_MAX:
        errors["body"] = [f"The text has at most {BODY_MAX} characters."]
    else:
        absent = [
            words for phrase, words in REQUIRED_STATEMENTS.items() if phrase not in _words(body_s)
        ]
        if absent:
            errors["body"] = [
                "The text must still say " + " and ".join(absent) + " (DOMAIN.md §4); "
                "keep the words “several sessions” and “results vary”."
            ]
    cleaned_risks, risk_errors = _clean_risks(risks)
    errors.update(risk_errors)
    if not risk_errors:
        for group, labels in consent_text_missing_risks(cleaned_risks).items():
            errors[f"risks.{group}"] = [
                f"{RISK_GROUP_LABELS[group]} risks must still list: {', '.join(labels)}."
            ]
    return {"title": title_s, "body": body_s, "risks": cleaned_risks}, errors


@transaction.atomic
def consent_text_publish(
    *, clinic: Clinic, actor: User, title: str, body: str, risks: dict[str, Any]
) -> ConsentText:
    """Publish the clinic's next consent-text version (managers). Old versions stay as they are.

    Every DOMAIN.md §4 risk of the shipped text must still be listed in its group; a clinic
    may add risks and reword the text, never drop a risk.
    """
    membership = Membership.objects.filter(user=actor, clinic=clinic, is_active=True).first()
    if not can_publish(membership):
        raise PermissionDenied("Only a manager can publish a consent text.")
    cleaned, errors = consent_text_validate(title=title, body=body, risks=risks)
    if errors:
        missing = consent_text_missing_risks(cleaned["risks"]) if cleaned["risks"] else {}
        if missing:
            detail = "These risks must stay in the consent: " + "; ".join(
                f"{RISK_GROUP_LABELS[g]}: {', '.join(labels)}" for g, labels in missing.items()
            )
            detail += ". Nothing was published."
        else:
            detail = "The consent text has errors; nothing was published."
        raise ApplicationError(
            detail,
            code="consent_risks_missing" if missing else "invalid",
            fields=errors,
            extra={"missing_risks": missing} if missing else None,
        )
    version_lock(clinic=clinic)
    latest = consent_text_current(clinic=clinic)
    if (latest.title, latest.body, latest.risks) == (
        cleaned["title"],
        cleaned["body"],
        cleaned["risks"],
    ):
        raise Conflict("Nothing changed from the current version.", code="consent_text_unchanged")
    text = ConsentText.objects.create(
        clinic=clinic,
        version=latest.version + 1,
        title=cleaned["title"],
        body=cleaned["body"],
        risks=cleaned["risks"],
        published_by=actor,
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="consent_text",
        object_id=text.pk,
        clinic_id=clinic.pk,
        detail={"version": text.version},
    )
    return text


# --- the hash ------------------------------------------------------------------------


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def consent_hash(
    *,
    clinic_id: int,
    client_id: int,
    text_version: int,
    title: str,
    body: str,
    risks: dict[str, Any],
    typed_name: str,
    signature_png: bytes,
    signed_at: datetime,
) -> str:
    """SHA-256 (hex) over a canonical JSON serialisation of everything the client signed.

    Keys sorted, no whitespace, UTF-8, the signature as standard base64 and the time in
    UTC with microseconds: the same consent gives the same hash on any database.
    """
    document = {
        "scheme": "needlework-consent-v1",
        "clinic": clinic_id,
        "client": client_id,
        "text_version": text_version,
        "title": title,
        "body": body,
        "risks": risks,
        "typed_name": typed_name,
        "signature_png": base64.b64encode(bytes(signature_png)).decode("ascii"),
        "signed_at": _utc_iso(signed_at),
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _hash_of(consent: Consent) -> str:
    text = consent.text
    return consent_hash(
        clinic_id=consent.clinic_id,
        client_id=consent.client_id,
        text_version=text.version,
        title=text.title,
        body=text.body,
        risks=text.risks,
        typed_name=consent.typed_name,
        signature_png=bytes(consent.signature_png),
        signed_at=consent.signed_at,
    )


def consent_verify(*, consent: Consent) -> bool:
    """Does the stored hash still match the row and the text version it points at?"""
    return hmac.compare_digest(_hash_of(consent), consent.content_hash or "")


# --- signing -------------------------------------------------------------------------


def consent_signature_decode(*, data: str) -> bytes:
    """The PNG bytes of ``data:image/png;base64,...`` or of plain base64."""
    value = (data or "").strip()
    if value[:5].lower() == "data:":
        if value[: len(_DATA_URL_PREFIX)].lower() != _DATA_URL_PREFIX:
            raise _signature_error("Send the signature as a data:image/png;base64 URL.")
        value = value[len(_DATA_URL_PREFIX) :]
    value = "".join(value.split())
    if not value:
        raise _signature_error("A drawn signature is required.")
    if len(value) > (SIGNATURE_MAX_BYTES * 4) // 3 + 8:
        raise _signature_error(
            f"The signature image is larger than {SIGNATURE_MAX_BYTES // 1024} KB."
        )
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _signature_error("The signature is not valid base64.") from exc


def _signature_error(message: str) -> ApplicationError:
    return ApplicationError(message, fields={"signature": [message]})


def consent_signature_check(*, signature_png: bytes) -> None:
    """Refuse anything but a real, reasonably small PNG with something drawn on it."""
    from PIL import Image, UnidentifiedImageError

    if not signature_png:
        raise _signature_error("A drawn signature is required.")
    if len(signature_png) > SIGNATURE_MAX_BYTES:
        raise _signature_error(
            f"The signature image is larger than {SIGNATURE_MAX_BYTES // 1024} KB."
        )
    if not signature_png.startswith(_PNG_MAGIC):
        raise _signature_error("The signature must be a PNG image.")
    try:
        with Image.open(io.BytesIO(signature_png)) as probe:
            if probe.format != "PNG":
                raise _signature_error("The signature must be a PNG image.")
            width, height = probe.size
            if width * height > SIGNATURE_MAX_PIXELS:
                raise _signature_error("The signature image is too large.")
            probe.verify()
        with Image.open(io.BytesIO(signature_png)) as image:
            image.load()
            rgba = image.convert("RGBA")
    except ApplicationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
    ) as exc:
        raise _signature_error("The signature is not a readable PNG image.") from exc
    # Transparent pixels are paper, not ink: flatten onto white before counting.
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    gray = Image.alpha_composite(paper, rgba).convert("L")
    dark = sum(gray.histogram()[:128])
    if dark < SIGNATURE_MIN_DARK_PIXELS:
        raise _signature_error("The signature is blank: sign in the box with a finger or stylus.")


def consent_typed_name_check(*, client: Client, typed_name: str) -> str:
    """The typed name, tidied, if it is the client's full name (any case and spacing)."""
    name = " ".join((typed_name or "").split())
    if not name:
        raise ApplicationError(
            "Type your full name.", fields={"typed_name": ["Type your full name."]}
        )
    if _words(name) != _words(client.full_name):
        message = f"The typed name must be the client's full name as recorded: {client.full_name}."
        raise ApplicationError(message, fields={"typed_name": [message]})
    return name


@transaction.atomic
def consent_sign(
    *,
    clinic: Clinic,
    actor: User,
    client: Client,
    typed_name: str,
    signature_png: bytes,
    text_version: int | None = None,
) -> Consent:
    """Store the client's consent to the current consent text, witnessed by ``actor``.

    ``text_version`` is the version the client was shown; if the clinic has published a
    newer one since, the consent is refused with 409 ``consent_text_outdated``.
    """
    if client.clinic_id != clinic.pk:
        raise NotFound("No such client.")
    if not Membership.objects.filter(user=actor, clinic=clinic, is_active=True).exists():
        raise PermissionDenied("Only the clinic's staff can witness a consent.")
    current = consent_text_current(clinic=clinic)
    if text_version is not None and text_version != current.version:
        if ConsentText.objects.filter(clinic=clinic, version=text_version).exists():
            raise Conflict(
                f"Version {text_version} of the consent text has been replaced by version "
                f"{current.version}; show the client the current text.",
                code="consent_text_outdated",
                extra={"current_version": current.version},
            )
        message = f"There is no consent-text version {text_version}."
        raise ApplicationError(message, fields={"text_version": [message]})
    name = consent_typed_name_check(client=client, typed_name=typed_name)
    signature_png = bytes(signature_png or b"")
    consent_signature_check(signature_png=signature_png)
    signed_at = _now()
    consent = Consent(
        clinic=clinic,
        client=client,
        text=current,
        typed_name=name,
        signature_png=signature_png,
        signed_at=signed_at,
        witnessed_by=actor,
    )
    consent.content_hash = _hash_of(consent)
    consent.save()
    audit_record(
        actor=actor,
        action="create",
        object_type="consent",
        object_id=consent.pk,
        clinic_id=clinic.pk,
        client_id=client.pk,
        detail={"text_version": current.version, "content_hash": consent.content_hash},
    )
    return consent


# --- reading and the PDF -------------------------------------------------------------


def consent_viewed(*, consent: Consent, actor: User, as_pdf: bool = False) -> None:
    """Audit a read of a consent (``as_pdf``: its PDF left the system)."""
    audit_record(
        actor=actor,
        action="export" if as_pdf else "read",
        object_type="consent",
        object_id=consent.pk,
        clinic_id=consent.clinic_id,
        client_id=consent.client_id,
        detail={"format": "pdf"} if as_pdf else None,
    )


def consent_signature_data_url(*, consent: Consent) -> str:
    return _DATA_URL_PREFIX + base64.b64encode(bytes(consent.signature_png)).decode("ascii")


def consent_text_paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", body or "") if p.strip()]


def consent_text_risk_groups(risks: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """``(group, heading, labels)`` in the order Expected, Less common, Rare."""
    return [
        (group, RISK_GROUP_LABELS[group], list(risks.get(group) or []))
        for group in RISK_GROUPS
        if risks.get(group)
    ]


def consent_pdf(*, consent: Consent) -> bytes:
    """The signed consent as a PDF, rendered from the stored row (deterministic)."""
    clinic = consent.clinic
    text = consent.text
    signed_local = timezone.localtime(consent.signed_at, clinic.zone)
    witness = consent.witnessed_by
    return render_pdf(
        "pdf/consent.html",
        {
            "consent": consent,
            "clinic": clinic,
            "client": consent.client,
            "text": text,
            "paragraphs": consent_text_paragraphs(text.body),
            "risk_groups": consent_text_risk_groups(text.risks),
            "signature_url": consent_signature_data_url(consent=consent),
            "signed_local": signed_local,
            "signed_text": f"{signed_local:%-d %B %Y, %H:%M} ({clinic.timezone})",
            "witness_name": witness.full_name or witness.email,
            "verified": consent_verify(consent=consent),
        },
    )
