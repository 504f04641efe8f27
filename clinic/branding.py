"""The clinic's logo as e-mails and PDFs carry it (decisions 0016, 0019).

The uploaded logo may be up to 2000 pixels a side and 1 MB; an e-mail or a PDF shows it
a few centimetres wide. :func:`document_logo` gives a copy scaled down to fit
:data:`DOCUMENT_LOGO_BOX` (sharp at twice the size it is shown, and at print
resolution in a PDF), re-encoded in the logo's own format, so every e-mail stays small.
E-mails embed it as an inline part (``cid:``, no remote image to load); PDFs as a
``data:`` URL (the renderer fetches nothing). Nothing links to the file itself.

The copy is kept per process, keyed by the stored file's name, size and modification
time: a new upload has a new name (and a new time), so a changed logo is never served
stale, while a sweep sending hundreds of e-mails scales it once.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from dataclasses import dataclass
from functools import lru_cache

from clinic.models import Clinic

logger = logging.getLogger(__name__)

#: The largest the logo copy in e-mails and PDFs may be, in pixels (width, height).
DOCUMENT_LOGO_BOX = (480, 160)


@dataclass(frozen=True)
class DocumentLogo:
    """The clinic's logo, scaled for e-mails and PDFs."""

    data: bytes
    content_type: str
    width: int
    height: int

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]

    @property
    def cid(self) -> str:
        """The Content-ID an e-mail's HTML refers to (``src="cid:…"``), without ``<>``."""
        return f"logo.{self.digest}@needlework"

    @property
    def filename(self) -> str:
        return "logo.png" if self.content_type == "image/png" else "logo.jpg"

    @property
    def data_uri(self) -> str:
        return f"data:{self.content_type};base64,{base64.b64encode(self.data).decode('ascii')}"


def document_logo(clinic: Clinic) -> DocumentLogo | None:
    """The clinic's logo scaled for documents, or None (no logo, or its file is gone).

    A missing or unreadable file never stops an e-mail or a PDF: it goes without the
    logo, and the problem is logged.
    """
    name = clinic.logo.name if clinic.logo else ""
    if not name or clinic.logo_content_type not in ("image/png", "image/jpeg"):
        return None
    storage = clinic.logo.storage
    try:
        size = storage.size(name)
        try:
            modified = storage.get_modified_time(name).timestamp()
        except NotImplementedError:
            modified = None
        return _scaled(name, size, modified, clinic.logo_content_type)
    except Exception:  # a file removed by hand, a truncated copy: go without it
        logger.warning("The logo of clinic %s could not be read", clinic.pk, exc_info=True)
        return None


@lru_cache(maxsize=64)
def _scaled(name: str, size: int, modified: float | None, content_type: str) -> DocumentLogo:
    # ``size`` and ``modified`` are part of the cache key: a file replaced under the
    # same name is read again.
    from PIL import Image

    field = Clinic._meta.get_field("logo")
    with field.storage.open(name, "rb") as handle:
        raw = handle.read()
    with Image.open(io.BytesIO(raw)) as image:
        image.load()
        if image.width <= DOCUMENT_LOGO_BOX[0] and image.height <= DOCUMENT_LOGO_BOX[1]:
            # Already small: the stored file was re-encoded at upload, use it as it is.
            return DocumentLogo(raw, content_type, image.width, image.height)
        copy = image.copy()
        copy.thumbnail(DOCUMENT_LOGO_BOX, Image.Resampling.LANCZOS)
        out = io.BytesIO()
        if content_type == "image/png":
            copy.save(out, "PNG", optimize=True)
        else:
            if copy.mode not in ("RGB", "L"):
                copy = copy.convert("RGB")
            copy.save(out, "JPEG", quality=88)
        return DocumentLogo(out.getvalue(), content_type, copy.width, copy.height)
