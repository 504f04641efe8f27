"""Writes for a clinic itself: creating one, its settings and its logo (decision 0016).

One transaction each, audited with the names of the fields that changed (never values
of client data; a clinic's own details are not health data, but one rule is simpler).
"""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from clinic.models import Clinic, Invitation, Role, User
from clinic.services import invitation_create
from common.audit import audit_record
from common.errors import ApplicationError, Conflict
from common.timezones import country_names, timezone_names, zone_fits_country

#: What a manager may change with ``clinic_settings_update`` (the page and the API).
CLINIC_SETTINGS_FIELDS = (
    "name",
    "address",
    "phone",
    "email",
    "reply_to_email",
    "sender_name",
    "country",
    "timezone",
    "idle_timeout_minutes",
    # Online booking (decision 0021).
    "slug",
    "portal_enabled",
    "portal_notice_hours",
    "portal_hold_minutes",
    "portal_offer_hold_minutes",
    "portal_consultation_minutes",
    "portal_treatments",
    "portal_treatment_minutes",
    "portal_show_practitioners",
)

#: Logos larger than this are refused (bytes).
LOGO_MAX_BYTES = 1024 * 1024
#: Each side of a logo, in pixels: big enough to be sharp, small enough to stay a logo.
LOGO_MIN_SIDE = 32
LOGO_MAX_SIDE = 2000
#: Pillow format → the content type the logo is stored and served with.
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def _refuse(field: str, message: str, *, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


def _check_name_free(name: str, *, exclude_pk: int | None = None) -> None:
    others = Clinic.objects.filter(name__iexact=name)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        raise Conflict(
            f"A clinic named {name!r} already exists; choose another name.",
            code="clinic_exists",
            fields={"name": ["Another clinic already has this name."]},
        )


def _check_zone_and_country(zone: str, country: str) -> None:
    if zone not in timezone_names():
        raise _refuse(
            "timezone",
            f"{zone!r} is not a known time zone; use a name such as Europe/Dublin.",
            code="invalid_timezone",
        )
    if country and country not in country_names():
        raise _refuse(
            "country",
            f"{country!r} is not an ISO country code; use two letters such as IE or GB.",
            code="invalid_country",
        )
    if not zone_fits_country(zone, country):
        raise _refuse(
            "timezone",
            f"The time zone {zone} is not used in {country_names()[country]}.",
            code="timezone_country_mismatch",
        )


#: Words the public addresses use themselves (/book/manage/…, /api/portal/bookings/…).
RESERVED_SLUGS = frozenset(
    {"manage", "bookings", "readiness", "intake", "check-ins", "waitlist", "logo"}
)


def _check_slug_free(slug: str, *, exclude_pk: int | None = None) -> None:
    if slug in RESERVED_SLUGS:
        raise _refuse("slug", f"{slug!r} is reserved; choose another address.")
    others = Clinic.objects.filter(slug=slug)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if slug and others.exists():
        raise Conflict(
            f"Another clinic's booking page is at /book/{slug}/; choose another address.",
            code="slug_taken",
            fields={"slug": ["Another clinic already uses this address."]},
        )


def free_slug(name: str) -> str:
    """A booking page address for a new clinic: its name, numbered if taken."""
    base = slugify(name)[:50] or "clinic"
    slug, number = base, 1
    while slug in RESERVED_SLUGS or Clinic.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


def _validation_error(exc: ValidationError) -> ApplicationError:
    fields = {field: list(messages) for field, messages in exc.message_dict.items()}
    first = next(iter(fields.values()), ["Check the values."])[0]
    return ApplicationError(first, fields=fields)


@transaction.atomic
def clinic_create(
    *,
    name: str,
    timezone_name: str,
    manager_email: str,
    country: str = "",
    email: str = "",
    phone: str = "",
) -> tuple[Clinic, Invitation]:
    """Create a clinic and invite its first manager (the invitation e-mail goes out
    through the worker once this commits).

    The contact e-mail defaults to the manager's address; the manager changes it and the
    other details on the settings page. The caller seeds the clinical data sets in the
    same transaction (``clinic_create`` command: they live in higher packages).
    """
    name = " ".join(name.split())
    if not name:
        raise _refuse("name", "Give the clinic's name.")
    if len(name) > Clinic._meta.get_field("name").max_length:  # type: ignore[operator]
        raise _refuse("name", "The name is too long (150 characters at most).")
    manager_email = manager_email.strip().lower()
    try:
        validate_email(manager_email)
    except ValidationError as exc:
        raise _refuse(
            "manager_email", f"{manager_email!r} is not an e-mail address.", code="invalid_email"
        ) from exc
    country = country.strip().upper()
    _check_zone_and_country(timezone_name, country)
    _check_name_free(name)
    clinic = Clinic(
        name=name,
        timezone=timezone_name,
        country=country,
        email=(email.strip() or manager_email).lower(),
        phone=phone.strip(),
        slug=free_slug(name),
    )
    try:
        clinic.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise _validation_error(exc) from exc
    try:
        with transaction.atomic():
            clinic.save()
    except IntegrityError as exc:  # created by someone else this moment (unique name)
        raise Conflict(
            f"A clinic named {name!r} already exists; choose another name.", code="clinic_exists"
        ) from exc
    audit_record(
        actor=None,
        action="create",
        object_type="clinic",
        object_id=clinic.pk,
        clinic_id=clinic.pk,
        detail={"fields": ["country", "email", "name", "phone", "timezone"]},
    )
    invitation = invitation_create(
        clinic=clinic, actor=None, email=manager_email, role=Role.MANAGER
    )
    return clinic, invitation


@transaction.atomic
def clinic_settings_update(*, clinic: Clinic, actor: User, data: dict[str, Any]) -> Clinic:
    """Change the clinic's settings. Stored instants never move: a new time zone
    changes how times are shown and how new ones are computed (decision 0016)."""
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    values = {field: data[field] for field in CLINIC_SETTINGS_FIELDS if field in data}
    for text_field in ("name", "phone", "sender_name", "country", "timezone"):
        if isinstance(values.get(text_field), str):
            values[text_field] = " ".join(values[text_field].split())
    for address_field in ("email", "reply_to_email"):
        if isinstance(values.get(address_field), str):
            values[address_field] = values[address_field].strip().lower()
    if isinstance(values.get("country"), str):
        values["country"] = values["country"].upper()
    if isinstance(values.get("slug"), str):
        values["slug"] = values["slug"].strip().lower()
    changed = sorted(field for field, value in values.items() if getattr(locked, field) != value)
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, values[field])
    if "name" in changed:
        _check_name_free(locked.name, exclude_pk=locked.pk)
    if {"timezone", "country"} & set(changed):
        _check_zone_and_country(locked.timezone, locked.country)
    if "slug" in changed:
        _check_slug_free(locked.slug, exclude_pk=locked.pk)
    if locked.portal_enabled and not locked.slug:
        raise _refuse("slug", "Give the booking page an address before turning online booking on.")
    try:
        locked.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise _validation_error(exc) from exc
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:  # another clinic took the name or address this moment
        if "clinic_slug_unique" in str(exc):
            raise Conflict("Another clinic already uses this address.", code="slug_taken") from exc
        raise Conflict("Another clinic already has this name.", code="clinic_exists") from exc
    audit_record(
        actor=actor,
        action="update",
        object_type="clinic",
        object_id=locked.pk,
        clinic_id=locked.pk,
        detail={"fields": changed},
    )
    return locked


