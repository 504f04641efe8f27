"""OpenAPI: every operation documents the shared error shape for its error statuses."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import Direction, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable error code.")
    detail = serializers.CharField(help_text="A sentence for people.")
    # DRF's serializer metaclass moves declared fields out of the class, so this field
    # does not replace ``Serializer.fields``; mypy sees only the class attribute.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors: field name to messages.",
    )

    class Meta:
        ref_name = "Error"


ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `fields` names what to correct.",
    "401": "Not signed in or the token is not valid.",
    "403": "Your role does not allow this.",
    "404": "No such object in your clinic.",
}


class AutoSchema(BaseAutoSchema):
    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = dict(ERROR_DESCRIPTIONS)
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors["409"] = "Refused because of the current state (a conflict, a safety rule)."
        for code, description in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=description), code
                )
        return responses
