"""API shapes for informed consent and consent-text versions."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import ObjectIdField
from treatments.consent import services as consent_services
from treatments.consent.models import Consent, ConsentText

# A 500 KB PNG in base64, with a data-URL prefix and some slack.
_SIGNATURE_MAX_CHARS = (consent_services.SIGNATURE_MAX_BYTES * 4) // 3 + 100


class ConsentRisksSerializer(serializers.Serializer):
    expected = serializers.ListField(child=serializers.CharField())
    less_common = serializers.ListField(child=serializers.CharField())
    rare = serializers.ListField(child=serializers.CharField())


class ConsentTextSerializer(serializers.ModelSerializer):
    published_by = serializers.CharField(
        source="published_by.full_name", allow_null=True, default=None
    )
    risks = ConsentRisksSerializer()

    class Meta:
        model = ConsentText
        fields = ["version", "title", "body", "risks", "published_at", "published_by"]
        read_only_fields = fields


class ConsentTextPublishSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=consent_services.TITLE_MAX)
    body = serializers.CharField(max_length=consent_services.BODY_MAX)
    risks = serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=consent_services.LABEL_MAX, allow_blank=True),
            max_length=consent_services.LABELS_PER_GROUP_MAX,
        ),
        help_text=(
            "expected / less_common / rare → list of labels. Every risk of the shipped "
            "text (DOMAIN.md §4) must stay in its group."
        ),
    )


class ConsentSignSerializer(serializers.Serializer):
    client = ObjectIdField()
    typed_name = serializers.CharField(
        max_length=200, help_text="The client's full name, typed by the client."
    )
    signature = serializers.CharField(
        max_length=_SIGNATURE_MAX_CHARS,
        help_text='The drawn signature: "data:image/png;base64,..." or plain base64 of a PNG.',
    )
    text_version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        allow_null=True,
        help_text="The consent-text version shown to the client; defaults to the current one.",
    )


class ConsentListQuerySerializer(serializers.Serializer):
    client = ObjectIdField(required=False, help_text="Only this client's consents.")


class ConsentSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.full_name")
    text_version = serializers.IntegerField(source="text.version")
    text_title = serializers.CharField(source="text.title")
    witnessed_by_name = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField()
    pdf_url = serializers.SerializerMethodField()

    class Meta:
        model = Consent
        fields = [
            "id",
            "client",
            "client_name",
            "text_version",
            "text_title",
            "typed_name",
            "signed_at",
            "witnessed_by",
            "witnessed_by_name",
            "content_hash",
            "verified",
            "current",
            "pdf_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_witnessed_by_name(self, obj: Consent) -> str:
        return obj.witnessed_by.full_name or obj.witnessed_by.email

    @extend_schema_field(
        serializers.BooleanField(help_text="The stored hash matches the record and its text.")
    )
    def get_verified(self, obj: Consent) -> bool:
        return consent_services.consent_verify(consent=obj)

    @extend_schema_field(
        serializers.BooleanField(help_text="Signed to the clinic's current consent text.")
    )
    def get_current(self, obj: Consent) -> bool:
        current_version = self.context.get("current_version")
        return current_version is not None and obj.text.version == current_version

    @extend_schema_field(serializers.CharField())
    def get_pdf_url(self, obj: Consent) -> str:
        url = reverse("api-consent-pdf", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url