def _logo_content(upload: UploadedFile[bytes]) -> tuple[bytes, str]:
    """The logo re-encoded (no metadata, nothing appended), and its content type."""
    from PIL import Image, ImageOps

    size = upload.size
    if size is None or size > LOGO_MAX_BYTES:
        raise _refuse("logo", "The logo is too large: at most 1 MB.", code="logo_too_large")
    if size == 0:
        raise _refuse("logo", "The file is empty; choose a PNG or JPEG image.")
    not_an_image = "Upload the logo as a PNG or JPEG image."
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
            probe.verify()
    except Exception as exc:  # Pillow raises many types for a file that is not an image
        raise _refuse("logo", not_an_image, code="logo_invalid") from exc
    if kind not in LOGO_FORMATS:
        raise _refuse("logo", not_an_image, code="logo_invalid")
    # Checked before the pixels are decoded: a tiny file may claim a huge image.
    if not (LOGO_MIN_SIDE <= width <= LOGO_MAX_SIDE and LOGO_MIN_SIDE <= height <= LOGO_MAX_SIDE):
        raise _refuse(
            "logo",
            f"The logo is {width}×{height} pixels; each side must be between "
            f"{LOGO_MIN_SIDE} and {LOGO_MAX_SIDE} pixels.",
            code="logo_dimensions",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            out = io.BytesIO()
            if kind == "PNG":
                upright.save(out, "PNG", optimize=True)
            else:
                if upright.mode not in ("RGB", "L"):
                    upright = upright.convert("RGB")
                upright.save(out, "JPEG", quality=90)
    except Exception as exc:  # truncated or corrupt pixel data
        raise _refuse("logo", not_an_image, code="logo_invalid") from exc
    finally:
        upload.seek(0)
    return out.getvalue(), LOGO_FORMATS[kind]


@transaction.atomic
def clinic_logo_set(*, clinic: Clinic, actor: User, upload: UploadedFile[bytes] | None) -> Clinic:
    """Store a new logo privately; the previous file is deleted after the commit."""
    if upload is None:
        raise _refuse("logo", "Choose a PNG or JPEG image.")
    content, content_type = _logo_content(upload)
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    previous = locked.logo.name
    locked.logo_content_type = content_type
    locked.logo.save("logo", ContentFile(content), save=False)
    locked.save(update_fields=["logo", "logo_content_type", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        object_type="clinic",
        object_id=locked.pk,
        clinic_id=locked.pk,
        detail={"fields": ["logo"]},
    )
    _delete_after_commit(locked, previous)
    return locked


@transaction.atomic
def clinic_logo_remove(*, clinic: Clinic, actor: User) -> Clinic:
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    previous = locked.logo.name
    if not previous:
        return locked
    locked.logo = ""
    locked.logo_content_type = ""
    locked.save(update_fields=["logo", "logo_content_type", "updated_at"])
    audit_record(
        actor=actor,
        action="update",
        object_type="clinic",
        object_id=locked.pk,
        clinic_id=locked.pk,
        detail={"fields": ["logo"], "removed": True},
    )
    _delete_after_commit(locked, previous)
    return locked


def _delete_after_commit(clinic: Clinic, name: str | None) -> None:
    if not name:
        return
    storage = clinic.logo.storage
    # After the commit: a rolled-back change keeps pointing at the old file.
    transaction.on_commit(lambda: storage.delete(name), robust=True)
