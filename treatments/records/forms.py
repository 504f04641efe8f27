"""Forms for the treatment-session pages: start, record during treatment, amend, recall.

They only collect and type the input. What may be recorded (depth limits, vitamin C,
completeness for signing) is decided by ``session_services``; its refusals are put back
on these forms by ``apply_service_errors`` so nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files.uploadedfile import UploadedFile
from django.forms.boundfield import BoundWidget

from clinic.booking.models import Device
from treatments.plans import protocols
from treatments.plans.defaults import (
    ADVERSE_EVENT_CHOICES,
    GAIS_CHOICES,
    GLOGAU_CHOICES,
    GOODMAN_BARON_CHOICES,
    RISK_GROUP_LABELS,
    RISKS,
)
from treatments.plans.models import TreatmentPlan
from treatments.records.limits import field_limits, whole_numbers
from treatments.records.models import SessionArea, SessionProduct, TreatmentSession

PAIN_CHOICES = [(str(n), str(n)) for n in whole_numbers(TreatmentSession, "pain_score")]
#: Rows of empty area / product inputs offered beyond those already recorded.
EXTRA_AREA_ROWS = 2
EXTRA_PRODUCT_ROWS = 2


def _session(name: str) -> dict[str, Any]:
    """The limits the record's model field sets for ``name`` (limits.py)."""
    return field_limits(TreatmentSession, name)


def _optional_int_choices(
    choices: list[tuple[int, str]], blank: str = "Not recorded"
) -> list[tuple[str, str]]:
    return [("", blank), *[(str(value), label) for value, label in choices]]


