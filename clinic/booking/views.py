"""Staff pages for booking: calendar, booking form, appointment, resources.

Thin, like the API: forms collect input, clinic/booking.py decides and writes, and
its selectors read. Times are stored in UTC and shown in the clinic's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views import View

from clinic import selectors, services
from clinic.booking import calendar
from clinic.booking import selectors as booking_selectors
from clinic.booking import services as booking
from clinic.booking.availability import local_to_utc
from clinic.booking.forms import (
    BookingForm,
    CalendarQueryForm,
    CancelForm,
    DeviceForm,
    PractitionerCreateForm,
    RescheduleForm,
    RoomForm,
    SlotSearchForm,
    WorkingHoursForm,
    in_range,
)
from clinic.booking.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Device,
    Practitioner,
    Room,
    TimeOff,
)
from clinic.models import Clinic
from clinic.views import ClinicStaffMixin
from common.audit import audit_record
from common.errors import ApplicationError, NotFound
from treatments.screening.errors import ScreeningBlocksTreatment
from treatments.screening.selectors import client_screening_status, treatment_eligibility

CSRF_FIELD = "csrfmiddlewaretoken"


def _not_found(exc: NotFound) -> Http404:
    return Http404(exc.detail)


def _optional_url(name: str, *args: Any) -> str | None:
    """A link to a page another app provides, if that app has routed it yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _stripped_query(request: HttpRequest) -> HttpResponseRedirect | None:
    """Drop the CSRF token a no-JS "Find free slots" GET carries from the POST form.

    The search shares the booking form's fields, so without JavaScript the browser sends
    the token in the query string; redirecting keeps it out of history and shared links.
    """
    if CSRF_FIELD not in request.GET:
        return None
    query = request.GET.copy()
    del query[CSRF_FIELD]
    return HttpResponseRedirect(f"{request.path}?{query.urlencode()}")


# --- calendar --------------------------------------------------------------------------


@dataclass
class CalendarColumn:
    """A column's heading and links; ``layout`` is where its blocks go (calendar.py)."""

    key: str
    day: date
    title: str
    subtitle: str = ""
    title_url: str = ""
    book_url: str = ""
    practitioner: Practitioner | None = None
    room: Room | None = None
    layout: calendar.ColumnLayout | None = None


def _week_of(practitioner: Practitioner) -> dict[int, list[tuple[time, time]]]:
    hours: dict[int, list[tuple[time, time]]] = {}
    for block in practitioner.working_hours.all():  # prefetched by practitioner_list
        hours.setdefault(block.weekday, []).append((block.start, block.end))
    return hours


