from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clinic.audit.filters import FILTER_NAMES
from common.models import AuditEvent


class AuditEventSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    client = serializers.IntegerField(source="client_id", allow_null=True)
    client_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor",
            "actor_email",
            "action",
            "outcome",
            "object_type",
            "object_id",
            "client",
            "client_name",
            "channel",
            "ip_address",
            "path",
            "detail",
        ]
        read_only_fields = fields

    def get_client_name(self, event: AuditEvent) -> str:
        names: dict[int, str] = self.context.get("client_names", {})
        return names.get(event.client_id, "") if event.client_id is not None else ""


class AuditQuerySerializer(serializers.Serializer[dict[str, Any]]):
    """The filters, for the schema only; the filter form checks them (page and API alike)."""

    client = serializers.IntegerField(required=False, help_text="A client of this clinic (id).")
    actor = serializers.IntegerField(
        required=False, help_text="A staff member (user id) of this clinic."
    )
    action = serializers.ChoiceField(required=False, choices=AuditEvent.Action.choices)
    object_type = serializers.CharField(required=False)
    outcome = serializers.ChoiceField(required=False, choices=AuditEvent.Outcome.choices)
    date_from = serializers.DateField(required=False, help_text="First day (clinic's calendar).")
    date_to = serializers.DateField(required=False, help_text="Last day (clinic's calendar).")
    format = serializers.ChoiceField(required=False, choices=["json", "csv"])


assert set(FILTER_NAMES) <= set(AuditQuerySerializer().fields)
