"""HTML forms for the staff UI."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from clinic import lockout
from clinic.models import Client, Role, SkinConcern
from common.timezones import timezone_names


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail address and password do not match an account.",
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if lockout.locked_out(self.request):
                raise forms.ValidationError(lockout.locked_message(), code="locked_out") from None
            raise


class ClientForm(forms.ModelForm):
    skin_concerns = forms.MultipleChoiceField(
        choices=SkinConcern.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Skin concerns",
    )
    timezone = forms.CharField(
        required=False,
        label="Time zone",
        help_text="Only if the client lives in another time zone than the clinic.",
        widget=forms.TextInput(attrs={"list": "timezone-names", "autocomplete": "off"}),
    )

    class Meta:
        model = Client
        fields = [
            "first_name",
            "last_name",
            "date_of_birth",
            "email",
            "phone",
            "email_consent",
            "fitzpatrick_type",
            "skin_concerns",
            "timezone",
            "notes",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "first_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "off"}),
            "email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }

    def clean_timezone(self) -> str:
        value = self.cleaned_data.get("timezone", "").strip()
        if value and value not in timezone_names():
            raise forms.ValidationError(
                "Not a known time zone. Start typing a city, e.g. Europe/London."
            )
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("email_consent") and not cleaned.get("email"):
            self.add_error("email", "Add an e-mail address, or untick e-mail consent.")
        return cleaned


class StaffAddForm(forms.Form):
    full_name = forms.CharField(max_length=150, label="Full name")
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=Role.choices)


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    is_active = forms.BooleanField(required=False, label="Active")
