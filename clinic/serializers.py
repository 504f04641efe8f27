"""API input and output shapes for clients and staff."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from clinic.models import Client, Clinic, Invitation, Membership, Role, SkinConcern
from clinic.sender import site_url
from common.fields import api_date, api_datetime
from common.timezones import country_names, timezone_names


class ClientSerializer(serializers.ModelSerializer):
    skin_concerns = serializers.ListField(
        child=serializers.ChoiceField(choices=SkinConcern.choices),
        required=False,
        allow_empty=True,
        max_length=len(SkinConcern.values),
    )
    fitzpatrick_type = serializers.IntegerField(
        min_value=1, max_value=6, required=False, allow_null=True
    )
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    full_name = serializers.CharField(read_only=True)
    confirm_different_person = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On creation: a client with the same first and last name and date of "
        "birth, or the same e-mail, as an existing client of the clinic is refused with "
        "409 `possible_duplicate` (`duplicate`: the existing client's id; `duplicates`: "
        "each with `id`, `full_name` and `match`) unless this is `true`: staff have checked "
        "that it is a different person.",
    )

    class Meta:
        model = Client
        fields = [
            "id",
            "first_name",
            "last_name",
            "full_name",
            "date_of_birth",
            "email",
            "phone",
            "fitzpatrick_type",
            "skin_concerns",
            "timezone",
            "email_consent",
            "notes",
            "created_at",
            "updated_at",
            "confirm_different_person",
        ]
        read_only_fields = ["id", "full_name", "created_at", "updated_at"]

    def to_representation(self, instance: Client) -> dict[str, Any]:
        # The declared fields' output, in one pass (a 50-client page: docs/performance.md).
        return {
            "id": instance.pk,
            "first_name": instance.first_name,
            "last_name": instance.last_name,
            "full_name": instance.full_name,
            "date_of_birth": api_date(instance.date_of_birth),
            "email": instance.email,
            "phone": instance.phone,
            "fitzpatrick_type": instance.fitzpatrick_type,
            "skin_concerns": list(instance.skin_concerns),
            "timezone": instance.timezone,
            "email_consent": instance.email_consent,
            "notes": instance.notes,
            "created_at": api_datetime(instance.created_at),
            "updated_at": api_datetime(instance.updated_at),
        }

    def validate_timezone(self, value: str) -> str:
        if value and value not in timezone_names():
            raise serializers.ValidationError(
                f"{value!r} is not a known time zone (use a name such as Europe/London)."
            )
        return value

    def validate_date_of_birth(self, value):
        if value > timezone.localdate():
            raise serializers.ValidationError("The date of birth cannot be in the future.")
        if value.year < 1900:
            raise serializers.ValidationError("Check the year of birth.")
        return value

    def validate_skin_concerns(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))  # keep order, drop repeats

    def validate(self, attrs):
        if attrs.get("email_consent") and not (
            attrs.get("email") or (self.instance and self.instance.email)
        ):
            raise serializers.ValidationError(
                {"email": ["An e-mail address is needed to send e-mails."]}
            )
        return attrs


class StaffSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "is_active", "created_at"]
        read_only_fields = fields


class StaffCreateSerializer(serializers.Serializer):
    """An invitation: the person joins once they accept the e-mailed link."""

    email = serializers.EmailField()
    full_name = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional, for the e-mail's greeting; the person chooses their own name.",
    )
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=Invitation.Status.choices, read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "created_at", "expires_at"]
        read_only_fields = fields


class InvitationAcceptSerializer(serializers.Serializer):
    password = serializers.CharField(
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="A new account's password; for an existing account, its own password.",
    )
    full_name = serializers.CharField(
        max_length=150,
        required=False,
        allow_blank=True,
        default="",
        help_text="Needed for a new account; an existing account keeps its name.",
    )


class StaffUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    is_active = serializers.BooleanField(required=False)


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, style={"input_type": "password"})


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")
    expiry = serializers.DateTimeField(help_text="The token stops working at this time.")


class ClinicSettingsSerializer(serializers.ModelSerializer):
    """The acting clinic's settings (``GET/PATCH /api/clinic/``; decision 0016)."""

    timezone = serializers.CharField(
        required=False,
        max_length=64,
        help_text="IANA name. Changing it keeps every stored instant; times are shown, and "
        "reminders from now on computed, in the new zone.",
    )
    country = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2,
        help_text="ISO 3166 code, e.g. IE or GB; empty if not given.",
    )
    effective_sender_name = serializers.CharField(
        read_only=True, help_text="`sender_name`, or the clinic's name if empty."
    )
    effective_reply_to = serializers.EmailField(
        read_only=True, help_text="`reply_to_email`, or the contact e-mail if empty."
    )
    portal_url = serializers.SerializerMethodField(
        help_text="The public booking page (it answers 404 while online booking is off)."
    )
    logo_url = serializers.SerializerMethodField(
        help_text="Where signed-in staff fetch the logo (uploaded on the settings page); "
        "null without one."
    )

    class Meta:
        model = Clinic
        fields = [
            "id",
            "name",
            "address",
            "phone",
            "email",
            "reply_to_email",
            "sender_name",
            "effective_sender_name",
            "effective_reply_to",
            "country",
            "timezone",
            "idle_timeout_minutes",
            "logo_url",
            "slug",
            "portal_enabled",
            "portal_notice_hours",
            "portal_hold_minutes",
            "portal_offer_hold_minutes",
            "portal_consultation_minutes",
            "portal_treatments",
            "portal_treatment_minutes",
            "portal_show_practitioners",
            "portal_url",
            "updated_at",
        ]
        read_only_fields = ["id", "effective_sender_name", "effective_reply_to", "updated_at"]
        extra_kwargs = {
            "name": {"allow_blank": False, "trim_whitespace": True},
            # Empty only until the manager first sets it (clinic_create): clients see it.
            "phone": {"allow_blank": False},
            "idle_timeout_minutes": {"min_value": 2, "max_value": 480},
            "portal_notice_hours": {"min_value": 0, "max_value": 336},
            "portal_hold_minutes": {"min_value": 5, "max_value": 60},
            "portal_offer_hold_minutes": {"min_value": 5, "max_value": 1440},
            "portal_consultation_minutes": {"min_value": 15, "max_value": 120},
            "portal_treatment_minutes": {"min_value": 15, "max_value": 240},
        }

    def get_portal_url(self, obj: Clinic) -> str | None:
        if not obj.slug:
            return None
        return site_url(reverse("portal-book", args=[obj.slug]))

    def get_logo_url(self, obj: Clinic) -> str | None:
        if not obj.logo:
            return None
        request = self.context.get("request")
        path = reverse("clinic-logo")
        return request.build_absolute_uri(path) if request is not None else path

    def validate_timezone(self, value: str) -> str:
        if value not in timezone_names():
            raise serializers.ValidationError(
                f"{value!r} is not a known time zone (use a name such as Europe/Dublin)."
            )
        return value

    def validate_country(self, value: str) -> str:
        value = value.strip().upper()
        if value and value not in country_names():
            raise serializers.ValidationError(
                f"{value!r} is not an ISO country code (two letters, e.g. IE or GB)."
            )
        return value