class CalendarView(ClinicStaffMixin, View):
    template_name = "booking/calendar.html"

    def get(self, request):
        clinic = self.clinic
        query = CalendarQueryForm(request.GET)
        problem = None
        if not query.is_valid():
            problem = "Some of the calendar settings were not understood; showing today."
            values: dict[str, Any] = {}
        else:
            values = query.cleaned_data
        now = timezone.now()
        today = clinic.local_today()
        on = values.get("date") or today
        view = values.get("view") or "day"
        by = values.get("by") or "practitioner"
        days = [on] if view == "day" else [on - timedelta(days=on.weekday() - n) for n in range(7)]

        zone = clinic.zone
        window_start = local_to_utc(days[0], time(0), zone)
        window_end = local_to_utc(days[-1] + timedelta(days=1), time(0), zone)
        practitioners = list(booking_selectors.practitioner_list(clinic=clinic))  # + working hours
        rooms = list(booking_selectors.room_list(clinic=clinic))

        chosen_practitioner = chosen_room = None
        appointments = booking.appointments_for_calendar(
            clinic=clinic, start=window_start, end=window_end
        )
        if view == "week":
            if by == "practitioner":
                chosen_practitioner = _pick(
                    practitioners, values.get("practitioner"), "is_bookable"
                )
                if chosen_practitioner is not None:
                    appointments = appointments.filter(practitioner=chosen_practitioner)
            else:
                chosen_room = _pick(rooms, values.get("room"), "is_active")
                if chosen_room is not None:
                    appointments = appointments.filter(room=chosen_room)
        appointments = list(appointments)
        time_off: list[TimeOff] = []
        if by == "practitioner":
            time_off = list(
                TimeOff.objects.filter(
                    practitioner__clinic=clinic, start__lt=window_end, end__gt=window_start
                ).order_by("start")
            )
        audit_record(
            actor=request.user,
            action="list",
            object_type="appointment",
            clinic_id=clinic.pk,
            detail={"view": view, "by": by, "date": on.isoformat(), "results": len(appointments)},
        )

        columns = self._columns(
            view=view,
            by=by,
            days=days,
            practitioners=practitioners,
            rooms=rooms,
            appointments=appointments,
            chosen_practitioner=chosen_practitioner,
            chosen_room=chosen_room,
        )
        laid = calendar.lay_out(
            [self._spec(c, by) for c in columns],
            booked=[
                calendar.Booked(
                    ref=a,
                    owner=a.practitioner_id if by == "practitioner" else a.room_id,
                    start=a.start,
                    end=a.end,
                    occupies=a.is_active,
                )
                for a in appointments
            ],
            away=[calendar.Away(t.practitioner_id, t.start, t.end, t.reason) for t in time_off],
            zone=zone,
            now=now,
            # The room view's hours: everyone bookable on the days shown.
            also_show=[_week_of(p) for p in practitioners if p.is_bookable] if by == "room" else (),
        )
        for column, column_layout in zip(columns, laid.columns, strict=True):
            column.layout = column_layout
            self._link(column, column_layout)

        def link(**changes: Any) -> str:
            params = {"date": on.isoformat(), "view": view, "by": by}
            if chosen_practitioner is not None:
                params["practitioner"] = chosen_practitioner.pk
            if chosen_room is not None:
                params["room"] = chosen_room.pk
            params.update(changes)
            params = {k: v for k, v in params.items() if v is not None}
            return f"{reverse('calendar')}?{urlencode(params)}"

        step = timedelta(days=1 if view == "day" else 7)
        context = {
            "view": view,
            "by": by,
            "on": on,
            "days": days,
            "today": today,
            "columns": columns,
            "first": laid.first,
            "total": laid.total,
            "hours": laid.hours,
            "practitioners": [
                p for p in practitioners if p.is_bookable or p == chosen_practitioner
            ],
            "rooms": [r for r in rooms if r.is_active or r == chosen_room],
            "chosen_practitioner": chosen_practitioner,
            "chosen_room": chosen_room,
            "prev_url": link(date=(on - step).isoformat()),
            "next_url": link(date=(on + step).isoformat()),
            "today_url": link(date=today.isoformat()),
            "day_url": link(view="day", practitioner=None, room=None),
            "week_url": link(view="week"),
            "by_practitioner_url": link(by="practitioner", room=None),
            "by_room_url": link(by="room", practitioner=None),
            "problem": problem,
            "appointment_total": len(appointments),
            "now_label": now.astimezone(zone).strftime("%H:%M"),
        }
        return render(request, self.template_name, context, status=400 if problem else 200)

    @staticmethod
    def _spec(column: CalendarColumn, by: str) -> calendar.Column:
        if by == "practitioner" and column.practitioner is not None:
            p = column.practitioner
            return calendar.Column(p.pk, column.day, hours=_week_of(p), bookable=p.is_bookable)
        assert column.room is not None
        return calendar.Column(column.room.pk, column.day)

    @staticmethod
    def _link(column: CalendarColumn, laid: calendar.ColumnLayout) -> None:
        """Appointments open their page; a free gap opens the booking form at its start."""
        new = reverse("appointment-new")
        for item in laid.items + laid.outside:
            if item.kind == "appointment":
                item.url = reverse("appointment-detail", args=[item.ref.pk])
            elif item.kind == "free" and column.practitioner is not None:
                params = {
                    "practitioner": column.practitioner.pk,
                    "date": column.day.isoformat(),
                    "start_time": item.start,
                    "find": 1,
                }
                item.url = f"{new}?{urlencode(params)}"

    def _columns(
        self,
        *,
        view,
        by,
        days,
        practitioners,
        rooms,
        appointments,
        chosen_practitioner,
        chosen_room,
    ) -> list[CalendarColumn]:
        new = reverse("appointment-new")
        calendar = reverse("calendar")
        columns: list[CalendarColumn] = []
        if view == "day":
            day = days[0]
            if by == "practitioner":
                busy = {a.practitioner_id for a in appointments}
                for p in practitioners:
                    if not (p.is_bookable or p.pk in busy):
                        continue
                    columns.append(
                        CalendarColumn(
                            key=f"p{p.pk}",
                            day=day,
                            title=p.display_name,
                            subtitle="" if p.is_bookable else "not taking bookings",
                            title_url=f"{calendar}?"
                            + urlencode({"date": day, "view": "week", "practitioner": p.pk}),
                            book_url=f"{new}?"
                            + urlencode({"practitioner": p.pk, "date": day, "find": 1}),
                            practitioner=p,
                        )
                    )
            else:
                busy = {a.room_id for a in appointments}
                for r in rooms:
                    if not (r.is_active or r.pk in busy):
                        continue
                    columns.append(
                        CalendarColumn(
                            key=f"r{r.pk}",
                            day=day,
                            title=r.name,
                            subtitle="" if r.is_active else "not in use",
                            title_url=f"{calendar}?"
                            + urlencode({"date": day, "view": "week", "by": "room", "room": r.pk}),
                            book_url=f"{new}?" + urlencode({"room": r.pk, "date": day}),
                            room=r,
                        )
                    )
            return columns
        if chosen_practitioner is None and chosen_room is None:
            return columns
        for day in days:
            params: dict[str, Any] = {"date": day}
            if chosen_practitioner is not None:
                params.update(practitioner=chosen_practitioner.pk, find=1)
            else:
                params.update(room=chosen_room.pk)
            columns.append(
                CalendarColumn(
                    key=f"d{day:%Y%m%d}",
                    day=day,
                    title=f"{day:%a}",
                    subtitle=f"{day:%-d %b}",
                    title_url=f"{calendar}?" + urlencode({"date": day, "view": "day", "by": by}),
                    book_url=f"{new}?{urlencode(params)}",
                    practitioner=chosen_practitioner,
                    room=chosen_room,
                )
            )
        return columns


