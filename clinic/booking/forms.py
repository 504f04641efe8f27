"""HTML forms for the booking pages: input shapes only; booking.py decides.

Times are entered as a clinic-local date and wall-clock time and turned into UTC with
``availability.local_to_utc``; durations come in 15-minute steps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django import forms
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from clinic import selectors
from clinic.booking import selectors as booking_selectors
from clinic.booking.availability import STEP, local_to_utc
from clinic.booking.models import (
    Appointment,
    AppointmentKind,
    Device,
    Practitioner,
    Room,
)
from clinic.models import Client, Clinic
from treatments.plans.models import TreatmentPlan

DURATIONS = (30, 45, 60, 90)


DURATION_CHOICES = [(m, f"{m} minutes") for m in DURATIONS]


SPAN_CHOICES = [("day", "That day"), ("week", "Next 7 days")]


#: Dates the booking pages accept; beyond them date arithmetic would overflow.
FIRST_DATE, LAST_DATE = date(2000, 1, 1), date(2100, 12, 31)


_DATE = {"type": "date", "min": FIRST_DATE.isoformat(), "max": LAST_DATE.isoformat()}


def in_range(day: date | None) -> bool:
    return day is not None and FIRST_DATE <= day <= LAST_DATE


def validate_booking_date(day: date) -> None:
    if not in_range(day):
        raise forms.ValidationError(
            f"Choose a date between {FIRST_DATE:%Y} and {LAST_DATE:%Y}.", code="out_of_range"
        )


#: Start times come in slot steps (15 minutes).
_TIME = {"type": "time", "step": str(int(STEP.total_seconds()))}


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs=_DATE, format="%Y-%m-%d")


def time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs=_TIME, format="%H:%M")


_M = TypeVar("_M", bound=Model)


def choose_from(fields: Mapping[str, forms.Field], name: str, queryset: QuerySet[_M]) -> None:
    """Offer ``queryset`` in the model select ``name`` (declared with ``queryset=None``)."""
    field = fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is not a model choice field")
    field.queryset = queryset


def _set_choices(
    fields: Mapping[str, forms.Field], name: str, choices: list[tuple[int, str]]
) -> None:
    field = fields[name]
    if not isinstance(field, forms.ChoiceField):
        raise TypeError(f"{name} is not a choice field")
    field.choices = choices


class ClientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Client) -> str:
        # Last name first, so the select's type-ahead finds "Hughes" as people say it.
        return f"{obj.last_name}, {obj.first_name} · born {obj.date_of_birth:%-d %b %Y}"


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: TreatmentPlan) -> str:
        indication = obj.get_indication_display()
        return f"{obj.client.full_name} · {indication}, every {obj.interval_days} days"


class DeviceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Device) -> str:
        return f"{obj.name} · {obj.serial_number}"


def _duration_choices(current: int | None) -> list[tuple[int, str]]:
    choices = list(DURATION_CHOICES)
    if current and current not in DURATIONS:  # booked elsewhere (API) with another length
        choices.append((current, f"{current} minutes (current)"))
        choices.sort()
    return choices


class _ResourceFieldsMixin:
    """Practitioner, room and device selects scoped to the clinic."""

    fields: dict[str, forms.Field]

    def _scope(self, clinic: Clinic, *, keep: Appointment | None = None) -> None:
        practitioners = booking_selectors.practitioner_list(clinic=clinic)
        rooms = booking_selectors.room_list(clinic=clinic)
        devices = booking_selectors.device_list(clinic=clinic)
        # An appointment being changed keeps showing its own resources, even if they have
        # since been retired; the service decides whether they may still be used.
        choose_from(
            self.fields,
            "practitioner",
            practitioners.filter(
                Q(is_bookable=True) | Q(pk=keep.practitioner_id if keep else None)
            ),
        )
        choose_from(
            self.fields,
            "room",
            rooms.filter(Q(is_active=True) | Q(pk=keep.room_id if keep else None)),
        )
        choose_from(
            self.fields,
            "device",
            devices.filter(Q(is_active=True) | Q(pk=keep.device_id if keep else None)),
        )


class BookingForm(_ResourceFieldsMixin, forms.Form):
    # Any of the clinic's clients is valid; the page offers them through a search
    # (booking/views/client_picker.py), never as one option per client.
    client = ClientChoiceField(
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={"required": "Search for the client and choose them."},
    )
    kind = forms.ChoiceField(
        label="Appointment",
        choices=AppointmentKind.choices,
        initial=AppointmentKind.CONSULTATION,
        widget=forms.RadioSelect,
    )
    treatment_plan = PlanChoiceField(
        label="Course",
        queryset=None,
        required=False,
        empty_label="The client's current course, if any",
        help_text="Its interval between sessions applies.",
    )
    practitioner: forms.ModelChoiceField[Practitioner] = forms.ModelChoiceField(
        queryset=None, empty_label="Choose…"
    )
    duration = forms.TypedChoiceField(
        label="Duration", coerce=int, choices=DURATION_CHOICES, initial=60
    )
    # Required to book, but "any" is a valid answer while searching for a free slot.
    room: forms.ModelChoiceField[Room] = forms.ModelChoiceField(
        queryset=None,
        empty_label="Any free room",
        help_text="A free slot chooses one for you.",
        error_messages={"required": "Choose a room, or pick a free slot to have one chosen."},
    )
    device = DeviceChoiceField(
        queryset=None,
        required=False,
        empty_label="No device",
        help_text="Needed for treatments.",
    )
    date = forms.DateField(widget=_date_input(), validators=[validate_booking_date])
    span = forms.ChoiceField(
        label="Search",
        choices=SPAN_CHOICES,
        initial="day",
        required=False,
        widget=forms.RadioSelect,
    )
    start_time = forms.TimeField(label="Start time", widget=time_input())
    notes = forms.CharField(
        required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        choose_from(self.fields, "client", selectors.client_list(clinic=clinic))

        plans = TreatmentPlan.objects.filter(clinic=clinic, status="active").select_related(
            "client"
        )
        client_id = self.data.get("client") or self.initial.get("client")
        # Only the chosen client's courses; with no client chosen yet there is nothing
        # to pick, and the booking falls back to the client's current course.
        plans = (
            plans.filter(client_id=int(client_id))
            if client_id and str(client_id).isdigit()
            else plans.none()
        )
        choose_from(self.fields, "treatment_plan", plans.order_by("-created_at"))
        self._scope(clinic)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        plan, client = cleaned.get("treatment_plan"), cleaned.get("client")
        if plan is not None and client is not None and plan.client_id != client.pk:
            self.add_error("treatment_plan", "That course belongs to another client.")
        when = _start_end(self.clinic, cleaned)
        if when is not None:
            cleaned["start"], cleaned["end"] = when
            if cleaned["start"] < timezone.now():
                self.add_error("start_time", "That time has passed; choose a later one.")
        return cleaned


class RescheduleForm(_ResourceFieldsMixin, forms.Form):
    date = forms.DateField(widget=_date_input(), validators=[validate_booking_date])
    start_time = forms.TimeField(label="Start time", widget=time_input())
    duration = forms.TypedChoiceField(label="Duration", coerce=int, choices=DURATION_CHOICES)
    practitioner: forms.ModelChoiceField[Practitioner] = forms.ModelChoiceField(
        queryset=None, empty_label=None
    )
    room: forms.ModelChoiceField[Room] = forms.ModelChoiceField(
        queryset=None,
        empty_label="Any free room",
        help_text="A free slot chooses one for you.",
        error_messages={"required": "Choose a room, or pick a free slot to have one chosen."},
    )
    device = DeviceChoiceField(queryset=None, required=False, empty_label="No device")
    span = forms.ChoiceField(
        label="Search",
        choices=SPAN_CHOICES,
        initial="day",
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, clinic: Clinic, appointment: Appointment, **kwargs: Any) -> None:
        local_start = appointment.start.astimezone(clinic.zone)
        minutes = int((appointment.end - appointment.start).total_seconds() // 60)
        kwargs.setdefault(
            "initial",
            {
                "date": local_start.date(),
                "start_time": local_start.time().replace(second=0, microsecond=0),
                "duration": minutes,
                "practitioner": appointment.practitioner_id,
                "room": appointment.room_id,
                "device": appointment.device_id,
            },
        )
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.appointment = appointment
        _set_choices(self.fields, "duration", _duration_choices(minutes))
        self._scope(clinic, keep=appointment)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        when = _start_end(self.clinic, cleaned)
        if when is not None:
            cleaned["start"], cleaned["end"] = when
            moved = cleaned["start"] != self.appointment.start
            if moved and cleaned["start"] < timezone.now():
                self.add_error("start_time", "That time has passed; choose a later one.")
        return cleaned

    def changes(self) -> dict[str, Any]:
        """Only what differs from the appointment, as appointment_reschedule expects."""
        appointment = self.appointment
        data = self.cleaned_data
        changes: dict[str, Any] = {}
        for name in ("practitioner", "room", "device"):
            if getattr(data[name], "pk", None) != getattr(appointment, f"{name}_id"):
                changes[name] = data[name]
        if data["start"] != appointment.start:
            changes["start"] = data["start"]
        if data["end"] != appointment.end:
            changes["end"] = data["end"]
        return changes


def _start_end(clinic: Clinic, cleaned: dict[str, Any]) -> tuple[datetime, datetime] | None:
    day, at, minutes = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("duration")
    if day is None or at is None or not minutes:
        return None
    start = local_to_utc(day, at, clinic.zone)
    return start, start + timedelta(minutes=minutes)


class SlotSearchForm(forms.Form):
    """The "Find free slots" step: read from the booking page's query string."""

    practitioner: forms.ModelChoiceField[Practitioner] = forms.ModelChoiceField(
        queryset=None, error_messages={"required": "Choose a practitioner to find free slots."}
    )
    duration = forms.TypedChoiceField(coerce=int, choices=DURATION_CHOICES)
    date = forms.DateField(
        validators=[validate_booking_date],
        error_messages={"required": "Choose a date to find free slots."},
    )
    span = forms.ChoiceField(choices=SPAN_CHOICES, required=False)
    room: forms.ModelChoiceField[Room] = forms.ModelChoiceField(queryset=None, required=False)
    device: forms.ModelChoiceField[Device] = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(
        self, *args: Any, clinic: Clinic, extra_duration: int | None = None, **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        choose_from(self.fields, "practitioner", booking_selectors.practitioner_list(clinic=clinic))
        choose_from(self.fields, "room", booking_selectors.room_list(clinic=clinic))
        choose_from(self.fields, "device", booking_selectors.device_list(clinic=clinic))
        _set_choices(self.fields, "duration", _duration_choices(extra_duration))

    @property
    def date_to(self) -> dt.date:
        first = self.cleaned_data["date"]
        return first + timedelta(days=6) if self.cleaned_data.get("span") == "week" else first


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason for cancelling",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Give a reason for cancelling."},
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Give a reason for cancelling.")
        return reason


class CalendarQueryForm(forms.Form):
    date = forms.DateField(required=False, widget=_date_input(), validators=[validate_booking_date])
    view = forms.ChoiceField(choices=[("day", "Day"), ("week", "Week")], required=False)
    by = forms.ChoiceField(
        choices=[("practitioner", "Practitioner"), ("room", "Room")], required=False
    )
    practitioner = forms.IntegerField(required=False, min_value=1)
    room = forms.IntegerField(required=False, min_value=1)
