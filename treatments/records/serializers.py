"""API shapes for treatment session records, amendments, photos and recalls."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import BoundedDateField, BoundedDateTimeField, ObjectIdField
from treatments.plans import protocols
from treatments.plans.defaults import ADVERSE_EVENT_CHOICES
from treatments.records.limits import field_limits
from treatments.records.models import (
    SessionAmendment,
    SessionArea,
    SessionPhoto,
    SessionProduct,
    SessionStatus,
    TreatmentSession,
)
from treatments.records.selectors import (
    LotTraceHit,
    session_plan_progress,
    session_previous,
    trace_date,
)

# --- output --------------------------------------------------------------------------


class SessionAreaSerializer(serializers.ModelSerializer):
    depth_mm = serializers.DecimalField(max_digits=3, decimal_places=2)
    limit_mm = serializers.DecimalField(max_digits=3, decimal_places=2)

    class Meta:
        model = SessionArea
        fields = ["area", "skin", "depth_mm", "passes", "limit_mm", "justification"]
        read_only_fields = fields


class SessionProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = SessionProduct
        fields = ["product", "lot", "timing", "is_vitamin_c"]
        read_only_fields = fields


class SessionPhotoSerializer(serializers.ModelSerializer):
    # Plain text, not an enum: the upload's ``kind`` is the one documented choice set.
    kind = serializers.CharField(help_text="before or after")
    url = serializers.SerializerMethodField()
    uploaded_by = serializers.CharField(
        source="uploaded_by.full_name", allow_null=True, default=None
    )

    class Meta:
        model = SessionPhoto
        fields = ["id", "kind", "url", "content_type", "caption", "uploaded_at", "uploaded_by"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_url(self, obj: SessionPhoto) -> str:
        return reverse("api-session-photo-file", args=[obj.session_id, obj.pk])


def _changes_field() -> serializers.DictField:
    """``{field: {"from": old, "to": new}}``."""
    return serializers.DictField(
        child=serializers.DictField(child=serializers.JSONField(allow_null=True)),
        help_text='Field name to {"from": old value, "to": new value}.',
    )


class SessionAmendmentSerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id")
    author_name = serializers.CharField(source="author.full_name")
    changes = _changes_field()

    class Meta:
        model = SessionAmendment
        fields = ["id", "author", "author_name", "created_at", "reason", "note", "changes"]
        read_only_fields = fields


class SessionSerializer(serializers.ModelSerializer):
    client_name = serializers.CharField(source="client.full_name")
    practitioner_name = serializers.CharField(source="practitioner.display_name")
    treatment_plan = serializers.IntegerField(source="plan_id")
    plan_progress = serializers.SerializerMethodField()
    previous = serializers.SerializerMethodField()
    signed_by_name = serializers.CharField(
        source="signed_by.full_name", allow_null=True, default=None
    )
    adverse_events = serializers.ListField(child=serializers.CharField())
    areas = SessionAreaSerializer(many=True)
    products = SessionProductSerializer(many=True)
    photos = SessionPhotoSerializer(many=True)
    amendments = SessionAmendmentSerializer(many=True)

    class Meta:
        model = TreatmentSession
        fields = [
            "id",
            "status",
            "client",
            "client_name",
            "treatment_plan",
            "plan_progress",
            "appointment",
            "practitioner",
            "practitioner_name",
            "previous",
            "screening",
            "screening_reconfirmed_at",
            "consent",
            "device",
            "device_serial",
            "cartridge",
            "cartridge_lot",
            "needle_count",
            "endpoint_reached",
            "anaesthetic_product",
            "anaesthetic_lot",
            "anaesthetic_applied_at",
            "anaesthetic_removed_at",
            "anaesthetic_area",
            "adverse_events",
            "adverse_events_note",
            "pain_score",
            "glogau",
            "goodman_baron",
            "gais",
            "notes",
            "started_at",
            "ended_at",
            "signed_at",
            "signed_by",
            "signed_by_name",
            "areas",
            "products",
            "photos",
            "amendments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField())
    def get_plan_progress(self, obj: TreatmentSession) -> str:
        return session_plan_progress(session=obj)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_previous(self, obj: TreatmentSession) -> int | None:
        if hasattr(obj, "previous_id"):
            return obj.previous_id

        previous = session_previous(session=obj)
        return previous.pk if previous else None


class StartBlockerSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[
            "appointment_not_treatment",
            "appointment_not_active",
            "appointment_not_today",
            "already_started",
            "plan_missing",
            "screening_missing",
            "screening_blocks_treatment",
            "screening_not_confirmed_today",
            "screening_review_missing",
            "consent_missing",
            "consent_outdated",
        ]
    )
    detail = serializers.CharField()
    action = serializers.CharField(allow_blank=True)
    findings = serializers.ListField(child=serializers.DictField(), required=False)


class StartCheckSerializer(serializers.Serializer):
    can_start = serializers.BooleanField()
    missing = StartBlockerSerializer(many=True)


class HistoryEventSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["started", "signed", "amended"])
    at = serializers.DateTimeField()
    by = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    changes = _changes_field()
    amendment = serializers.IntegerField(allow_null=True)


class LotUseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["cartridge", "anaesthetic", "product", "device"],
        help_text="What in the session carried the lot (or the serial).",
    )
    product = serializers.CharField(allow_blank=True)
    lot = serializers.CharField(help_text="The lot (or serial) as recorded.")


class RecallClientSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RecallRowSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    client = RecallClientSerializer()
    date = serializers.DateField()
    practitioner = serializers.CharField()
    device_serial = serializers.CharField(allow_blank=True)
    cartridge_lot = serializers.CharField(allow_blank=True)
    # Plain text, not an enum: the session's ``status`` is the one documented choice set.
    status = serializers.CharField(help_text="in_progress or signed")
    amended = serializers.BooleanField(
        help_text="Matched because an amendment changed the value away from the one searched."
    )
    used = LotUseSerializer(
        many=True,
        help_text="Where the session used the lot now: the cartridge, the topical "
        "anaesthetic, a serum or product (empty when matched only through an amendment).",
    )

    @staticmethod
    def row(hit: LotTraceHit) -> dict[str, Any]:
        s = hit.session
        return {
            "session": s.pk,
            "client": {"id": s.client_id, "name": s.client.full_name},
            "date": trace_date(s),
            "practitioner": s.practitioner.display_name,
            "device_serial": s.device_serial,
            "cartridge_lot": s.cartridge_lot,
            "status": s.status,
            "amended": hit.amended,
            "used": [{"kind": u.kind, "product": u.product, "lot": u.lot} for u in hit.uses],
        }


# --- input ---------------------------------------------------------------------------


class SessionListQuerySerializer(serializers.Serializer):
    client = ObjectIdField(required=False)
    plan = ObjectIdField(required=False)
    status = serializers.ChoiceField(choices=SessionStatus.choices, required=False)
    date = BoundedDateField(required=False, help_text="Clinic-local day the session started.")


class SessionStartSerializer(serializers.Serializer):
    appointment = ObjectIdField()
    treatment_plan = ObjectIdField(required=False, allow_null=True)
    screening_reconfirmed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The client confirmed today that an earlier screening's answers are unchanged.",
    )


class StartCheckQuerySerializer(serializers.Serializer):
    appointment = ObjectIdField()
    treatment_plan = ObjectIdField(required=False)
    screening_reconfirmed = serializers.BooleanField(required=False, default=False)


# Input limits are the model fields' own (limits.py), never restated here.


def _session(name: str) -> dict[str, Any]:
    return field_limits(TreatmentSession, name)


class SessionAreaInputSerializer(serializers.Serializer):
    area = serializers.CharField(**field_limits(SessionArea, "area"))
    skin = serializers.ChoiceField(choices=protocols.SKIN_CHOICES, default=protocols.SKIN_THIN)
    depth_mm = serializers.DecimalField(**field_limits(SessionArea, "depth_mm"))
    passes = serializers.IntegerField(**field_limits(SessionArea, "passes"))
    justification = serializers.CharField(
        required=False, allow_blank=True, default="", **field_limits(SessionArea, "justification")
    )


class SessionProductInputSerializer(serializers.Serializer):
    product = serializers.CharField(**field_limits(SessionProduct, "product"))
    lot = serializers.CharField(
        required=False, allow_blank=True, default="", **field_limits(SessionProduct, "lot")
    )
    timing = serializers.ChoiceField(choices=protocols.TIMING_CHOICES)
    is_vitamin_c = serializers.BooleanField(required=False, default=False)


class SessionFieldsSerializer(serializers.Serializer):
    """The scalar fields an update or an amendment may set (all optional)."""

    device = ObjectIdField(required=False, allow_null=True)
    cartridge = serializers.CharField(required=False, allow_blank=True, **_session("cartridge"))
    cartridge_lot = serializers.CharField(
        required=False, allow_blank=True, **_session("cartridge_lot")
    )
    needle_count = serializers.IntegerField(
        required=False, allow_null=True, **_session("needle_count")
    )
    endpoint_reached = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="An endpoint code of the plan's protocol version.",
        **_session("endpoint_reached"),
    )
    anaesthetic_product = serializers.CharField(
        required=False, allow_blank=True, **_session("anaesthetic_product")
    )
    anaesthetic_lot = serializers.CharField(
        required=False, allow_blank=True, **_session("anaesthetic_lot")
    )
    anaesthetic_applied_at = BoundedDateTimeField(required=False, allow_null=True)
    anaesthetic_removed_at = BoundedDateTimeField(required=False, allow_null=True)
    anaesthetic_area = serializers.CharField(
        required=False, allow_blank=True, **_session("anaesthetic_area")
    )
    adverse_events = serializers.ListField(
        child=serializers.ChoiceField(choices=ADVERSE_EVENT_CHOICES), required=False
    )
    adverse_events_note = serializers.CharField(
        required=False, allow_blank=True, **_session("adverse_events_note")
    )
    pain_score = serializers.IntegerField(required=False, allow_null=True, **_session("pain_score"))
    glogau = serializers.IntegerField(required=False, allow_null=True, **_session("glogau"))
    goodman_baron = serializers.IntegerField(
        required=False, allow_null=True, **_session("goodman_baron")
    )
    gais = serializers.IntegerField(required=False, allow_null=True, **_session("gais"))
    notes = serializers.CharField(required=False, allow_blank=True, **_session("notes"))
    ended_at = BoundedDateTimeField(required=False, allow_null=True)


class SessionUpdateSerializer(SessionFieldsSerializer):
    areas = SessionAreaInputSerializer(many=True, required=False)
    products = SessionProductInputSerializer(many=True, required=False)


class AmendmentInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000)
    note = serializers.CharField(max_length=10000, required=False, allow_blank=True, default="")
    changes = SessionFieldsSerializer(required=False, default=dict)


class PhotoUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SessionPhoto.Kind.choices)
    image = serializers.FileField(help_text="JPEG, PNG or WebP, at most 10 MB.")


class RecallQuerySerializer(serializers.Serializer):
    lot = serializers.CharField(
        required=False,
        allow_blank=False,
        help_text="Any recorded lot: cartridge, topical anaesthetic, serum or product.",
        **_session("cartridge_lot"),
    )
    device_serial = serializers.CharField(
        required=False, allow_blank=False, **_session("device_serial")
    )
    format = serializers.ChoiceField(
        choices=["json", "csv"], required=False, help_text="csv: a CSV download."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("lot")) == bool(attrs.get("device_serial")):
            raise serializers.ValidationError(
                {"lot": ["Give exactly one of ?lot= or ?device_serial=."]}
            )
        return attrs
