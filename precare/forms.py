"""The manager's form for a new preparation-template version (texts and lists)."""

from __future__ import annotations

import copy
from typing import Any

from django import forms

from precare import timeline
from precare.models import PrecareTemplate


class PrecarePublishForm(forms.Form):
    """A new version built from the current one: each moment's text, the two lists.

    The moments' times are the template's (DOMAIN.md §6); the dated items are not
    edited here at all: they follow the screening rule set.
    """

    base_version = forms.IntegerField(widget=forms.HiddenInput)
    bring = forms.CharField(
        label="What to bring",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One line each.",
    )
    tell = forms.CharField(
        label="What to tell the clinic before the visit",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One line each.",
    )
    note = forms.CharField(label="What changed", max_length=500, required=False)

    def __init__(self, *args: Any, current: PrecareTemplate, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.current = current
        for item in current.parsed().items:
            self.fields[f"text_{item.kind}"] = forms.CharField(
                label=f"{item.label} ({item.offset.describe()})",
                max_length=timeline.MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 4}),
                error_messages={"required": "Write what the client is told."},
            )
        self.order_fields(["base_version", *[f"text_{k}" for k in timeline.PRECARE_KINDS]])

    @classmethod
    def initial_from(cls, current: PrecareTemplate) -> dict[str, Any]:
        parsed = current.parsed()
        initial: dict[str, Any] = {
            "base_version": current.version,
            "bring": "\n".join(parsed.bring),
            "tell": "\n".join(parsed.tell),
        }
        for item in parsed.items:
            initial[f"text_{item.kind}"] = item.text
        return initial

    def item_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{k}"] for k in timeline.PRECARE_KINDS if f"text_{k}" in self.fields]

    def data_for_publishing(self) -> dict[str, Any]:
        data = copy.deepcopy(self.current.data)
        for raw in data["items"]:
            raw["text"] = self.cleaned_data[f"text_{raw['kind']}"].strip()
        data["bring"] = [s.strip() for s in self.cleaned_data["bring"].splitlines() if s.strip()]
        data["tell"] = [s.strip() for s in self.cleaned_data["tell"].splitlines() if s.strip()]
        return data

    def add_service_errors(self, fields: dict[str, list[str]] | None, detail: str) -> None:
        self.add_error(None, detail)
