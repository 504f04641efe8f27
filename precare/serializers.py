"""API shapes for an appointment's preparation schedule."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clinic.messaging.models import OutgoingMessage
from precare.selectors import NOT_SENT_PAST, PrecareRow
from treatments.screening.serializers import FindingSerializer, QuestionSerializer


class PrecareItemSerializer(serializers.Serializer):
    """One preparation moment and what became of its e-mail."""

    kind = serializers.CharField(source="entry.item.kind")
    label = serializers.CharField(source="entry.item.label")  # type: ignore[assignment]  # DRF takes declared fields off the class
    due_at = serializers.DateTimeField(source="entry.due_at")
    due_local = serializers.SerializerMethodField(help_text="In the client's time zone.")
    status = serializers.ChoiceField(
        choices=[*OutgoingMessage.Status.values, NOT_SENT_PAST, "not_scheduled"],
        help_text="The e-mail's status; not_sent_past when its time had passed at booking.",
    )
    channel = serializers.CharField(allow_null=True)
    optional = serializers.BooleanField(source="entry.item.optional")
    sent_at = serializers.DateTimeField(source="message.sent_at", allow_null=True, default=None)
    cancelled_reason = serializers.CharField(source="message.cancelled_reason", default="")

    def get_due_local(self, row: PrecareRow) -> str:
        return row.entry.local.isoformat()


class DatedItemSerializer(serializers.Serializer):
    rule_code = serializers.CharField()
    thing = serializers.CharField()
    period = serializers.CharField()
    from_date = serializers.DateField()
    past_at_booking = serializers.BooleanField(source="past_at_planning")
    text = serializers.CharField()


class PrecareScheduleSerializer(serializers.Serializer):
    appointment_id = serializers.IntegerField()
    timezone = serializers.CharField(allow_null=True)
    template_version = serializers.IntegerField(allow_null=True)
    rule_set_version = serializers.IntegerField(
        allow_null=True, help_text="The screening rule set in force, which the dates come from."
    )
    cancelled_reason = serializers.CharField(allow_blank=True)
    dated = DatedItemSerializer(many=True)
    items = PrecareItemSerializer(many=True)
    pdf_url = serializers.CharField(
        allow_null=True,
        help_text="The staff download of the preparation PDF (none for consultations).",
    )


class ReadinessSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["not_due", "pending", "confirmed", "changed", "blocked"]
    )
    screening = serializers.IntegerField(allow_null=True)
    outcome = serializers.CharField(allow_null=True)
    findings = FindingSerializer(many=True)


class ReadinessAnsweredSerializer(ReadinessSerializer):
    message = serializers.CharField()


class ReadinessLinkSerializer(serializers.Serializer):
    url = serializers.URLField()


class PortalAppointmentSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    clinic = serializers.CharField()
    clinic_phone = serializers.CharField(allow_blank=True)


class PortalReadinessSerializer(serializers.Serializer):
    client_first_name = serializers.CharField()
    appointment = PortalAppointmentSerializer()
    rule_set_version = serializers.IntegerField()
    questions = QuestionSerializer(many=True)
    answers = serializers.DictField(child=serializers.JSONField(allow_null=True))
    readiness = ReadinessSerializer()


class PortalReadinessInputSerializer(serializers.Serializer):
    unchanged = serializers.BooleanField(required=False, default=False)
    answers = serializers.DictField(child=serializers.JSONField(allow_null=True), required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("unchanged") == ("answers" in attrs):
            raise serializers.ValidationError(
                {"answers": ['Send either "unchanged": true or the answers.']}
            )
        return attrs
