"""The free-slot search of the booking and rescheduling forms.

``availability_search`` finds the slots; here they are grouped by local day as buttons
that fill in the start time and room (a GET without JavaScript). With htmx the list is
this module's partial (``slot_list_response``), swapped into the form in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from clinic.booking import selectors as booking_selectors
from clinic.booking.forms import SlotSearchForm, in_range
from clinic.booking.models import Practitioner
from clinic.booking.views.common import CSRF_FIELD
from clinic.models import Clinic
from common.errors import ApplicationError


@dataclass
class SlotChoice:
    value: str
    time: str
    end: str
    room: str
    room_id: int | None
    date: str
    selected: bool = False


@dataclass
class SlotResults:
    errors: list[str] = field(default_factory=list)
    days: list[tuple[date, list[SlotChoice]]] = field(default_factory=list)
    first: date | None = None
    last: date | None = None
    practitioner: Practitioner | None = None
    duration: int = 0

    @property
    def count(self) -> int:
        return sum(len(slots) for _, slots in self.days)


def parse_slot(value: str) -> tuple[date, time, int | None] | None:
    """``2026-03-09T10:15|3`` (local date and time, room id) from a slot button."""
    when, _, room = value.partition("|")
    try:
        moment = datetime.fromisoformat(when)
        room_id = int(room) if room else None
    except ValueError:
        return None
    if moment.tzinfo is not None or not in_range(moment.date()):
        return None
    return moment.date(), moment.time().replace(second=0, microsecond=0), room_id


def find_slots(
    clinic: Clinic, data: QueryDict | dict, *, extra_duration: int | None = None, chosen=None
) -> SlotResults:
    search = SlotSearchForm(data, clinic=clinic, extra_duration=extra_duration)
    if not search.is_valid():
        return SlotResults(errors=[str(e) for errors in search.errors.values() for e in errors])
    values = search.cleaned_data
    results = SlotResults(
        first=values["date"],
        last=search.date_to,
        practitioner=values["practitioner"],
        duration=values["duration"],
    )
    try:
        slots = booking_selectors.availability_search(
            clinic=clinic,
            practitioner=values["practitioner"],
            date_from=values["date"],
            date_to=search.date_to,
            duration=timedelta(minutes=values["duration"]),
            room=values.get("room"),
            device=values.get("device"),
        )
    except ApplicationError as exc:
        results.errors.append(exc.detail)
        return results
    room_names = {r.pk: r.name for r in booking_selectors.room_list(clinic=clinic)}
    zone = clinic.zone
    grouped: dict[date, list[SlotChoice]] = {}
    for slot in slots:
        start, end = slot.start.astimezone(zone), slot.end.astimezone(zone)
        value = f"{start:%Y-%m-%dT%H:%M}|{slot.room_id or ''}"
        grouped.setdefault(start.date(), []).append(
            SlotChoice(
                value=value,
                time=f"{start:%H:%M}",
                end=f"{end:%H:%M}",
                room=room_names.get(slot.room_id, "") if slot.room_id else "",
                room_id=slot.room_id,
                date=start.date().isoformat(),
                selected=(start.date(), start.time(), slot.room_id) == chosen,
            )
        )
    results.days = sorted(grouped.items())
    return results


def query_initial(query: QueryDict, names: Iterable[str]) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: query.get(name) for name in names if query.get(name) not in (None, "")
    }
    picked = parse_slot(query.get("slot", ""))
    if picked is not None:
        day, at, room_id = picked
        initial.update(date=day.isoformat(), start_time=f"{at:%H:%M}")
        if room_id:
            initial["room"] = room_id
    return initial


def slot_list_response(
    request: HttpRequest,
    *,
    clinic: Clinic,
    page_url: str,
    slots_url: str,
    extra_duration: int | None = None,
) -> HttpResponse:
    """The slot list partial (``booking/_slot_list.html``) for the form's current values.

    Always a 200, because htmx swaps only successful answers and the list must show why
    there are no slots (no practitioner chosen, a date out of range). The page's own
    address for the same search goes in ``HX-Replace-Url``, so reloading or sharing it
    shows these results without JavaScript.
    """
    query = request.GET.copy()
    query.pop(CSRF_FIELD, None)
    query.pop("slot", None)
    slots = find_slots(clinic, query, extra_duration=extra_duration)
    response = render(
        request,
        "booking/_slot_list.html",
        {"slots": slots, "slots_url": slots_url, "announce": True},
    )
    query["find"] = "1"
    response["HX-Replace-Url"] = f"{page_url}?{query.urlencode()}"
    return response
