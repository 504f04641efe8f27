"""API shapes for a session's aftercare schedule."""

from __future__ import annotations

from rest_framework import serializers

from aftercare.selectors import TimelineRow
from clinic.messaging.models import OutgoingMessage


class AftercareItemSerializer(serializers.Serializer):
    """One moment of a session's aftercare timeline and what became of its e-mail."""

    code = serializers.CharField(source="entry.code")
    kind = serializers.CharField(source="entry.item.kind")
    label = serializers.CharField(source="entry.item.label")  # type: ignore[assignment]  # DRF takes declared fields off the class
    text = serializers.CharField(source="entry.item.text")
    optional = serializers.BooleanField(source="entry.item.optional")
    due_at = serializers.DateTimeField(source="entry.due_at")
    due_local = serializers.SerializerMethodField(help_text="In the client's time zone.")
    status = serializers.ChoiceField(
        choices=[*OutgoingMessage.Status.values, "not_emailed"],
        help_text="The e-mail's status; not_emailed for moments shown but not e-mailed.",
    )
    channel = serializers.CharField(allow_null=True)
    message_id = serializers.IntegerField(source="message.pk", allow_null=True, default=None)
    sent_at = serializers.DateTimeField(source="message.sent_at", allow_null=True, default=None)
    attempts = serializers.IntegerField(source="message.attempts", default=0)
    last_error = serializers.CharField(source="message.last_error", default="")
    cancelled_reason = serializers.CharField(source="message.cancelled_reason", default="")

    def get_due_local(self, row: TimelineRow) -> str:
        return row.entry.local.isoformat()


class AftercareScheduleSerializer(serializers.Serializer):
    session_id = serializers.IntegerField()
    template_version = serializers.IntegerField()
    timezone = serializers.CharField()
    cancelled_at = serializers.DateTimeField(allow_null=True)
    cancelled_reason = serializers.CharField(allow_blank=True)
    items = AftercareItemSerializer(many=True)
    pdf_url = serializers.CharField(
        help_text="GET /api/sessions/{id}/aftercare/pdf/: the PDF, with the API's authentication."
    )


class AftercareCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=255, help_text="Why no further aftercare e-mails go out (required)."
    )
