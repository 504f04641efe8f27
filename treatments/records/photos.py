"""Before and after photos of a session: verified by their content, stored privately.

The files live under a path no URL serves; ``apis.SessionPhotoFileApi`` streams them to
the clinic's staff only.
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from clinic.models import User
from common.errors import ApplicationError
from treatments.records.audit import session_photo_added
from treatments.records.guards import lock_session, refuse_signed, require_recorder
from treatments.records.models import SessionPhoto, TreatmentSession

#: Photos larger than this are refused (bytes).
PHOTO_MAX_BYTES = 10 * 1024 * 1024
#: Pillow format → the content type the photo is stored and served with.
PHOTO_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _photo_content_type(upload: UploadedFile[bytes]) -> str:
    from PIL import Image

    size = upload.size
    if size is None or size > PHOTO_MAX_BYTES:
        raise ApplicationError(
            "The photo is too large.", fields={"image": ["A photo of at most 10 MB."]}
        )
    if size == 0:
        raise ApplicationError("The file is empty.", fields={"image": ["Choose a photo."]})
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except Exception as exc:  # Pillow raises many types for a file that is not an image
        raise ApplicationError(
            "The file is not a photo.",
            fields={"image": ["Upload a JPEG, PNG or WebP image."]},
        ) from exc
    finally:
        upload.seek(0)
    if kind not in PHOTO_FORMATS:
        raise ApplicationError(
            "The file is not a supported photo.",
            fields={"image": ["Upload a JPEG, PNG or WebP image."]},
        )
    return PHOTO_FORMATS[kind]


@transaction.atomic
def session_photo_add(
    *, session: TreatmentSession, actor: User, kind: str, upload: UploadedFile[bytes] | None
) -> SessionPhoto:
    """Store a before/after photo privately (never under a served URL)."""
    require_recorder(clinic=session.clinic, actor=actor, what="add photos")
    locked = lock_session(session)
    refuse_signed(locked)
    if kind not in SessionPhoto.Kind.values:
        raise ApplicationError("Choose before or after.", fields={"kind": ["before or after"]})
    if upload is None:
        raise ApplicationError("Choose a photo.", fields={"image": ["A photo is required."]})
    content_type = _photo_content_type(upload)
    photo = SessionPhoto(session=locked, kind=kind, content_type=content_type, uploaded_by=actor)
    photo.image.save("photo", upload, save=False)
    photo.save()
    session_photo_added(photo=photo, actor=actor)
    return photo
