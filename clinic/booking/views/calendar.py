"""The calendar page: a day by practitioner or room, or one practitioner's or room's week.

The layout itself (where each block goes) is the pure ``clinic.booking.calendar``; this
page loads what it needs, names the columns and links the blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from clinic.access import acting_user
from clinic.booking import calendar
from clinic.booking import selectors as booking_selectors
from clinic.booking import services as booking
from clinic.booking.availability import local_to_utc
from clinic.booking.forms import CalendarQueryForm
from clinic.booking.models import Practitioner, Room, TimeOff
from clinic.views import ClinicStaffMixin
from common.audit import audit_listed


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
        in_window = booking.appointments_for_calendar(
            clinic=clinic, start=window_start, end=window_end
        )
        if view == "week":
            if by == "practitioner":
                chosen_practitioner = _pick(
                    practitioners, values.get("practitioner"), "is_bookable"
                )
                if chosen_practitioner is not None:
                    in_window = in_window.filter(practitioner=chosen_practitioner)
            else:
                chosen_room = _pick(rooms, values.get("room"), "is_active")
                if chosen_room is not None:
                    in_window = in_window.filter(room=chosen_room)
        appointments = list(in_window)
        time_off: list[TimeOff] = []
        if by == "practitioner":
            time_off = list(
                TimeOff.objects.filter(
                    practitioner__clinic=clinic, start__lt=window_end, end__gt=window_start
                ).order_by("start")
            )
        audit_listed(
            actor=acting_user(request),
            object_type="appointment",
            rows=appointments,
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
                    occupies=a.is_active or a.is_held,  # an unexpired hold (decision 0021)
                )
                for a in appointments
            ],
            away=[calendar.Away(t.practitioner_id, t.start, t.end, t.reason) for t in time_off],
            zone=zone,
            now=now,
            # The room view's hours: everyone bookable on the days shown.
            also_show=[
                booking_selectors.practitioner_week(p) for p in practitioners if p.is_bookable
            ]
            if by == "room"
            else (),
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
            return calendar.Column(
                p.pk,
                column.day,
                hours=booking_selectors.practitioner_week(p),
                bookable=p.is_bookable,
            )
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
