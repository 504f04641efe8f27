"""The booking form's client picker: a search field that narrows a list of clients.

Without JavaScript "Search" reloads the booking page with ``client_q`` and the form's
other values; with htmx the list alone (``booking/_client_results.html``) is swapped in as
the search is typed. The list shows at most ``LIMIT`` matches, so the page stays the same
size with thousands of clients; the chosen client always stays in it.
"""

from __future__ import annotations

from typing import Any

from django.shortcuts import render
from django.views import View

from clinic import selectors, services
from clinic.access import acting_user
from clinic.models import Clinic, User
from clinic.views import ClinicStaffMixin
from common.errors import NotFound

LIMIT = 20
MAX_QUERY = 100


def client_picker(clinic: Clinic, actor: User, query: str, chosen_id: Any) -> dict[str, Any]:
    """What the picker shows for the search ``query`` and the chosen client's id."""
    query = (query or "").strip()[:MAX_QUERY]
    chosen = None
    if chosen_id:
        try:
            chosen = selectors.client_get(clinic=clinic, client_id=chosen_id)
        except NotFound:
            chosen = None
    matches = []
    count = 0
    if query:
        found = selectors.client_list(clinic=clinic, search=query)
        count = found.count()
        matches = list(found[:LIMIT])
        services.client_list_read(
            clinic=clinic, actor=actor, search=query, clients=matches, count=count
        )
    if chosen is not None and all(c.pk != chosen.pk for c in matches):
        matches.insert(0, chosen)
    return {
        "q": query,
        "matches": matches,
        "count": count,
        "more": max(count - LIMIT, 0),
        "limit": LIMIT,
        "chosen_id": chosen.pk if chosen else None,
    }


class AppointmentClientsView(ClinicStaffMixin, View):
    """The picker's result list for the typed search, as a partial for htmx to swap in."""

    def get(self, request):
        picker = client_picker(
            self.clinic,
            acting_user(request),
            request.GET.get("client_q", ""),
            request.GET.get("client"),
        )
        return render(request, "booking/_client_results.html", {"picker": picker, "oob": True})
