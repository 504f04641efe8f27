"""The consent panel on the client page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from clinic.models import Client, Membership
from treatments.consent import selectors as consent_selectors

register = template.Library()

#: The client page lists this many consents; older ones stay in the API and the audit.
PANEL_LIMIT = 10


@register.inclusion_tag("consent/consent_client_panel.html")
def client_consent_panel(client: Client, membership: Membership | None = None) -> dict[str, Any]:
    """Consent status (none / current / outdated), a "Take consent" button and PDF links.

    ``consents`` are ``(consent, signed at in the clinic's time)`` pairs.
    """
    status = consent_selectors.consent_status_for(client=client)
    zone = client.clinic.zone
    newest = consent_selectors.consent_list(clinic=client.clinic, client=client)
    consents = [
        (consent, timezone.localtime(consent.signed_at, zone))
        for consent in newest.defer("signature_png")[:PANEL_LIMIT]
    ]
    return {"client": client, "membership": membership, "status": status, "consents": consents}
