"""HTML forms for consent: the capture screen and publishing a consent text.

They only collect input; whether a name matches, a signature is real or a text still
lists every risk is decided by ``consent_services``, whose errors the views attach here
with ``add_service_errors``.
"""

from __future__ import annotations

from typing import Any

from django import forms

from common.errors import ApplicationError
from treatments.consent import services as consent_services
from treatments.consent.models import ConsentText

# A 500 KB PNG as a base64 data URL, with a little slack.
SIGNATURE_MAX_CHARS = (consent_services.SIGNATURE_MAX_BYTES * 4) // 3 + 100
SIGNATURE_REQUIRED = (
    "A drawn signature is required: sign in the box with a finger, a stylus or the mouse."
)


def _describe(bound: forms.BoundField, *, help_id: str | None, error_id: str) -> None:
    ids = [help_id] if help_id else []
    attrs = bound.field.widget.attrs
    if bound.form.is_bound and bound.name in bound.form.errors:
        ids.append(error_id)
        attrs["aria-invalid"] = "true"
    else:
        attrs.pop("aria-invalid", None)
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    else:
        attrs.pop("aria-describedby", None)


class ConsentForm(forms.Form):
    """What the client fills in on the tablet: their typed name and drawn signature."""

    typed_name = forms.CharField(
        label="Your full name",
        max_length=200,
        error_messages={"required": "Type your full name."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "words", "spellcheck": "false"}
        ),
    )
    signature = forms.CharField(
        required=False,  # checked in clean_signature, with a message that says what to do
        max_length=SIGNATURE_MAX_CHARS,
        widget=forms.HiddenInput(attrs={"data-signature-value": ""}),
        error_messages={"max_length": "The signature image is too large; clear it and sign again."},
    )
    text_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)

    def clean_signature(self) -> bytes:
        value = self.cleaned_data.get("signature") or ""
        if not value.strip():
            raise forms.ValidationError(SIGNATURE_REQUIRED)
        try:
            return consent_services.consent_signature_decode(data=value)
        except ApplicationError as exc:
            raise forms.ValidationError(
                (exc.fields or {}).get("signature") or [exc.detail]
            ) from exc

    def add_service_errors(self, fields: dict[str, list[str]] | None, detail: str) -> None:
        placed = False
        for key, messages in (fields or {}).items():
            target = key if key in ("typed_name", "signature") else None
            for message in messages:
                self.add_error(target, message)
            placed = placed or target is not None
        if not placed:
            self.add_error(None, detail)

    def describe(self) -> ConsentForm:
        """Link the visible controls to their help and error messages (call before rendering)."""
        _describe(
            self["typed_name"],
            help_id="typed-name-help",
            error_id="typed-name-error",
        )
        return self


def _lines(labels: list[str]) -> str:
    return "\n".join(labels)


class ConsentTextPublishForm(forms.Form):
    """A new consent-text version, starting from the current one."""

    base_version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=consent_services.TITLE_MAX, required=False)
    body = forms.CharField(
        label="Text the client agrees to",
        required=False,
        max_length=consent_services.BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text="Separate paragraphs with an empty line. Keep “several sessions” and "
        "“results vary”.",
    )
    risks_expected = forms.CharField(
        label="Expected risks", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    risks_less_common = forms.CharField(
        label="Less common risks", required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    risks_rare = forms.CharField(
        label="Rare risks", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    RISK_FIELDS = {
        "expected": "risks_expected",
        "less_common": "risks_less_common",
        "rare": "risks_rare",
    }

    @classmethod
    def initial_from(cls, text: ConsentText) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "base_version": text.version,
            "title": text.title,
            "body": text.body,
        }
        for group, name in cls.RISK_FIELDS.items():
            initial[name] = _lines(text.risks.get(group) or [])
        return initial

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.RISK_FIELDS.values():
            self.fields[name].help_text = "One risk per line."

    def risks(self) -> dict[str, list[str]]:
        return {
            group: [line for line in (self.cleaned_data.get(name) or "").splitlines()]
            for group, name in self.RISK_FIELDS.items()
        }

    def add_service_errors(self, fields: dict[str, list[str]] | None, detail: str) -> None:
        self.add_error(None, detail)
        for key, messages in (fields or {}).items():
            target: str | None = None
            if key in ("title", "body"):
                target = key
            elif key.startswith("risks."):
                target = self.RISK_FIELDS.get(key.removeprefix("risks."))
            if target is None:
                continue  # already summed up in ``detail``
            for message in messages:
                self.add_error(target, message)
