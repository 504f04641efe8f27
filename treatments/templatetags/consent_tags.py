"""The consent panel on the client page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from clinic.models import Client
from treatments.consent import selectors as consent_selectors

register = template.Library()

#: The client page lists this many consents; older ones stay in the API and the audit.
PANEL_LIMIT = 10


@register.inclusion_tag("consent/consent_client_panel.html")
def client_consent_panel(client: Client, membership: Any = None) -> dict[str, Any]:
    """Consent status (none / current / outdated), a "Take consent" button and PDF links."""
    status = consent_selectors.consent_status_for(client=client)
    zone = client.clinic.zone
    consents = list(
        consent_selectors.consent_list(clinic=client.clinic, client=client).defer("signature_png")[
            :PANEL_LIMIT
        ]
    )
    for consent in consents:
        consent.signed_local = timezone.localtime(consent.signed_at, zone)
    return {"client": client, "membership": membership, "status": status, "consents": consents}