def _set_choices(form: forms.Form, name: str, choices: list[tuple[str, str]]) -> None:
    """The choices of a choice field that depend on the session (plans, devices, areas)."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class StartForm(forms.Form):
    screening_reconfirmed = forms.BooleanField(
        required=False, label="Client confirms the screening answers are unchanged today"
    )
    plan = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Treatment plan"
    )

    def __init__(
        self, *args: Any, plans: Sequence[TreatmentPlan] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "plan",
            [("", "The appointment's plan")] + [(str(p.pk), str(p)) for p in (plans or [])],
        )


class SessionForm(forms.Form):
    """The scalar fields of a session record, as typed during treatment."""

    device = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Device")
    cartridge = forms.CharField(required=False, label="Needle cartridge", **_session("cartridge"))
    cartridge_lot = forms.CharField(
        required=False, label="Cartridge lot", **_session("cartridge_lot")
    )
    needle_count = forms.IntegerField(
        required=False, label="Needle count", **_session("needle_count")
    )
    endpoint_reached = forms.ChoiceField(required=False, label="Clinical endpoint reached")
    anaesthetic_product = forms.CharField(
        required=False, label="Product", **_session("anaesthetic_product")
    )
    anaesthetic_lot = forms.CharField(required=False, label="Lot", **_session("anaesthetic_lot"))
    anaesthetic_applied_at = forms.TimeField(
        required=False, label="Applied at", widget=forms.TimeInput(attrs={"type": "time"})
    )
    anaesthetic_removed_at = forms.TimeField(
        required=False, label="Removed at", widget=forms.TimeInput(attrs={"type": "time"})
    )
    anaesthetic_area = forms.CharField(
        required=False, label="Area covered", **_session("anaesthetic_area")
    )
    adverse_events = forms.MultipleChoiceField(
        required=False,
        choices=ADVERSE_EVENT_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        label="Adverse events seen",
    )
    adverse_events_note = forms.CharField(
        required=False,
        label="Adverse events note",
        widget=forms.Textarea(attrs={"rows": 2}),
        **_session("adverse_events_note"),
    )
    pain_score = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=PAIN_CHOICES,
        widget=forms.RadioSelect,
        label="Pain score (0 none – 10 worst)",
    )
    glogau = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=_optional_int_choices(GLOGAU_CHOICES),
        label="Glogau photoageing",
    )
    goodman_baron = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=_optional_int_choices(GOODMAN_BARON_CHOICES),
        label="Goodman & Baron acne-scar grade",
    )
    gais = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        choices=_optional_int_choices(GAIS_CHOICES),
        label="Global Aesthetic Improvement Scale (GAIS)",
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), **_session("notes")
    )
    ended_at = forms.TimeField(
        required=False, label="End time", widget=forms.TimeInput(attrs={"type": "time"})
    )
    photo_before = forms.FileField(required=False, label="Before photo")
    photo_after = forms.FileField(required=False, label="After photo")

    #: Fields sent to ``session_update`` as they are.
    SCALARS = (
        "device",
        "cartridge",
        "cartridge_lot",
        "needle_count",
        "endpoint_reached",
        "anaesthetic_product",
        "anaesthetic_lot",
        "anaesthetic_area",
        "adverse_events",
        "adverse_events_note",
        "pain_score",
        "glogau",
        "goodman_baron",
        "gais",
        "notes",
    )
    #: Wall-clock times on the session's day, sent as aware datetimes.
    TIMES = ("anaesthetic_applied_at", "anaesthetic_removed_at", "ended_at")

    def __init__(
        self,
        *args: Any,
        devices: Sequence[Device] = (),
        endpoints: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(
            self,
            "device",
            [("", "Choose the device")]
            + [(str(d.pk), f"{d.name} · {d.serial_number}") for d in devices],
        )
        _set_choices(self, "endpoint_reached", [("", "Not recorded"), *(endpoints or {}).items()])
        for name in ("photo_before", "photo_after"):
            self.fields[name].widget.attrs.update({"accept": "image/jpeg,image/png,image/webp"})
        self.fields["needle_count"].widget.attrs.update({"inputmode": "numeric"})

    def adverse_event_groups(self) -> list[tuple[str, str, list[BoundWidget]]]:
        """(group code, heading, checkbox widgets) in the DOMAIN.md §4 order."""
        by_value = {str(w.data["value"]): w for w in self["adverse_events"]}
        return [
            (group, RISK_GROUP_LABELS[group], [by_value[code] for code, _ in RISKS[group]])
            for group in ("expected", "less_common", "rare")
        ]

    def service_data(self, *, day_start: datetime) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.SCALARS}
        for name in ("cartridge", "cartridge_lot", "endpoint_reached", "notes"):
            data[name] = (data[name] or "").strip()
        zone = day_start.tzinfo
        for name in self.TIMES:
            value: time | None = self.cleaned_data[name]
            data[name] = datetime.combine(day_start.date(), value, tzinfo=zone) if value else None
        return data

    def photos(self) -> list[tuple[str, UploadedFile]]:
        return [
            (kind, self.cleaned_data[f"photo_{kind}"])
            for kind in ("before", "after")
            if self.cleaned_data.get(f"photo_{kind}")
        ]


class AreaForm(forms.Form):
    area = forms.ChoiceField(required=False, label="Area")
    skin = forms.ChoiceField(
        required=False, choices=protocols.SKIN_CHOICES, initial=protocols.SKIN_THIN, label="Skin"
    )
    depth_mm = forms.DecimalField(
        required=False,
        label="Depth (mm)",
        widget=forms.NumberInput(attrs={"inputmode": "decimal"}),
        **field_limits(SessionArea, "depth_mm"),
    )
    passes = forms.IntegerField(
        required=False,
        label="Passes",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        **field_limits(SessionArea, "passes"),
    )
    justification = forms.CharField(
        required=False,
        label="Why deeper than the limit",
        widget=forms.Textarea(attrs={"rows": 2}),
        **field_limits(SessionArea, "justification"),
    )

    def __init__(
        self, *args: Any, area_choices: Sequence[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "area", [("", "Choose an area"), *area_choices])

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(data.get(k) not in (None, "") for k in ("area", "depth_mm", "passes"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.is_blank():
            return data
        if not data.get("area"):
            self.add_error("area", "Choose the area treated, or clear this row.")
        if data.get("depth_mm") is None and "depth_mm" not in self.errors:
            self.add_error("depth_mm", "Enter the depth used.")
        if data.get("passes") is None and "passes" not in self.errors:
            self.add_error("passes", "Enter the number of passes.")
        return data

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "area": data["area"],
            "skin": data.get("skin") or protocols.SKIN_THIN,
            "depth_mm": data["depth_mm"],
            "passes": data["passes"],
            "justification": (data.get("justification") or "").strip(),
        }


class ProductForm(forms.Form):
    product = forms.CharField(
        required=False, label="Product", **field_limits(SessionProduct, "product")
    )
    lot = forms.CharField(required=False, label="Lot", **field_limits(SessionProduct, "lot"))
    timing = forms.ChoiceField(
        required=False,
        choices=[("", "When?"), *protocols.TIMING_CHOICES],
        label="Applied",
    )
    is_vitamin_c = forms.BooleanField(required=False, label="Vitamin C")

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("product") or "").strip() and not (data.get("lot") or "").strip()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.is_blank():
            return data
        if not (data.get("product") or "").strip():
            self.add_error("product", "Name the product, or clear this row.")
        if not data.get("timing"):
            self.add_error("timing", "Say when it was applied.")
        return data

    def row(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "product": data["product"].strip(),
            "lot": (data.get("lot") or "").strip(),
            "timing": data["timing"],
            "is_vitamin_c": bool(data.get("is_vitamin_c")),
        }


AreaFormSet = forms.formset_factory(AreaForm, extra=EXTRA_AREA_ROWS, max_num=30, absolute_max=30)
ProductFormSet = forms.formset_factory(
    ProductForm, extra=EXTRA_PRODUCT_ROWS, max_num=30, absolute_max=30
)


#: What an amendment may correct, with the words staff see.
AMENDABLE_FIELDS: list[tuple[str, str]] = [
    ("cartridge_lot", "Cartridge lot"),
    ("cartridge", "Needle cartridge"),
    ("needle_count", "Needle count"),
    ("endpoint_reached", "Clinical endpoint reached"),
    ("pain_score", "Pain score"),
    ("anaesthetic_product", "Anaesthetic product"),
    ("anaesthetic_lot", "Anaesthetic lot"),
    ("anaesthetic_area", "Anaesthetic area"),
    ("adverse_events_note", "Adverse events note"),
    ("glogau", "Glogau"),
    ("goodman_baron", "Goodman & Baron"),
    ("gais", "GAIS"),
    ("notes", "Notes"),
]
_INT_FIELDS = {"needle_count", "pain_score", "glogau", "goodman_baron", "gais"}


class AmendmentForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the amendment",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    field = forms.ChoiceField(
        required=False,
        choices=[("", "No field: a note only"), *AMENDABLE_FIELDS],
        label="Field to correct",
    )
    value = forms.CharField(required=False, max_length=2000, label="Correct value")
    note = forms.CharField(
        required=False,
        label="Correction in words",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        field, value = data.get("field"), (data.get("value") or "").strip()
        if not field and not (data.get("note") or "").strip():
            self.add_error(None, "Choose a field to correct, or describe the correction.")
        if field and field in _INT_FIELDS and value:
            try:
                data["value"] = int(value)
            except ValueError:
                self.add_error("value", "Enter a whole number.")
        elif field:
            data["value"] = value
        return data

    def changes(self) -> dict[str, Any]:
        field = self.cleaned_data.get("field")
        if not field:
            return {}
        value = self.cleaned_data.get("value")
        return {field: None if value == "" and field in _INT_FIELDS else value}


class LotTraceForm(forms.Form):
    lot = forms.CharField(
        required=False,
        label="Lot",
        help_text="Cartridge, topical anaesthetic, serum or product.",
        **_session("cartridge_lot"),
    )
    serial = forms.CharField(required=False, label="Device serial", **_session("device_serial"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["lot"] = (data.get("lot") or "").strip()
        data["serial"] = (data.get("serial") or "").strip()
        return data

    @property
    def has_query(self) -> bool:
        return bool(self.is_valid() and (self.cleaned_data["lot"] or self.cleaned_data["serial"]))


# --- service refusals back onto forms --------------------------------------------------


def add_error(form: forms.Form, field: str | None, message: str) -> None:
    """``form.add_error`` that also works on an unbound form (shown after a failed sign)."""
    form.errors  # noqa: B018 - runs validation once (or marks an unbound form as checked)
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    if field is not None and field not in form.fields:
        field = None
    form.add_error(field or NON_FIELD_ERRORS, message)
