"""Screening's parts of the client page (owned by ``clinic``, which sits below screening)."""

from __future__ import annotations

from django import template

from clinic.models import Client
from treatments.screening import selectors as screening_selectors
from treatments.screening.models import Screening

register = template.Library()


@register.simple_tag
def client_screening_status(client: Client) -> screening_selectors.ScreeningStatus:
    """What the client's screening allows today: the badge and strip on the client page."""
    return screening_selectors.client_screening_status(
        client=client, today=client.clinic.local_today()
    )


@register.simple_tag
def client_screenings(client: Client) -> list[Screening]:
    """The client's screenings, newest first."""
    return list(screening_selectors.screening_list(clinic=client.clinic, client=client))
