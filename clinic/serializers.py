"""API input and output shapes for clients and staff."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from clinic.models import Client, Invitation, Membership, Role, SkinConcern
from common.fields import api_date, api_datetime
from common.timezones import timezone_names


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
