"""API shapes for practitioners, rooms, devices, availability and appointments."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.booking import hooks
from clinic.booking.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Device,
    Practitioner,
    Room,
    TimeOff,
    WorkingHours,
)
from common.fields import (
    BoundedDateField,
    BoundedDateTimeField,
    ClockTimeField,
    ObjectIdField,
    api_datetime,
)
from treatments.screening.serializers import FindingSerializer


class WorkingHoursSerializer(serializers.ModelSerializer):
    start = ClockTimeField()
    end = ClockTimeField()

    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]


class PractitionerSerializer(serializers.ModelSerializer):
    working_hours = WorkingHoursSerializer(many=True)
    email = serializers.EmailField(source="membership.user.email", read_only=True)

    class Meta:
        model = Practitioner
        fields = ["id", "display_name", "email", "is_bookable", "working_hours"]
        read_only_fields = ["id", "email"]


class PractitionerCreateSerializer(serializers.Serializer):
    membership = ObjectIdField(help_text="Id of a practitioner's staff membership.")
    display_name = serializers.CharField(max_length=150, required=False)
    is_bookable = serializers.BooleanField(required=False, default=True)
    working_hours = WorkingHoursSerializer(many=True, required=False)


class PractitionerUpdateSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False)
    is_bookable = serializers.BooleanField(required=False)
    working_hours = WorkingHoursSerializer(many=True, required=False)


class TimeOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimeOff
        fields = ["id", "start", "end", "reason"]
        read_only_fields = ["id"]


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["id", "name", "is_active"]
        read_only_fields = ["id"]


class DeviceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Device
        fields = ["id", "name", "kind", "serial_number", "cleanup_minutes", "is_active"]
        read_only_fields = ["id"]
        extra_kwargs = {"cleanup_minutes": {"min_value": 0, "max_value": 240}}


class AvailabilityQuerySerializer(serializers.Serializer):
    practitioner = ObjectIdField()
    date_from = BoundedDateField()
    date_to = BoundedDateField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480)
    room = ObjectIdField(required=False)
    device = ObjectIdField(required=False)
    client = ObjectIdField(
        required=False,
        help_text="With `kind`: only slots a booking of this client would be accepted for.",
    )
    kind = serializers.ChoiceField(
        choices=AppointmentKind.choices,
        required=False,
        help_text="With `client`. For `treatment`, the dates the treatment decision refuses "
        "(screening at that date, deferrals, the course's minimum interval) have no slots, "
        "and `device` is required.",
    )

    treatment_plan = ObjectIdField(
        required=False,
        help_text="With `client` and `kind=treatment`: the course the booking will name; "
        "its interval applies (else the client's current course, else 28 days).",
    )

    def validate(self, attrs):
        if "treatment_plan" in attrs and attrs.get("kind") != AppointmentKind.TREATMENT:
            raise serializers.ValidationError(
                {"treatment_plan": ["Only with client and kind=treatment."]}
            )
        if ("client" in attrs) != ("kind" in attrs):
            missing = "kind" if "client" in attrs else "client"
            raise serializers.ValidationError({missing: ["Give client and kind together."]})
        if attrs.get("kind") == AppointmentKind.TREATMENT and "device" not in attrs:
            raise serializers.ValidationError({"device": ["A treatment needs a device."]})
        return attrs


class SlotSerializer(serializers.Serializer):
    start = BoundedDateTimeField()
    end = BoundedDateTimeField()
    practitioner = serializers.IntegerField()
    room = serializers.IntegerField(allow_null=True)
    device = serializers.IntegerField(allow_null=True)


class AppointmentSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.full_name", read_only=True)
    practitioner_name = serializers.CharField(source="practitioner.display_name", read_only=True)
    room_name = serializers.CharField(source="room.name", read_only=True)
    device_name = serializers.SerializerMethodField()
    screening_needs_review = serializers.BooleanField(read_only=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "client",
            "client_name",
            "practitioner",
            "practitioner_name",
            "room",
            "room_name",
            "device",
            "device_name",
            "start",
            "end",
            "kind",
            "status",
            "notes",
            "screening",
            "screening_needs_review",
            "treatment_plan",
            "cancel_reason",
            "cancelled_at",
            "sequence",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_device_name(self, obj: Appointment) -> str | None:
        return str(obj.device) if obj.device else None

    def to_representation(self, instance: Appointment) -> dict[str, Any]:
        # The same output as the declared fields (tests/booking/test_serializers.py), in
        # one pass: field-by-field DRF cost 5x the query for a 200-row day.
        device = instance.device
        return {
            "id": instance.pk,
            "client": instance.client_id,
            "client_name": instance.client.full_name,
            "practitioner": instance.practitioner_id,
            "practitioner_name": instance.practitioner.display_name,
            "room": instance.room_id,
            "room_name": instance.room.name,
            "device": instance.device_id,
            "device_name": str(device) if device is not None else None,
            "start": api_datetime(instance.start),
            "end": api_datetime(instance.end),
            "kind": instance.kind,
            "status": instance.status,
            "notes": instance.notes,
            "screening": instance.screening_id,
            "screening_needs_review": instance.screening_needs_review,
            "treatment_plan": instance.treatment_plan_id,
            "cancel_reason": instance.cancel_reason,
            "cancelled_at": api_datetime(instance.cancelled_at),
            "sequence": instance.sequence,
            "created_at": api_datetime(instance.created_at),
        }


#: What one row of the appointment list reads (``QuerySet.values``), for
#: :func:`appointment_list_row`.
LIST_VALUES = (
    "id", "client_id", "client__first_name", "client__last_name", "practitioner_id",
    "practitioner__display_name", "room_id", "room__name", "device_id", "device__name",
    "device__serial_number", "start", "end", "kind", "status", "notes", "screening_id",
    "screening__outcome", "screening__review__id", "treatment_plan_id", "cancel_reason",
    "cancelled_at", "sequence", "created_at",
)  # fmt: skip


def appointment_list_row(row: dict[str, Any]) -> dict[str, Any]:
    """``AppointmentSerializer``'s output for a ``values(*LIST_VALUES)`` row.

    The same dictionary (tests/booking/test_serializers.py compares them in three
    zones): a list of 200 appointments built seven model instances a row (appointment,
    client, practitioner, room, device, screening, review), which cost more than the
    rest of the request. The names are the models' own: ``Client.full_name``,
    ``str(Device)``, ``Appointment.screening_needs_review``.
    """
    device_id = row["device_id"]
    return {
        "id": row["id"],
        "client": row["client_id"],
        "client_name": f"{row['client__first_name']} {row['client__last_name']}".strip(),
        "practitioner": row["practitioner_id"],
        "practitioner_name": row["practitioner__display_name"],
        "room": row["room_id"],
        "room_name": row["room__name"],
        "device": device_id,
        "device_name": (
            f"{row['device__name']} ({row['device__serial_number']})"
            if device_id is not None
            else None
        ),
        "start": api_datetime(row["start"]),
        "end": api_datetime(row["end"]),
        "kind": row["kind"],
        "status": row["status"],
        "notes": row["notes"],
        "screening": row["screening_id"],
        "screening_needs_review": (
            row["kind"] == AppointmentKind.TREATMENT
            and row["screening_id"] is not None
            and row["screening__outcome"] == "caution"
            and row["screening__review__id"] is None
        ),
        "treatment_plan": row["treatment_plan_id"],
        "cancel_reason": row["cancel_reason"],
        "cancelled_at": api_datetime(row["cancelled_at"]),
        "sequence": row["sequence"],
        "created_at": api_datetime(row["created_at"]),
    }


def _plan_field() -> ObjectIdField:
    return ObjectIdField(
        required=False,
        allow_null=True,
        help_text="An active treatment plan of the client: the course this treatment belongs "
        "to. Its interval applies; without one, the client's newest active plan's.",
    )


class AppointmentReadinessSerializer(serializers.Serializer):
    """The readiness check 48 hours before a treatment (decision 0018)."""

    status = serializers.ChoiceField(
        choices=["not_due", "pending", "confirmed", "changed", "blocked"]
    )
    screening = serializers.IntegerField(allow_null=True)
    outcome = serializers.CharField(allow_null=True)
    findings = FindingSerializer(many=True)


class AppointmentDetailSerializer(AppointmentSerializer):
    """One appointment: the list row plus its readiness check."""

    readiness = AppointmentReadinessSerializer(read_only=True)

    class Meta(AppointmentSerializer.Meta):
        fields = [*AppointmentSerializer.Meta.fields, "readiness"]
        read_only_fields = fields

    def to_representation(self, instance: Appointment) -> dict[str, Any]:
        return {
            **super().to_representation(instance),
            "readiness": hooks.appointment_readiness(instance),
        }


class AppointmentCreateSerializer(serializers.Serializer):
    client = ObjectIdField()
    practitioner = ObjectIdField()
    room = ObjectIdField()
    device = ObjectIdField(required=False, allow_null=True)
    start = BoundedDateTimeField()
    end = BoundedDateTimeField()
    kind = serializers.ChoiceField(choices=AppointmentKind.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    treatment_plan = _plan_field()

    def validate(self, attrs):
        if attrs["end"] <= attrs["start"]:
            raise serializers.ValidationError({"end": ["The end must be after the start."]})
        return attrs


class AppointmentUpdateSerializer(serializers.Serializer):
    practitioner = ObjectIdField(required=False)
    room = ObjectIdField(required=False)
    device = ObjectIdField(required=False, allow_null=True)
    start = BoundedDateTimeField(required=False)
    end = BoundedDateTimeField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    treatment_plan = _plan_field()


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class AppointmentListQuerySerializer(serializers.Serializer):
    date = BoundedDateField(required=False)
    practitioner = ObjectIdField(required=False)
    client = ObjectIdField(required=False)
    room = ObjectIdField(required=False)
    status = serializers.ChoiceField(choices=AppointmentStatus.choices, required=False)
