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

from clinic import selectors
from clinic.booking import selectors as booking_selectors
from clinic.booking.decision import treatment_decisions
from clinic.booking.forms import SlotSearchForm, in_range
from clinic.booking.models import Appointment, AppointmentKind, Practitioner
from clinic.booking.views.common import CSRF_FIELD
from clinic.models import Client, Clinic
from common.errors import ApplicationError, NotFound
from common.fields import parse_id
from treatments.plans.models import TreatmentPlan


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
    #: Days with free time on which the client cannot be booked for a treatment, and why.
    refused: list[tuple[list[date], str]] = field(default_factory=list)

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


def _treatment_of(
    clinic: Clinic, data: QueryDict | dict, appointment: Appointment | None
) -> tuple[Client, TreatmentPlan | None, int | None] | None:
    """Whose treatment the search is for: the appointment being moved, or the form's
    client when "treatment" is chosen; None for a consultation or no client yet."""
    if appointment is not None:
        if appointment.kind != AppointmentKind.TREATMENT:
            return None
        return appointment.client, appointment.treatment_plan, appointment.pk
    if data.get("kind") != AppointmentKind.TREATMENT or not data.get("client"):
        return None
    try:
        client = selectors.client_get(clinic=clinic, client_id=data.get("client"))
    except NotFound:
        return None
    plan_id = parse_id(data.get("treatment_plan"))
    plan = (
        TreatmentPlan.objects.filter(clinic=clinic, client=client, pk=plan_id).first()
        if plan_id
        else None
    )
    return client, plan, None


def find_slots(
    clinic: Clinic,
    data: QueryDict | dict,
    *,
    extra_duration: int | None = None,
    chosen=None,
    appointment: Appointment | None = None,
) -> SlotResults:
    """Free slots for the form's search; for a treatment, only on dates the client may be
    booked (the one treatment decision), with the reason for each day left out."""
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
    zone = clinic.zone
    treatment = _treatment_of(clinic, data, appointment)
    if treatment is not None:
        client, plan, exclude = treatment
        decisions = treatment_decisions(
            client=client,
            dates={s.start.astimezone(zone).date() for s in slots},
            plan=plan,
            exclude_appointment_id=exclude,
        )
        by_reason: dict[str, list[date]] = {}
        for day, decided in sorted(decisions.items()):
            if not decided.bookable:
                by_reason.setdefault(decided.refusal, []).append(day)
        results.refused = [(days, reason) for reason, days in by_reason.items()]
        slots = [s for s in slots if decisions[s.start.astimezone(zone).date()].bookable]
    room_names = {r.pk: r.name for r in booking_selectors.room_list(clinic=clinic)}
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
    appointment: Appointment | None = None,
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
    slots = find_slots(clinic, query, extra_duration=extra_duration, appointment=appointment)
    response = render(
        request,
        "booking/_slot_list.html",
        {"slots": slots, "slots_url": slots_url, "announce": True},
    )
    query["find"] = "1"
    response["HX-Replace-Url"] = f"{page_url}?{query.urlencode()}"
    return response
