"""Forms for the resources page: rooms, devices, practitioners and their working hours."""

from __future__ import annotations

from datetime import time
from typing import Any

from django import forms
from django.db.models import QuerySet

from clinic.booking.forms import choose_from, time_input
from clinic.booking.models import (
    Device,
    Practitioner,
    Room,
    WorkingHours,
)
from clinic.models import Clinic, Membership, Role

WEEKDAYS = [str(label) for _, label in WorkingHours._meta.get_field("weekday").flatchoices]


class MembershipChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.full_name or obj.user.email


class RoomForm(forms.Form):
    """A room's details; ``room_save`` decides whether they can be saved."""

    name = forms.CharField(max_length=Room._meta.get_field("name").max_length)
    is_active = forms.BooleanField(label="In use", required=False, initial=True)

    def __init__(self, *args: Any, instance: Room | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", {"name": instance.name, "is_active": instance.is_active})
        super().__init__(*args, **kwargs)


class DeviceForm(forms.Form):
    """A device's details; ``device_save`` decides whether they can be saved."""

    name = forms.CharField(max_length=Device._meta.get_field("name").max_length)
    kind = forms.ChoiceField(choices=Device.Kind.choices, initial=Device.Kind.PEN)
    serial_number = forms.CharField(
        label="Serial number", max_length=Device._meta.get_field("serial_number").max_length
    )
    cleanup_minutes = forms.IntegerField(
        label="Clean-up minutes",
        min_value=0,
        max_value=240,
        initial=Device._meta.get_field("cleanup_minutes").default,
        help_text=Device._meta.get_field("cleanup_minutes").help_text,
        widget=forms.NumberInput(attrs={"step": 5}),
    )
    is_active = forms.BooleanField(label="In service", required=False, initial=True)

    def __init__(self, *args: Any, instance: Device | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial", {name: getattr(instance, name) for name in self.base_fields}
            )
        super().__init__(*args, **kwargs)


class PractitionerCreateForm(forms.Form):
    membership = MembershipChoiceField(
        label="Practitioner",
        queryset=None,
        empty_label="Choose…",
        help_text="Staff with the practitioner role who cannot be booked yet.",
    )
    display_name = forms.CharField(
        label="Name shown in the calendar", max_length=150, required=False
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choose_from(self.fields, "membership", unprofiled_practitioners(clinic))


def unprofiled_practitioners(clinic: Clinic) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(
            clinic=clinic, role=Role.PRACTITIONER, is_active=True, practitioner__isnull=True
        )
        .select_related("user")
        .order_by("user__full_name", "id")
    )


class WorkingHoursForm(forms.Form):
    """Bookable on/off, display name, and start/end rows per weekday.

    Each weekday has at least two rows (a day with a lunch break), and more where the
    saved hours have more blocks, so saving the form never drops a block it did not show.
    """

    display_name = forms.CharField(label="Name shown in the calendar", max_length=150)
    is_bookable = forms.BooleanField(label="Can be booked", required=False)

    MIN_ROWS = 2
    MAX_ROWS = 6

    def __init__(self, *args: Any, practitioner: Practitioner, **kwargs: Any) -> None:
        hours = list(practitioner.working_hours.all())
        rows = [max(self.MIN_ROWS, sum(1 for h in hours if h.weekday == d)) for d in range(7)]
        data = args[0] if args else kwargs.get("data")
        if data is not None:  # rows the page was rendered with
            for day in range(7):
                for index in range(self.MAX_ROWS):
                    if f"h{day}_{index}_start" in data or f"h{day}_{index}_end" in data:
                        rows[day] = max(rows[day], index + 1)
        initial: dict[str, Any] = {
            "display_name": practitioner.display_name,
            "is_bookable": practitioner.is_bookable,
        }
        seen = [0] * 7
        for block in sorted(hours, key=lambda h: (h.weekday, h.start)):
            index = seen[block.weekday]
            seen[block.weekday] += 1
            initial[f"h{block.weekday}_{index}_start"] = block.start
            initial[f"h{block.weekday}_{index}_end"] = block.end
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.days: list[dict[str, Any]] = []
        for day, label in enumerate(WEEKDAYS):
            day_rows = []
            for index in range(rows[day]):
                for part in ("start", "end"):
                    name = f"h{day}_{index}_{part}"
                    self.fields[name] = forms.TimeField(
                        required=False,
                        label=f"{label} {'from' if part == 'start' else 'until'}"
                        + (f" (block {index + 1})" if index else ""),
                        widget=time_input(),
                    )
                day_rows.append(
                    {"start": self[f"h{day}_{index}_start"], "end": self[f"h{day}_{index}_end"]}
                )
            self.days.append({"weekday": day, "label": label, "rows": day_rows})

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        blocks: list[dict[str, Any]] = []
        for day in self.days:
            filled: list[tuple[time, time, Any]] = []
            for row in day["rows"]:
                start = cleaned.get(row["start"].name)
                end = cleaned.get(row["end"].name)
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    missing = row["start" if start is None else "end"].name
                    self.add_error(missing, "Give both a start and an end.")
                elif end <= start:
                    self.add_error(row["end"].name, "The end must be after the start.")
                else:
                    filled.append((start, end, row))
            filled.sort(key=lambda block: block[0])
            for index, (start, end, row) in enumerate(filled):
                if index and start < filled[index - 1][1]:
                    earlier = filled[index - 1]
                    self.add_error(
                        row["start"].name,
                        f"Overlaps {earlier[0]:%H:%M}–{earlier[1]:%H:%M} on {day['label']}.",
                    )
                    continue
                blocks.append({"weekday": day["weekday"], "start": start, "end": end})
        cleaned["working_hours"] = blocks
        return cleaned
