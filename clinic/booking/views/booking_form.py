"""The booking form: a new appointment, with the client's screening beside it."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from clinic import selectors, services
from clinic.access import acting_user
from clinic.booking import services as booking
from clinic.booking.decision import treatment_decision
from clinic.booking.forms import BookingForm, in_range
from clinic.booking.models import AppointmentKind
from clinic.booking.views.client_picker import client_picker
from clinic.booking.views.common import error_status, optional_url, service_error, stripped_query
from clinic.booking.views.slots import (
    SlotResults,
    find_slots,
    parse_slot,
    query_initial,
    slot_list_response,
)
from clinic.models import Clinic, User
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError, NotFound
from common.fields import parse_id
from treatments.plans.models import TreatmentPlan
from treatments.screening.selectors import client_screening_status


def _safety(
    clinic: Clinic, actor: User, client_id: Any, kind: Any, on: Any, plan_id: Any = None
) -> dict[str, Any] | None:
    """The client's screening badge and, for a treatment, the decision booking enforces
    for that date (``booking.decision``), with what is still to do before the session."""

    if not client_id:
        return None
    try:
        client = selectors.client_get(clinic=clinic, client_id=client_id)
    except NotFound:
        return None
    # The panel shows health-derived facts (the screening outcome): an audited read.
    services.client_record_read(client=client, actor=actor)
    today = clinic.local_today()
    on_date = on if isinstance(on, date) else None
    if on_date is None and on:
        try:
            on_date = date.fromisoformat(str(on))
        except ValueError:
            on_date = None
    if not in_range(on_date):
        on_date = None
    decision = None
    if kind == AppointmentKind.TREATMENT and on_date is not None:
        number = parse_id(plan_id)
        plan = (
            TreatmentPlan.objects.filter(clinic=clinic, client=client, pk=number).first()
            if number
            else None
        )
        decision = treatment_decision(client=client, on_date=on_date, plan=plan, today=today)
    return {
        "client": client,
        "status": client_screening_status(client=client, today=today),
        "kind": kind,
        "on_date": on_date,
        "decision": decision,
        "screen_url": optional_url("screening-new", client.pk),
    }


class AppointmentNewView(ClinicStaffMixin, View):
    template_name = "booking/appointment_form.html"
    fields = (
        "client",
        "client_q",
        "kind",
        "treatment_plan",
        "practitioner",
        "duration",
        "room",
        "device",
        "date",
        "span",
        "start_time",
    )

    def get(self, request):
        stripped = stripped_query(request)
        if stripped is not None:
            return stripped
        query = request.GET
        initial = {"kind": AppointmentKind.CONSULTATION, "duration": 60, "span": "day"}
        initial["date"] = self.clinic.local_today().isoformat()
        initial.update(query_initial(query, self.fields))
        slots = None
        if "find" in query or "slot" in query:
            # The room select is the search's filter; a picked slot's room is its answer.
            data = {**initial, "room": query.get("room", "")}
            slots = find_slots(self.clinic, data, chosen=parse_slot(query.get("slot", "")))
            self._room_from_slot(initial, slots, query)
        form = BookingForm(clinic=self.clinic, initial=initial)
        status = 400 if slots is not None and slots.errors else 200
        return self._render(request, form, initial, slots=slots, status=status)

    def post(self, request):
        form = BookingForm(request.POST, clinic=self.clinic)
        error = None
        slots = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                appointment = booking.appointment_book(
                    clinic=self.clinic,
                    actor=acting_user(request),
                    request=booking.BookingRequest(
                        client=data["client"],
                        practitioner=data["practitioner"],
                        room=data["room"],
                        device=data["device"],
                        start=data["start"],
                        end=data["end"],
                        kind=data["kind"],
                        notes=data["notes"],
                        treatment_plan=data.get("treatment_plan"),
                    ),
                )
            except ApplicationError as exc:
                error = service_error(form, exc)
                status = error_status(exc)
                if isinstance(exc, booking.SlotUnavailable):
                    slots = find_slots(self.clinic, {**request.POST.dict(), "room": ""})
            else:
                local = appointment.start.astimezone(self.clinic.zone)
                messages.success(
                    request,
                    f"Booked: {appointment.get_kind_display().lower()} for "
                    f"{appointment.client.full_name} on {local:%A %-d %B at %H:%M}.",
                )
                return redirect("appointment-detail", pk=appointment.pk)
        else:
            status = 400
        return self._render(request, form, request.POST, slots=slots, error=error, status=status)

    @staticmethod
    def _room_from_slot(initial: dict, slots: SlotResults, query: QueryDict) -> None:
        """From the calendar's free gap: the start is known, so take that slot's room."""
        if query.get("room") or "slot" in query or not query.get("start_time"):
            return
        wanted = f"{initial.get('date')}T{query['start_time']}"
        for _, day_slots in slots.days:
            for slot in day_slots:
                if slot.value.startswith(wanted) and slot.room_id:
                    initial["room"] = slot.room_id
                    slot.selected = True
                    return

    def _render(self, request, form, values, *, slots=None, error=None, status=200):
        context = {
            "form": form,
            "picker": client_picker(
                self.clinic, acting_user(request), values.get("client_q", ""), values.get("client")
            ),
            "slots": slots,
            "error": error,
            "safety": _safety(
                self.clinic,
                acting_user(request),
                values.get("client"),
                values.get("kind"),
                values.get("date"),
                values.get("treatment_plan"),
            ),
            "action": reverse("appointment-new"),
            "slots_url": reverse("appointment-new-slots"),
            "clients_url": reverse("appointment-new-clients"),
        }
        return render(request, self.template_name, context, status=status)


class AppointmentSlotsView(ClinicStaffMixin, View):
    """The booking form's free-slot list, as a partial for htmx to swap in."""

    def get(self, request):
        return slot_list_response(
            request,
            clinic=self.clinic,
            page_url=reverse("appointment-new"),
            slots_url=reverse("appointment-new-slots"),
        )


class AppointmentSafetyView(ClinicStaffMixin, View):
    """The booking form's screening panel for the chosen client, kind and date (a partial)."""

    def get(self, request):
        query = request.GET
        safety = _safety(
            self.clinic,
            acting_user(request),
            query.get("client"),
            query.get("kind"),
            query.get("date"),
            query.get("treatment_plan"),
        )
        return render(request, "booking/_safety.html", {"safety": safety})
