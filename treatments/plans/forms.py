"""HTML forms for treatment plans and for publishing protocols: input shapes only.

Whether a plan or a protocol version is acceptable is decided by the services and the
pure ``protocols`` module; the views attach their errors with ``add_service_errors``.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from django import forms

from treatments.plans import protocols
from treatments.plans.models import PlanStatus
from treatments.plans.protocols import MAX_INTERVAL_DAYS, MAX_SESSIONS


def _mm(value: Decimal) -> str:
    return f"{value.normalize():f}"


def limit_words(limit: protocols.AreaLimit) -> str:
    """E.g. "up to 0.5 mm on thin skin, 0.75 mm on thick skin"."""
    if limit.limit_thin_mm == limit.limit_thick_mm:
        return f"up to {_mm(limit.limit_thin_mm)} mm"
    return (
        f"up to {_mm(limit.limit_thin_mm)} mm on thin skin, "
        f"{_mm(limit.limit_thick_mm)} mm on thick skin"
    )


class ServiceErrorsMixin(forms.Form):
    """Put an ``ApplicationError``'s ``fields`` next to the fields they are about."""

    def add_service_errors(self, fields: dict[str, list[str]] | None, detail: str) -> None:
        placed = False
        for key, messages in (fields or {}).items():
            target = key if key in self.fields else None
            for message in messages:
                self.add_error(target, message)
            placed = placed or target is not None
        if not placed:
            self.add_error(None, detail)


class _PlanFieldsMixin(forms.Form):
    def _set_plan_fields(self, engine: protocols.Protocols, indication: str) -> None:
        ind = engine.indications.get(indication)
        areas = self.fields["areas"]
        assert isinstance(areas, forms.ChoiceField)
        areas.choices = [(code, area.label) for code, area in engine.areas.items()]
        if ind is not None:
            self.fields[
                "interval_days"
            ].help_text = f"At least {ind.interval_days} days for {ind.label.lower()}."
            widget = self.fields["interval_days"].widget
            widget.attrs["min"] = ind.interval_days
            self.fields["planned_sessions"].help_text = (
                f"Usually {ind.sessions}"
                + (
                    f" ({ind.sessions_min}–{ind.sessions_max})"
                    if ind.sessions_min != ind.sessions_max
                    else ""
                )
                + "."
            )


