"""Waitlist API shapes (decision 0022)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clinic.booking.models import AppointmentKind
from common.fields import BoundedDateField, BoundedDateTimeField, ObjectIdField
from waitlist.models import EntryStatus, WaitlistEntry, WaitlistOffer


class WaitlistJoinSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=AppointmentKind.values,
        default=AppointmentKind.CONSULTATION.value,
        help_text="`consultation` (new clients); `treatment` only with `course`.",
    )
    date_from = BoundedDateField()
    date_to = BoundedDateField()
    practitioner = ObjectIdField(
        required=False, help_text="Only when the clinic shows practitioners' names."
    )
    course = serializers.CharField(
        required=False,
        max_length=200,
        help_text="The course link's token from the clinic's e-mail (treatments).",
    )
    first_name = serializers.CharField(max_length=100, required=False)
    last_name = serializers.CharField(max_length=100, required=False)
    date_of_birth = BoundedDateField(required=False)
    email = serializers.EmailField(max_length=254, required=False)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    website = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Leave empty (a field people never see).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["kind"] == AppointmentKind.TREATMENT and not attrs.get("course"):
            raise serializers.ValidationError(
                {"course": ["A treatment is waited for from the course link in your e-mail."]}
            )
        if not attrs.get("course"):
            missing = {
                name: ["This field is required."]
                for name in ("first_name", "last_name", "date_of_birth", "email")
                if not attrs.get(name)
            }
            if missing:
                raise serializers.ValidationError(missing)
        return attrs


class WaitlistJoinAnswerSerializer(serializers.Serializer):
    status = serializers.CharField()
    detail = serializers.CharField()


class WaitlistOfferSerializer(serializers.ModelSerializer):
    start = serializers.DateTimeField(source="appointment.start")
    end = serializers.DateTimeField(source="appointment.end")
    practitioner = serializers.CharField(source="appointment.practitioner.display_name")
    appointment = serializers.IntegerField(source="appointment_id")
    offered_by = serializers.CharField(source="offered_by.full_name", allow_null=True, default=None)

    class Meta:
        model = WaitlistOffer
        fields = [
            "id",
            "status",
            "start",
            "end",
            "practitioner",
            "appointment",
            "expires_at",
            "offered_by",
            "created_at",
        ]


class WaitlistEntrySerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id")
    client_name = serializers.CharField(source="client.full_name")
    practitioner = serializers.IntegerField(source="practitioner_id", allow_null=True)
    treatment_plan = serializers.IntegerField(source="treatment_plan_id", allow_null=True)
    offers = WaitlistOfferSerializer(many=True)

    class Meta:
        model = WaitlistEntry
        fields = [
            "id",
            "client",
            "client_name",
            "kind",
            "date_from",
            "date_to",
            "practitioner",
            "treatment_plan",
            "status",
            "created_at",
            "offers",
        ]


class WaitlistFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=EntryStatus.values, required=False)


class WaitlistOfferCreateSerializer(serializers.Serializer):
    start = BoundedDateTimeField(help_text="A free time (the public slot search's).")
    practitioner = ObjectIdField(required=False)
