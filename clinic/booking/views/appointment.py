"""One appointment: its page, check-in and no-show, cancelling and rescheduling."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from clinic.access import acting_user
from clinic.booking import selectors as booking_selectors
from clinic.booking import services as booking
from clinic.booking.decision import appointment_decision
from clinic.booking.forms import CancelForm, RescheduleForm
from clinic.booking.models import Appointment, AppointmentStatus
from clinic.booking.views.common import (
    error_status,
    not_found,
    optional_url,
    service_error,
    stripped_query,
)
from clinic.booking.views.slots import (
    find_slots,
    parse_slot,
    query_initial,
    slot_list_response,
)
from clinic.views import ClinicStaffMixin
from common.audit import audit_record
from common.errors import ApplicationError, NotFound
from treatments.screening.selectors import client_screening_status


class _AppointmentMixin(ClinicStaffMixin):
    def get_appointment(self, pk) -> Appointment:
        try:
            return booking_selectors.appointment_get(clinic=self.clinic, appointment_id=pk)
        except NotFound as exc:
            raise not_found(exc) from exc

    def detail_page(
        self,
        request: HttpRequest,
        appointment: Appointment,
        *,
        cancel_form: CancelForm | None = None,
        error: dict[str, Any] | None = None,
        status: int = 200,
    ) -> HttpResponse:

        clinic = self.clinic
        zone = clinic.zone
        audit_record(
            actor=acting_user(request),
            action="read",
            object_type="appointment",
            object_id=appointment.pk,
            clinic_id=clinic.pk,
            client_id=appointment.client_id,
        )
        local_start = appointment.start.astimezone(zone)
        context = {
            "appointment": appointment,
            "local_start": local_start,
            "local_end": appointment.end.astimezone(zone),
            "minutes": _minutes_of(appointment),
            "device_free_at": (
                appointment.device_free_at.astimezone(zone) if appointment.device_free_at else None
            ),
            "cancelled_at": (
                appointment.cancelled_at.astimezone(zone) if appointment.cancelled_at else None
            ),
            "decision": appointment_decision(appointment=appointment),
            "screening_status": client_screening_status(
                client=appointment.client, today=clinic.local_today()
            ),
            "screening_url": (
                optional_url("screening-detail", appointment.screening_id)
                if appointment.screening_id
                else None
            ),
            "cancel_form": cancel_form or CancelForm(),
            "error": error,
            "calendar_url": f"{reverse('calendar')}?"
            + urlencode({"date": local_start.date().isoformat()}),
        }
        return render(request, "booking/appointment_detail.html", context, status=status)

    def refused(self, request, appointment, title: str, detail: str, status: int) -> HttpResponse:
        """The page again, as it is now, with the reason nothing changed."""
        fresh = booking_selectors.appointment_get(clinic=self.clinic, appointment_id=appointment.pk)
        error = {"kind": "status", "title": title, "detail": detail}
        return self.detail_page(request, fresh, error=error, status=status)


class AppointmentDetailView(_AppointmentMixin, View):
    def get(self, request, pk):
        return self.detail_page(request, self.get_appointment(pk))


class AppointmentStatusView(_AppointmentMixin, View):
    """Check in, undo a check-in, or mark a no-show."""

    words = {
        AppointmentStatus.CHECKED_IN: "Checked in.",
        AppointmentStatus.BOOKED: "Check-in undone.",
        AppointmentStatus.NO_SHOW: "Marked as a no-show.",
    }

    def post(self, request, pk):
        appointment = self.get_appointment(pk)
        wanted = request.POST.get("status", "")
        if wanted not in self.words:
            return self.refused(request, appointment, "Not changed", "Unknown action.", 400)
        try:
            booking.appointment_set_status(
                appointment=appointment, actor=acting_user(request), status=wanted
            )
        except ApplicationError as exc:
            return self.refused(request, appointment, "Not changed", exc.detail, error_status(exc))
        messages.success(request, self.words[wanted])
        if wanted == AppointmentStatus.CHECKED_IN:
            self._warn_before_session(request, appointment)
        return redirect("appointment-detail", pk=appointment.pk)

    @staticmethod
    def _warn_before_session(request: HttpRequest, appointment: Appointment) -> None:
        """At check-in, reception hears at once what stops the session from starting."""
        related = ("client__clinic", "clinic", "treatment_plan")
        fresh = Appointment.objects.select_related(*related).get(pk=appointment.pk)
        decision = appointment_decision(appointment=fresh)
        if decision is None:
            return
        missing = ([decision.reason] if not decision.bookable else []) + [
            item.detail for item in decision.to_do
        ]
        if missing:
            messages.warning(request, "Before the session: " + " ".join(missing))


class AppointmentCancelView(_AppointmentMixin, View):
    def post(self, request, pk):
        appointment = self.get_appointment(pk)
        form = CancelForm(request.POST)
        if not form.is_valid():
            return self.detail_page(request, appointment, cancel_form=form, status=400)
        try:
            booking.appointment_cancel(
                appointment=appointment,
                actor=acting_user(request),
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            if exc.fields:
                service_error(form, exc)
                return self.detail_page(request, appointment, cancel_form=form, status=400)
            return self.refused(
                request, appointment, "Not cancelled", exc.detail, error_status(exc)
            )
        messages.success(request, "The appointment was cancelled.")
        return redirect("appointment-detail", pk=appointment.pk)


class AppointmentRescheduleView(_AppointmentMixin, View):
    template_name = "booking/reschedule.html"
    fields = ("date", "start_time", "duration", "practitioner", "room", "device", "span")

    def get(self, request, pk):
        stripped = stripped_query(request)
        if stripped is not None:
            return stripped
        appointment = self.get_appointment(pk)
        if not appointment.can_be_moved:
            messages.error(
                request,
                f"A {appointment.get_status_display().lower()} appointment cannot be moved.",
            )
            return redirect("appointment-detail", pk=appointment.pk)
        query = request.GET
        form = RescheduleForm(clinic=self.clinic, appointment=appointment)
        initial = {
            name: form[name].value()
            for name in ("date", "start_time", "duration", "practitioner", "room", "device")
        }
        initial["span"] = "day"
        initial.update(query_initial(query, self.fields))
        slots = None
        if "find" in query or "slot" in query:
            data = {**initial, "room": query.get("room", "")}
            slots = find_slots(
                self.clinic,
                data,
                extra_duration=_minutes_of(appointment),
                chosen=parse_slot(query.get("slot", "")),
                appointment=appointment,
            )
        form = RescheduleForm(clinic=self.clinic, appointment=appointment, initial=initial)
        status = 400 if slots is not None and slots.errors else 200
        return self._render(request, appointment, form, slots=slots, status=status)

    def post(self, request, pk):
        appointment = self.get_appointment(pk)
        form = RescheduleForm(request.POST, clinic=self.clinic, appointment=appointment)
        error = None
        slots = None
        if form.is_valid():
            changes = form.changes()
            if not changes:
                messages.info(request, "Nothing was changed.")
                return redirect("appointment-detail", pk=appointment.pk)
            try:
                booking.appointment_reschedule(
                    appointment=appointment, actor=acting_user(request), changes=changes
                )
            except ApplicationError as exc:
                error = service_error(form, exc)
                status = error_status(exc)
                if isinstance(exc, booking.SlotUnavailable):
                    slots = find_slots(
                        self.clinic,
                        {**request.POST.dict(), "room": ""},
                        extra_duration=_minutes_of(appointment),
                        appointment=appointment,
                    )
            else:
                fresh = booking_selectors.appointment_get(
                    clinic=self.clinic, appointment_id=appointment.pk
                )
                local = fresh.start.astimezone(self.clinic.zone)
                messages.success(request, f"Moved to {local:%A %-d %B at %H:%M}.")
                return redirect("appointment-detail", pk=appointment.pk)
        else:
            status = 400
        return self._render(request, appointment, form, slots=slots, error=error, status=status)

    def _render(self, request, appointment, form, *, slots=None, error=None, status=200):
        zone = self.clinic.zone
        context = {
            "appointment": appointment,
            "local_start": appointment.start.astimezone(zone),
            "local_end": appointment.end.astimezone(zone),
            "form": form,
            "slots": slots,
            "error": error,
            "action": reverse("appointment-reschedule", args=[appointment.pk]),
            "slots_url": reverse("appointment-reschedule-slots", args=[appointment.pk]),
        }
        return render(request, self.template_name, context, status=status)


class AppointmentRescheduleSlotsView(_AppointmentMixin, View):
    """The rescheduling form's free-slot list, as a partial for htmx to swap in."""

    def get(self, request, pk):
        appointment = self.get_appointment(pk)
        if not appointment.can_be_moved:
            message = f"A {appointment.get_status_display().lower()} appointment cannot be moved."
            return HttpResponse(message, status=409, content_type="text/plain")
        return slot_list_response(
            request,
            clinic=self.clinic,
            page_url=reverse("appointment-reschedule", args=[appointment.pk]),
            slots_url=reverse("appointment-reschedule-slots", args=[appointment.pk]),
            extra_duration=_minutes_of(appointment),
            appointment=appointment,
        )


def _minutes_of(appointment: Appointment) -> int:
    return int((appointment.end - appointment.start).total_seconds() // 60)
