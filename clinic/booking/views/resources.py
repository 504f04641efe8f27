"""Managers' settings: rooms, devices, and which practitioners can be booked when."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views import View

from clinic.access import acting_user
from clinic.booking import resource_services
from clinic.booking import selectors as booking_selectors
from clinic.booking.models import Device, Practitioner, Room
from clinic.booking.resource_forms import (
    DeviceForm,
    PractitionerCreateForm,
    RoomForm,
    WorkingHoursForm,
)
from clinic.booking.views.common import not_found, service_error
from clinic.roles import Ability
from clinic.views import ClinicStaffMixin
from common.errors import ApplicationError, NotFound


class ResourcesView(ClinicStaffMixin, View):
    required_ability = Ability.MANAGE_RESOURCES

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
        "room_form": room_form or RoomForm(prefix="room"),
        "device_form": device_form or DeviceForm(prefix="device"),
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


_Resource = TypeVar("_Resource", Room, Device)


class _ResourceEditView(ClinicStaffMixin, View, Generic[_Resource]):
    """Add (POST to the list page's form) or edit one room or device, through its service."""

    required_ability = Ability.MANAGE_RESOURCES
    noun = ""
    prefix = ""

    def get_object(self, pk: int) -> _Resource:
        raise NotImplementedError

    def make_form(
        self, data: QueryDict | None, *, instance: _Resource | None, prefix: str | None = None
    ) -> forms.Form:
        raise NotImplementedError

    def save(self, obj: _Resource | None, values: dict[str, Any]) -> _Resource:
        raise NotImplementedError

    def get(self, request, pk=None):
        if pk is None:
            return redirect("resources")
        obj = self.get_object(pk)
        return self._edit_page(request, self.make_form(None, instance=obj), obj)

    def post(self, request, pk=None):
        obj = self.get_object(pk) if pk is not None else None
        prefix = self.prefix if pk is None else None
        form = self.make_form(request.POST, instance=obj, prefix=prefix)
        if form.is_valid():
            try:
                saved = self.save(obj, form.cleaned_data)
            except ApplicationError as exc:
                service_error(form, exc)
            else:
                verb = "added" if pk is None else "saved"
                messages.success(request, f"{self.noun.capitalize()} “{saved.name}” {verb}.")
                return redirect("resources")
        if pk is None:
            return _resources_page(request, self.clinic, status=400, **{f"{self.noun}_form": form})
        # The page heading shows the room or device as saved, not as typed.
        return self._edit_page(request, form, self.get_object(pk), status=400)

    def _edit_page(self, request, form, obj, status=200):
        return render(
            request,
            "booking/resource_form.html",
            {"form": form, "object": obj, "noun": self.noun},
            status=status,
        )


class RoomEditView(_ResourceEditView[Room]):
    noun = "room"
    prefix = "room"

    def get_object(self, pk: int) -> Room:
        try:
            return booking_selectors.room_get(clinic=self.clinic, room_id=pk)
        except NotFound as exc:
            raise not_found(exc) from exc

    def make_form(
        self, data: QueryDict | None, *, instance: Room | None, prefix: str | None = None
    ) -> RoomForm:
        return RoomForm(data, instance=instance, prefix=prefix)

    def save(self, obj: Room | None, values: dict[str, Any]) -> Room:
        return resource_services.room_save(
            clinic=self.clinic, actor=acting_user(self.request), room=obj, **values
        )


class DeviceEditView(_ResourceEditView[Device]):
    noun = "device"
    prefix = "device"

    def get_object(self, pk: int) -> Device:
        try:
            return booking_selectors.device_get(clinic=self.clinic, device_id=pk)
        except NotFound as exc:
            raise not_found(exc) from exc

    def make_form(
        self, data: QueryDict | None, *, instance: Device | None, prefix: str | None = None
    ) -> DeviceForm:
        return DeviceForm(data, instance=instance, prefix=prefix)

    def save(self, obj: Device | None, values: dict[str, Any]) -> Device:
        return resource_services.device_save(
            clinic=self.clinic, actor=acting_user(self.request), device=obj, **values
        )


class PractitionerCreateView(ClinicStaffMixin, View):
    required_ability = Ability.MANAGE_RESOURCES

    def post(self, request):
        form = PractitionerCreateForm(request.POST, clinic=self.clinic, prefix="practitioner")
        if form.is_valid():
            try:
                practitioner = resource_services.practitioner_save(
                    clinic=self.clinic,
                    actor=acting_user(request),
                    membership=form.cleaned_data["membership"],
                    display_name=form.cleaned_data["display_name"].strip() or None,
                    is_bookable=True,
                )
            except ApplicationError as exc:
                service_error(form, exc)
            else:
                messages.success(
                    request, f"{practitioner} can now be booked. Set their working hours."
                )
                return redirect("resource-practitioner-edit", pk=practitioner.pk)
        return _resources_page(request, self.clinic, practitioner_form=form, status=400)


class PractitionerEditView(ClinicStaffMixin, View):
    required_ability = Ability.MANAGE_RESOURCES
    template_name = "booking/practitioner_form.html"

    def get_practitioner(self, pk) -> Practitioner:
        try:
            return booking_selectors.practitioner_get(clinic=self.clinic, practitioner_id=pk)
        except NotFound as exc:
            raise not_found(exc) from exc

    def get(self, request, pk):
        practitioner = self.get_practitioner(pk)
        form = WorkingHoursForm(practitioner=practitioner)
        return render(request, self.template_name, {"form": form, "practitioner": practitioner})

    def post(self, request, pk):
        practitioner = self.get_practitioner(pk)
        form = WorkingHoursForm(request.POST, practitioner=practitioner)
        if form.is_valid():
            try:
                resource_services.practitioner_save(
                    clinic=self.clinic,
                    actor=acting_user(request),
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