def _pick(objects: list, wanted: int | None, in_use: str):
    """The practitioner or room asked for (404 if not the clinic's), else the first in use."""
    if wanted is not None:
        for obj in objects:
            if obj.pk == wanted:
                return obj
        raise Http404("No such practitioner or room.")
    return next((o for o in objects if getattr(o, in_use)), objects[0] if objects else None)


# --- booking form ----------------------------------------------------------------------


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


def _parse_slot(value: str) -> tuple[date, time, int | None] | None:
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


def _find_slots(
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


def _query_initial(query: QueryDict, names: Iterable[str]) -> dict[str, Any]:
    initial = {name: query.get(name) for name in names if query.get(name) not in (None, "")}
    picked = _parse_slot(query.get("slot", ""))
    if picked is not None:
        day, at, room_id = picked
        initial.update(date=day.isoformat(), start_time=f"{at:%H:%M}")
        if room_id:
            initial["room"] = room_id
    return initial


def _service_error(form: forms.Form, exc: ApplicationError) -> dict[str, Any] | None:
    """A refusal from booking.py as a page alert, or as errors next to the fields."""

    if isinstance(exc, ScreeningBlocksTreatment):
        screening = exc.extra.get("screening", {})
        eligible = screening.get("eligible_from")
        return {
            "kind": "screening",
            "title": "This treatment cannot be booked",
            "detail": exc.detail,
            "findings": screening.get("findings", []),
            "eligible_from": date.fromisoformat(eligible) if eligible else None,
        }
    if isinstance(exc, booking.SlotUnavailable):
        detail = exc.detail
        if not detail.startswith("That time is taken"):
            detail = f"That time is not available: {detail}"
        return {"kind": "slot", "title": "Choose another time", "detail": detail}
    if isinstance(exc, booking.IntervalTooShort):
        return {
            "kind": "interval",
            "title": "Too soon after another treatment",
            "detail": exc.detail,
        }
    if exc.fields:
        where = {"end": "duration", "start": "start_time"}
        for name, errors in exc.fields.items():
            target = where.get(name, name)
            for error in errors:
                form.add_error(target if target in form.fields else None, error)
        return None
    form.add_error(None, exc.detail)
    return None


def _error_status(exc: ApplicationError) -> int:
    return exc.status_code if exc.status_code in (400, 409) else 400


def _safety(clinic: Clinic, actor, client_id: Any, kind: Any, on: Any) -> dict[str, Any] | None:
    """The client's screening badge and, for a treatment, whether that date is allowed."""

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
    eligibility = None
    if kind == AppointmentKind.TREATMENT and on_date is not None:
        eligibility = treatment_eligibility(client=client, on_date=on_date, today=today)
    return {
        "client": client,
        "status": client_screening_status(client=client, today=today),
        "kind": kind,
        "on_date": on_date,
        "eligibility": eligibility,
        "screen_url": _optional_url("screening-new", client.pk),
    }


class AppointmentNewView(ClinicStaffMixin, View):
    template_name = "booking/appointment_form.html"
    fields = (
        "client",
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
        stripped = _stripped_query(request)
        if stripped is not None:
            return stripped
        query = request.GET
        initial = {"kind": AppointmentKind.CONSULTATION, "duration": 60, "span": "day"}
        initial["date"] = self.clinic.local_today().isoformat()
        initial.update(_query_initial(query, self.fields))
        slots = None
        if "find" in query or "slot" in query:
            # The room select is the search's filter; a picked slot's room is its answer.
            data = {**initial, "room": query.get("room", "")}
            slots = _find_slots(self.clinic, data, chosen=_parse_slot(query.get("slot", "")))
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
                    actor=request.user,
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
                error = _service_error(form, exc)
                status = _error_status(exc)
                if isinstance(exc, booking.SlotUnavailable):
                    slots = _find_slots(self.clinic, {**request.POST.dict(), "room": ""})
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
            "slots": slots,
            "error": error,
            "safety": _safety(
                self.clinic,
                request.user,
                values.get("client"),
                values.get("kind"),
                values.get("date"),
            ),
            "action": reverse("appointment-new"),
        }
        return render(request, self.template_name, context, status=status)


# --- an appointment --------------------------------------------------------------------


class _AppointmentMixin(ClinicStaffMixin):
    def get_appointment(self, pk) -> Appointment:
        try:
            return booking_selectors.appointment_get(clinic=self.clinic, appointment_id=pk)
        except NotFound as exc:
            raise _not_found(exc) from exc

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
            actor=request.user,
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
            "screening_status": client_screening_status(
                client=appointment.client, today=clinic.local_today()
            ),
            "screening_url": (
                _optional_url("screening-detail", appointment.screening_id)
                if appointment.screening_id
                else None
            ),
            "cancel_form": cancel_form or CancelForm(),
            "error": error,
            "can_change": appointment.status == AppointmentStatus.BOOKED,
            "can_cancel": appointment.status
            in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN),
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
                appointment=appointment, actor=request.user, status=wanted
            )
        except ApplicationError as exc:
            return self.refused(request, appointment, "Not changed", exc.detail, _error_status(exc))
        messages.success(request, self.words[wanted])
        return redirect("appointment-detail", pk=appointment.pk)


