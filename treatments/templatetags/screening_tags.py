"""Screening's parts of the client page (owned by ``clinic``, which sits below screening)."""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Page, Paginator

from clinic.models import Client
from treatments.screening import intake
from treatments.screening import selectors as screening_selectors
from treatments.screening.models import Screening

register = template.Library()


@register.simple_tag
def client_screening_status(client: Client) -> screening_selectors.ScreeningStatus:
    """What the client's screening allows today: the badge and strip on the client page."""
    return screening_selectors.client_screening_status(
        client=client, today=client.clinic.local_today()
    )


#: Screenings per page of the client page's list: the page costs the same for a client
#: screened 200 times as for one screened once (docs/performance.md).
CLIENT_PAGE_SCREENINGS = 10


@register.simple_tag
def client_screenings(client: Client, page: str | int | None = 1) -> Page[Screening]:
    """One page of the client's screenings, newest first (``?screenings=<page>``)."""
    screenings = (
        screening_selectors.screening_list(clinic=client.clinic, client=client)
        .select_related(None)
        .select_related("taken_by", "review__reviewed_by")
        .defer("answers", "missing", "findings")
    )
    return Paginator(screenings, CLIENT_PAGE_SCREENINGS).get_page(page)


@register.simple_tag
def client_intake_link(client: Client) -> dict[str, Any] | None:
    """The client's newest online intake link and what became of it (decision 0020)."""
    link = intake.intake_link_latest(client=client)
    if link is None:
        return None
    return {"link": link, "state": intake.link_state(link)}
