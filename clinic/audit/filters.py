"""The audit trail's filters: one form for the page, its CSV and the API (decision 0010).

Every value is checked against the acting clinic: a client or staff member of another
clinic is refused exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet

from clinic.audit.selectors import staff_of
from clinic.models import Client, Clinic
from common.audit import OBJECT_TYPES
from common.models import AuditEvent

#: Longest range one request may ask for (a year and a day: "the last 12 months").
MAX_RANGE_DAYS = 366

FILTER_NAMES = ("client", "actor", "action", "object_type", "outcome", "date_from", "date_to")


def _choices(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "Any"), *pairs]


class AuditFilterForm(forms.Form):
    client = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, label="Client number"
    )
    actor = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Staff member"
    )
    action = forms.ChoiceField(required=False, choices=_choices(AuditEvent.Action.choices))
    object_type = forms.ChoiceField(
        required=False,
        label="Object type",
        choices=_choices(sorted(OBJECT_TYPES.items(), key=lambda item: item[1])),
    )
    outcome = forms.ChoiceField(required=False, choices=_choices(AuditEvent.Outcome.choices))
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.staff = staff_of(clinic)
        actor_field = self.fields["actor"]
        assert isinstance(actor_field, forms.TypedChoiceField)
        actor_field.choices = [("", "Anyone")] + [
            (str(user.pk), f"{user.get_full_name() or user.email} ({user.email})")
            for user in self.staff
        ]
        self.chosen_client: Client | None = None

    def clean_client(self) -> int | None:
        client_id: int | None = self.cleaned_data.get("client")
        if client_id is None:
            return None
        self.chosen_client = Client.objects.filter(clinic=self.clinic, pk=client_id).first()
        if self.chosen_client is None:
            raise forms.ValidationError("No client of this clinic has that number.")
        return client_id

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", "The end date is before the start date.")
            elif (end - start).days > MAX_RANGE_DAYS:
                self.add_error("date_to", f"Choose at most {MAX_RANGE_DAYS} days.")
        return data

    def applied(self) -> dict[str, Any]:
        """The filters in use, as the audit event of this read records them."""
        if not self.is_valid():
            return {}
        return {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in self.cleaned_data.items()
            if value not in (None, "")
        }

    def filter(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        data = self.cleaned_data
        if data.get("client") is not None:
            events = events.filter(client_id=data["client"])
        if data.get("actor") is not None:
            events = events.filter(actor_id=data["actor"])
        for name in ("action", "object_type", "outcome"):
            if data.get(name):
                events = events.filter(**{name: data[name]})
        zone = self.clinic.zone
        if data.get("date_from"):
            events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, zone))
        if data.get("date_to"):
            next_day = data["date_to"] + timedelta(days=1)
            events = events.filter(at__lt=datetime.combine(next_day, time.min, zone))
        return events
