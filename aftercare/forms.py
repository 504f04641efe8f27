"""The staff form that cancels a signed session's aftercare."""

from __future__ import annotations

from django import forms

from aftercare.schedules import CANCEL_REASON_LENGTH


class AftercareCancelForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=CANCEL_REASON_LENGTH,
        help_text="Shown on the session page and kept with every e-mail that is not sent.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