class AppointmentCancelView(_AppointmentMixin, View):
    def post(self, request, pk):
        appointment = self.get_appointment(pk)
        form = CancelForm(request.POST)
        if not form.is_valid():
            return self.detail_page(request, appointment, cancel_form=form, status=400)
        try:
            booking.appointment_cancel(
                appointment=appointment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            if exc.fields:
                _service_error(form, exc)
                return self.detail_page(request, appointment, cancel_form=form, status=400)
            return self.refused(
                request, appointment, "Not cancelled", exc.detail, _error_status(exc)
            )
        messages.success(request, "The appointment was cancelled.")
        return redirect("appointment-detail", pk=appointment.pk)


class AppointmentRescheduleView(_AppointmentMixin, View):
    template_name = "booking/reschedule.html"
    fields = ("date", "start_time", "duration", "practitioner", "room", "device", "span")

    def get(self, request, pk):
        stripped = _stripped_query(request)
        if stripped is not None:
            return stripped
        appointment = self.get_appointment(pk)
        if appointment.status != AppointmentStatus.BOOKED:
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
        initial.update(_query_initial(query, self.fields))
        slots = None
        if "find" in query or "slot" in query:
            data = {**initial, "room": query.get("room", "")}
            slots = _find_slots(
                self.clinic,
                data,
                extra_duration=_minutes_of(appointment),
                chosen=_parse_slot(query.get("slot", "")),
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
                    appointment=appointment, actor=request.user, changes=changes
                )
            except ApplicationError as exc:
                error = _service_error(form, exc)
                status = _error_status(exc)
                if isinstance(exc, booking.SlotUnavailable):
                    slots = _find_slots(
                        self.clinic,
                        {**request.POST.dict(), "room": ""},
                        extra_duration=_minutes_of(appointment),
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
        }
        return render(request, self.template_name, context, status=status)


def _minutes_of(appointment: Appointment) -> int:
    return int((appointment.end - appointment.start).total_seconds() // 60)


# --- resources (managers) --------------------------------------------------------------


def _resource_save(form: forms.ModelForm, *, clinic: Clinic, actor) -> Any:
    """Create or update a room or device; audited. Trivial, so it lives beside the view."""
    obj = form.save(commit=False)
    creating = obj.pk is None
    obj.clinic = clinic
    with transaction.atomic():
        obj.save()
        audit_record(
            actor=actor,
            action="create" if creating else "update",
            object_type=type(obj).__name__.lower(),
            object_id=obj.pk,
            clinic_id=clinic.pk,
            detail={"fields": sorted(form.changed_data)},
        )
    return obj


class ResourcesView(ClinicStaffMixin, View):
    manager_only = True

    def get(self, request):
        return _resources_page(request, self.clinic)


def _resources_page(
    request, clinic, *, room_form=None, device_form=None, practitioner_form=None, status=200
) -> HttpResponse:
    context = {
        "rooms": booking_selectors.room_list(clinic=clinic),
        "devices": booking_selectors.device_list(clinic=clinic),
        "practitioners": [
            (p, _hours_summary(p)) for p in booking_selectors.practitioner_list(clinic=clinic)
        ],
        "room_form": room_form or RoomForm(clinic=clinic, prefix="room"),
        "device_form": device_form or DeviceForm(clinic=clinic, prefix="device"),
        "practitioner_form": practitioner_form
        or PractitionerCreateForm(clinic=clinic, prefix="practitioner"),
    }
    return render(request, "booking/resources.html", context, status=status)


def _hours_summary(practitioner: Practitioner) -> str:
    """``Mon–Fri 09:00–17:00; Sat 10:00–14:00``: runs of days with the same hours."""
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    by_day: list[list[str]] = [[] for _ in range(7)]
    for block in practitioner.working_hours.all():
        by_day[block.weekday].append(f"{block.start:%H:%M}–{block.end:%H:%M}")
    parts = []
    day = 0
    while day < 7:
        if not by_day[day]:
            day += 1
            continue
        last = day
        while last + 1 < 7 and by_day[last + 1] == by_day[day]:
            last += 1
        days = names[day] if day == last else f"{names[day]}–{names[last]}"
        parts.append(f"{days} {', '.join(by_day[day])}")
        day = last + 1
    return "; ".join(parts)


class _ResourceEditView(ClinicStaffMixin, View):
    """Add (POST to the list page's form) or edit one room or device."""

    manager_only = True
    form_class: type[forms.ModelForm]
    model: type
    noun = ""
    prefix = ""

    def get_object(self, pk):
        getter = booking_selectors.room_get if self.model is Room else booking_selectors.device_get
        try:
            return getter(clinic=self.clinic, **{f"{self.noun}_id": pk})
        except NotFound as exc:
            raise _not_found(exc) from exc

    def get(self, request, pk=None):
        if pk is None:
            return redirect("resources")
        obj = self.get_object(pk)
        return self._edit_page(request, self.form_class(instance=obj, clinic=self.clinic), obj)

    def post(self, request, pk=None):
        obj = self.get_object(pk) if pk is not None else self.model(clinic=self.clinic)
        prefix = self.prefix if pk is None else None
        form = self.form_class(request.POST, instance=obj, clinic=self.clinic, prefix=prefix)
        if form.is_valid():
            try:
                saved = _resource_save(form, clinic=self.clinic, actor=request.user)
            except IntegrityError:
                form.add_error(None, "Another one in this clinic already has these details.")
            else:
                verb = "added" if pk is None else "saved"
                messages.success(request, f"{self.noun.capitalize()} “{saved.name}” {verb}.")
                return redirect("resources")
        if pk is None:
            return _resources_page(request, self.clinic, status=400, **{f"{self.noun}_form": form})
        return self._edit_page(request, form, obj, status=400)

    def _edit_page(self, request, form, obj, status=200):
        return render(
            request,
            "booking/resource_form.html",
            {"form": form, "object": obj, "noun": self.noun},
            status=status,
        )


class RoomEditView(_ResourceEditView):
    form_class = RoomForm
    model = Room
    noun = "room"
    prefix = "room"


class DeviceEditView(_ResourceEditView):
    form_class = DeviceForm
    model = Device
    noun = "device"
    prefix = "device"


class PractitionerCreateView(ClinicStaffMixin, View):
    manager_only = True

    def post(self, request):
        form = PractitionerCreateForm(request.POST, clinic=self.clinic, prefix="practitioner")
        if form.is_valid():
            try:
                practitioner = booking.practitioner_save(
                    clinic=self.clinic,
                    actor=request.user,
                    membership=form.cleaned_data["membership"],
                    display_name=form.cleaned_data["display_name"].strip() or None,
                    is_bookable=True,
                )
            except ApplicationError as exc:
                _service_error(form, exc)
            else:
                messages.success(
                    request, f"{practitioner} can now be booked. Set their working hours."
                )
                return redirect("resource-practitioner-edit", pk=practitioner.pk)
        return _resources_page(request, self.clinic, practitioner_form=form, status=400)


class PractitionerEditView(ClinicStaffMixin, View):
    manager_only = True
    template_name = "booking/practitioner_form.html"

    def get_practitioner(self, pk) -> Practitioner:
        try:
            return booking_selectors.practitioner_get(clinic=self.clinic, practitioner_id=pk)
        except NotFound as exc:
            raise _not_found(exc) from exc

    def get(self, request, pk):
        practitioner = self.get_practitioner(pk)
        form = WorkingHoursForm(practitioner=practitioner)
        return render(request, self.template_name, {"form": form, "practitioner": practitioner})

    def post(self, request, pk):
        practitioner = self.get_practitioner(pk)
        form = WorkingHoursForm(request.POST, practitioner=practitioner)
        if form.is_valid():
            try:
                booking.practitioner_save(
                    clinic=self.clinic,
                    actor=request.user,
                    practitioner=practitioner,
                    display_name=form.cleaned_data["display_name"].strip(),
                    is_bookable=form.cleaned_data["is_bookable"],
                    working_hours=form.cleaned_data["working_hours"],
                )
            except ApplicationError as exc:
                for errors in (exc.fields or {"__all__": [exc.detail]}).values():
                    for error in errors:
                        form.add_error(None, error)
            else:
                messages.success(request, f"Working hours of {practitioner} saved.")
                return redirect("resources")
        return render(
            request,
            self.template_name,
            {"form": form, "practitioner": practitioner},
            status=400,
        )
