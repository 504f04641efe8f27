"""API shapes for the outbox."""

from __future__ import annotations

from rest_framework import serializers

from clinic.messaging.models import OutgoingMessage

MAX_ID = 2**63 - 1  # larger ids cannot exist, and SQLite cannot even compare them


class OutgoingMessageSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id", read_only=True)
    client_name = serializers.CharField(source="client.full_name", read_only=True)

    class Meta:
        model = OutgoingMessage
        fields = [
            "id",
            "client",
            "client_name",
            "kind",
            "channel",
            "due_at",
            "status",
            "attempts",
            "sent_at",
            "smtp_message_id",
            "last_error",
            "cancelled_reason",
            "appointment_id",
            "session_id",
        ]
        read_only_fields = fields


class MessageFilterSerializer(serializers.Serializer):
    """The outbox's query parameters; a bad value is a 400 naming the parameter."""

    status = serializers.ChoiceField(choices=OutgoingMessage.Status.choices, required=False)
    client = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    kind = serializers.CharField(max_length=64, required=False)
