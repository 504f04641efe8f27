"""The clinic's name or logo at the top of the pages its clients open from a link (their
aftercare, the readiness check, the online intake, e-mail preferences).

The logo is the copy e-mails and PDFs carry (``clinic.branding.document_logo``, scaled
and cached per process), written into the page as a ``data:`` URL: a client page needs
no public address for the file, so nothing about which clinics exist can be probed.
"""

from __future__ import annotations

from typing import Any

from django import template

from clinic.branding import document_logo
from clinic.models import Clinic

register = template.Library()

#: The most the logo takes at the top of a client page, in CSS pixels (width, height).
PAGE_LOGO_BOX = (240, 64)


@register.inclusion_tag("includes/client_clinic.html")
def client_clinic(clinic: Clinic) -> dict[str, Any]:
    logo = document_logo(clinic)
    if logo is None:
        return {"clinic": clinic}
    scale = min(PAGE_LOGO_BOX[0] / logo.width, PAGE_LOGO_BOX[1] / logo.height, 1.0)
    return {
        "clinic": clinic,
        "logo_uri": logo.data_uri,
        "logo_width": max(1, round(logo.width * scale)),
        "logo_height": max(1, round(logo.height * scale)),
    }
