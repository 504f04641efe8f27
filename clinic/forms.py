"""HTML forms for the staff UI."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from clinic import lockout, services
from clinic.models import Client, Clinic, Role, SkinConcern, User
from common.timezones import country_names, timezone_names


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
            if self.request is not None and lockout.locked_out(self.request):
                raise forms.ValidationError(lockout.locked_message(), code="locked_out") from None
            raise


class StaffPasswordResetForm(PasswordResetForm):
    """Forgot password: the same answer whether or not an account uses the address.

    The e-mail goes out through the worker, so the answer also takes as long either way.
    Accounts that never chose a password (added before invitations) may choose one here.
    """

    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def get_users(self, email):
        return User.objects.filter(email__iexact=email.strip(), is_active=True)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        services.account_email_send(
            to=to_email,
            subject_template=subject_template_name,
            body_template=email_template_name,
            context=context,
        )


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
    #: Shown only once a possible duplicate was found (``services.PossibleDuplicate``).
    confirm_different_person = forms.BooleanField(
        required=False,
        label="This is a different person",
        help_text="I have checked the existing record: it is someone else.",
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
        cleaned = super().clean() or {}
        if cleaned.get("email_consent") and not cleaned.get("email"):
            self.add_error("email", "Add an e-mail address, or untick e-mail consent.")
        return cleaned


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices)
    full_name = forms.CharField(
        max_length=150,
        required=False,
        label="Name",
        help_text="For the e-mail's greeting; they choose their own name.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class InvitationNewAccountForm(forms.Form):
    """Accepting an invitation with a new account: a name and a password."""

    full_name = forms.CharField(
        max_length=150,
        label="Your full name",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text="At least 10 characters; not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label="The password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


class InvitationExistingAccountForm(forms.Form):
    """Accepting an invitation with an account the address already has: its password."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    is_active = forms.BooleanField(required=False, label="Active")


class ClinicSettingsForm(forms.ModelForm):
    """The clinic's details, sender, time zone and idle sign-out (managers)."""

    timezone = forms.CharField(
        label="Time zone",
        max_length=64,
        widget=forms.TextInput(attrs={"list": "timezone-names", "autocomplete": "off"}),
    )
    country = forms.ChoiceField(required=False, label="Country")

    class Meta:
        model = Clinic
        fields = [
            "name",
            "address",
            "phone",
            "email",
            "reply_to_email",
            "sender_name",
            "country",
            "timezone",
            "idle_timeout_minutes",
            "slug",
            "portal_enabled",
            "portal_notice_hours",
            "portal_hold_minutes",
            "portal_offer_hold_minutes",
            "portal_consultation_minutes",
            "portal_treatments",
            "portal_treatment_minutes",
            "portal_show_practitioners",
        ]
        labels = {"email": "Contact e-mail", "phone": "Contact phone"}
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "reply_to_email": forms.EmailInput(attrs={"autocomplete": "off"}),
            "idle_timeout_minutes": forms.NumberInput(attrs={"min": 2, "max": 480}),
            "portal_notice_hours": forms.NumberInput(attrs={"min": 0, "max": 336}),
            "portal_hold_minutes": forms.NumberInput(attrs={"min": 5, "max": 60}),
            "portal_offer_hold_minutes": forms.NumberInput(attrs={"min": 5, "max": 1440}),
            "portal_consultation_minutes": forms.NumberInput(
                attrs={"min": 15, "max": 120, "step": 15}
            ),
            "portal_treatment_minutes": forms.NumberInput(
                attrs={"min": 15, "max": 240, "step": 15}
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Empty only between clinic_create and the manager's first visit here: client
        # e-mails, PDFs and pages print it.
        self.fields["phone"].required = True
        self.fields["phone"].help_text = "Shown to clients in e-mails and PDFs."
        countries = sorted(country_names().items(), key=lambda item: item[1])
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", "Not given"), *countries]
        if not self.portal_posted:
            for name in self.PORTAL_FIELDS:  # kept as they are (their initial values)
                self.fields[name].disabled = True
        self.fields["timezone"].help_text = (
            "Every time already stored keeps its moment: appointments and reminders already "
            "scheduled do not move, they are shown in the new zone. Working hours, new "
            "bookings and reminders scheduled from now on (for clients without their own "
            "zone) use the new zone."
        )

    def clean_name(self) -> str:
        value = " ".join(self.cleaned_data.get("name", "").split())
        others = Clinic.objects.filter(name__iexact=value).exclude(pk=self.instance.pk)
        if others.exists():
            raise forms.ValidationError("Another clinic already has this name.")
        return value

    #: The online booking fields (decision 0021). A form posted without its section (the
    #: ``portal_section`` marker the page sends with it) leaves them as they are, so a
    #: checkbox missing from an older form never turns online booking off.
    PORTAL_FIELDS = (
        "slug",
        "portal_enabled",
        "portal_notice_hours",
        "portal_hold_minutes",
        "portal_offer_hold_minutes",
        "portal_consultation_minutes",
        "portal_treatments",
        "portal_treatment_minutes",
        "portal_show_practitioners",
    )

    @property
    def portal_posted(self) -> bool:
        return not self.is_bound or "portal_section" in self.data

    def clean_slug(self) -> str:
        value = (self.cleaned_data.get("slug") or "").strip().lower()
        if value and Clinic.objects.filter(slug=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another clinic already uses this address.")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.portal_posted:
            return cleaned
        if cleaned.get("portal_enabled") and not cleaned.get("slug"):
            self.add_error(
                "slug", "Give the booking page an address before turning online booking on."
            )
        return cleaned

    def clean_timezone(self) -> str:
        value = self.cleaned_data.get("timezone", "").strip()
        if value not in timezone_names():
            raise forms.ValidationError(
                "Not a known time zone. Start typing a city, e.g. Europe/Dublin."
            )
        return value


class ClinicLogoForm(forms.Form):
    logo = forms.FileField(
        label="Image file",
        help_text="PNG or JPEG, at most 1 MB, each side 32 to 2000 pixels. A wide logo "
        "about 80 pixels high looks best in the page header.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