class PlanForm(ServiceErrorsMixin, _PlanFieldsMixin):
    """A new course for one indication of the current protocol version."""

    indication = forms.CharField(widget=forms.HiddenInput, max_length=40)
    areas = forms.MultipleChoiceField(
        label="Areas to treat",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one area to treat."},
    )
    planned_sessions = forms.IntegerField(
        label="Sessions in the course",
        min_value=1,
        max_value=MAX_SESSIONS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    interval_days = forms.IntegerField(
        label="Days between sessions",
        min_value=1,
        max_value=MAX_INTERVAL_DAYS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    notes = forms.CharField(
        label="Notes",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="E.g. the client's goals, what was agreed about depth and sun protection.",
    )

    def __init__(
        self, *args: Any, engine: protocols.Protocols, indication: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_plan_fields(engine, indication)


class PlanEditForm(ServiceErrorsMixin, _PlanFieldsMixin):
    areas = PlanForm.base_fields["areas"].__deepcopy__({})
    planned_sessions = PlanForm.base_fields["planned_sessions"].__deepcopy__({})
    interval_days = PlanForm.base_fields["interval_days"].__deepcopy__({})
    status = forms.ChoiceField(
        label="Status",
        choices=PlanStatus.choices,
        widget=forms.RadioSelect,
        help_text="Completed or stopped courses are no longer offered for booking.",
    )
    notes = PlanForm.base_fields["notes"].__deepcopy__({})

    def __init__(
        self, *args: Any, engine: protocols.Protocols, indication: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._set_plan_fields(engine, indication)


# --- publishing protocols ---------------------------------------------------------------

_IND_DEPTHS = ("depth_min_mm", "depth_max_mm")
_IND_COUNTS = ("sessions", "sessions_min", "sessions_max", "interval_days")
_AREA_DEPTHS = ("thin_max_mm", "thick_max_mm")
_COLUMN = {
    "depth_min_mm": "Depth from (mm)",
    "depth_max_mm": "Depth to (mm)",
    "sessions": "Usual sessions",
    "sessions_min": "Fewest sessions",
    "sessions_max": "Most sessions",
    "interval_days": "Minimum days between sessions",
    "thin_max_mm": "Thin skin maximum (mm)",
    "thick_max_mm": "Thick skin maximum (mm)",
}


def _depth_field(label: str, initial: object) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=protocols.MAX_DEPTH_MM,
        initial=initial,
        widget=forms.NumberInput(attrs={"step": "0.05", "inputmode": "decimal"}),
    )


def _count_field(label: str, initial: object, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=1,
        max_value=high,
        initial=initial,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ProtocolPublishForm(ServiceErrorsMixin):
    """Edits to the current version: one row per indication and per area."""

    base_version = forms.IntegerField(widget=forms.HiddenInput)
    pih_text = forms.CharField(
        label="Note shown for Fitzpatrick IV–VI (post-inflammatory hyperpigmentation)",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    note = forms.CharField(
        label="What changed",
        max_length=500,
        required=False,  # the service says so, after checking everything else
        help_text="For the audit trail, e.g. “Acne scars: up to 6 sessions, per Dr Shah”.",
    )

    def __init__(self, *args: Any, data_source: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = data_source
        self.fields["pih_text"].initial = (data_source.get("pih") or {}).get("text", "")
        self.indication_rows: list[dict[str, Any]] = []
        for code, item in data_source.get("indications", {}).items():
            cells = []
            for key in _IND_DEPTHS:
                name = f"ind-{code}-{key}"
                self.fields[name] = _depth_field(f"{_COLUMN[key]}: {item['label']}", item[key])
                cells.append(name)
            for key in _IND_COUNTS:
                name = f"ind-{code}-{key}"
                high = MAX_INTERVAL_DAYS if key == "interval_days" else MAX_SESSIONS
                initial = item.get(key, item.get("sessions"))
                self.fields[name] = _count_field(f"{_COLUMN[key]}: {item['label']}", initial, high)
                cells.append(name)
            self.indication_rows.append({"code": code, "label": item["label"], "names": cells})
        self.area_rows: list[dict[str, Any]] = []
        for code, item in data_source.get("areas", {}).items():
            cells = []
            for key in _AREA_DEPTHS:
                name = f"area-{code}-{key}"
                self.fields[name] = _depth_field(f"{_COLUMN[key]}: {item['label']}", item[key])
                cells.append(name)
            self.area_rows.append(
                {"code": code, "label": item["label"], "note": item.get("note", ""), "names": cells}
            )

    def _bind_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                **row,
                "cells": [self[name] for name in row["names"]],
                "errors": [e for name in row["names"] for e in self.errors.get(name, [])]
                if self.is_bound
                else [],
            }
            for row in rows
        ]

    @property
    def indications(self) -> list[dict[str, Any]]:
        return self._bind_rows(self.indication_rows)

    @property
    def areas(self) -> list[dict[str, Any]]:
        return self._bind_rows(self.area_rows)

    @property
    def columns_indications(self) -> list[str]:
        return [_COLUMN[k] for k in (*_IND_DEPTHS, *_IND_COUNTS)]

    @property
    def columns_areas(self) -> list[str]:
        return [_COLUMN[k] for k in _AREA_DEPTHS]

    def protocol_data(self) -> dict[str, Any]:
        """A deep copy of the source with this form's edits; unchanged values keep their text."""
        data = copy.deepcopy(self.source)
        cleaned = self.cleaned_data

        def put_depth(item: dict[str, Any], key: str, value: Decimal) -> None:
            try:
                same = Decimal(str(item.get(key))) == value
            except ArithmeticError:
                same = False
            if not same:
                item[key] = _mm(value)

        for code, item in data.get("indications", {}).items():
            for key in _IND_DEPTHS:
                put_depth(item, key, cleaned[f"ind-{code}-{key}"])
            for key in _IND_COUNTS:
                value = cleaned[f"ind-{code}-{key}"]
                implicit = key in ("sessions_min", "sessions_max") and key not in item
                if implicit and value == cleaned[f"ind-{code}-sessions"]:
                    continue  # still "same as usual": keep the document as it was
                item[key] = value
        for code, item in data.get("areas", {}).items():
            for key in _AREA_DEPTHS:
                put_depth(item, key, cleaned[f"area-{code}-{key}"])
        pih = data.setdefault("pih", {})
        if cleaned["pih_text"] != pih.get("text", ""):
            pih["text"] = cleaned["pih_text"]
        return data

    def add_service_errors(self, fields: dict[str, list[str]] | None, detail: str) -> None:
        """``data.indications.<code>.<key>`` → ``ind-<code>-<key>`` and so on."""
        mapped: dict[str, list[str]] = {}
        for key, messages in (fields or {}).items():
            parts = key.split(".")
            name = key
            if parts[:2] == ["data", "indications"] and len(parts) == 4:
                name = f"ind-{parts[2]}-{parts[3]}"
            elif parts[:2] == ["data", "areas"] and len(parts) == 4:
                name = f"area-{parts[2]}-{parts[3]}"
            elif key == "data.pih.text":
                name = "pih_text"
            mapped.setdefault(name, []).extend(messages)
        super().add_service_errors(mapped, detail)
