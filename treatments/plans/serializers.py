"""API shapes for protocols and treatment plans."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clinic.models import SkinConcern
from common.fields import ObjectIdField
from treatments.plans import protocols
from treatments.plans.models import PlanStatus, ProtocolSet, TreatmentPlan
from treatments.plans.protocols import MAX_INTERVAL_DAYS, MAX_SESSIONS
from treatments.plans.selectors import PlanProgress, plan_progress


# Output-only inline enums: as ChoiceFields they would collide with the clients' skin-concern
# enum and the PATCH body's status enum (drf-spectacular W001, which `check --deploy` fails on).
# An ENUM_NAME_OVERRIDES entry in settings would be the tidier fix.
@extend_schema_field({"type": "string", "enum": PlanStatus.values})
class PlanStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=PlanStatus.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": SkinConcern.values, "description": "An indication code."}
)
class IndicationField(serializers.CharField):
    pass


def _mm() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=3, decimal_places=2, coerce_to_string=True)


class AreaLimitSerializer(serializers.Serializer):
    area = serializers.CharField(help_text="Area code of the protocol version.")
    label = serializers.CharField()  # type: ignore[assignment]  # DRF takes declared fields off the class
    thin_max_mm = _mm()
    thick_max_mm = _mm()
    limit_thin_mm = serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        help_text="Deepest a session of this indication may go here on thin skin without a "
        "justification: the smaller of the indication's and the area's maximum.",
    )
    limit_thick_mm = serializers.DecimalField(
        max_digits=3, decimal_places=2, help_text="The same for thick skin."
    )
    note = serializers.CharField(allow_blank=True)


class ProgressSerializer(serializers.Serializer):
    completed = serializers.IntegerField(help_text="Signed sessions of the course.")
    planned = serializers.IntegerField()
    label = serializers.CharField(help_text='E.g. "Session 2 of 4".')  # type: ignore[assignment]  # DRF takes declared fields off the class
    next_number = serializers.IntegerField(allow_null=True)
    last_session_on = serializers.DateField(allow_null=True)
    is_complete = serializers.BooleanField()


def _limits(engine: protocols.Protocols, indication: str, areas: list[str]) -> list[dict]:
    return [
        AreaLimitSerializer(engine.area_limit(indication=indication, area=area)).data
        for area in areas
        if area in engine.areas and indication in engine.indications
    ]


class _EngineMixin:
    """One parsed protocol version per serializer, however many plans share it."""

    def engine_for(self, protocol_set: ProtocolSet) -> protocols.Protocols:
        cache: dict[int, protocols.Protocols] = self.__dict__.setdefault("_engines", {})
        if protocol_set.pk not in cache:
            cache[protocol_set.pk] = protocol_set.engine()
        return cache[protocol_set.pk]


class TreatmentPlanSerializer(_EngineMixin, serializers.ModelSerializer):
    indication = IndicationField(read_only=True)
    status = PlanStatusField(read_only=True)
    client_name = serializers.CharField(source="client.full_name", read_only=True)
    indication_label = serializers.CharField(source="get_indication_display", read_only=True)
    areas = serializers.ListField(child=serializers.CharField())
    area_limits = serializers.SerializerMethodField()
    pih_note = serializers.SerializerMethodField()
    protocol_version = serializers.IntegerField(source="protocol_set.version", read_only=True)
    progress = serializers.SerializerMethodField()
    next_due = serializers.SerializerMethodField()

    class Meta:
        model = TreatmentPlan
        fields = [
            "id",
            "client",
            "client_name",
            "indication",
            "indication_label",
            "areas",
            "area_limits",
            "planned_sessions",
            "interval_days",
            "depth_min_mm",
            "depth_max_mm",
            "pih_risk",
            "pih_note",
            "status",
            "notes",
            "protocol_version",
            "progress",
            "next_due",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _progress(self, obj: TreatmentPlan) -> PlanProgress:
        cache = self.__dict__.setdefault("_progress_cache", {})
        if obj.pk not in cache:
            cache[obj.pk] = plan_progress(plan=obj)
        return cache[obj.pk]

    @extend_schema_field(AreaLimitSerializer(many=True))
    def get_area_limits(self, obj: TreatmentPlan) -> list[dict[str, Any]]:
        return _limits(self.engine_for(obj.protocol_set), obj.indication, obj.areas)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pih_note(self, obj: TreatmentPlan) -> str | None:
        return self.engine_for(obj.protocol_set).pih_text if obj.pih_risk else None

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj: TreatmentPlan) -> dict[str, Any]:
        return ProgressSerializer(self._progress(obj)).data

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_next_due(self, obj: TreatmentPlan) -> str | None:
        due = self._progress(obj).next_due
        return due.isoformat() if due else None


class PlanCreateSerializer(serializers.Serializer):
    client = ObjectIdField()
    indication = serializers.CharField(max_length=40, help_text="An indication code.")
    areas = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=50, help_text="Area codes."
    )
    planned_sessions = serializers.IntegerField(min_value=1, max_value=MAX_SESSIONS)
    interval_days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INTERVAL_DAYS,
        help_text="At least the protocol's minimum interval for the indication.",
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class PlanUpdateSerializer(serializers.Serializer):
    areas = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=50, required=False
    )
    planned_sessions = serializers.IntegerField(min_value=1, max_value=MAX_SESSIONS, required=False)
    interval_days = serializers.IntegerField(
        min_value=1, max_value=MAX_INTERVAL_DAYS, required=False
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    status = serializers.ChoiceField(choices=PlanStatus.choices, required=False)


class PlanListQuerySerializer(serializers.Serializer):
    client = ObjectIdField(required=False)
    status = PlanStatusField(required=False)


class ProposalQuerySerializer(serializers.Serializer):
    client = ObjectIdField()


class ProposalSerializer(serializers.Serializer):
    indication = serializers.CharField()
    indication_label = serializers.CharField()
    areas = serializers.ListField(child=serializers.CharField())
    area_limits = AreaLimitSerializer(many=True)
    planned_sessions = serializers.IntegerField()
    sessions_min = serializers.IntegerField()
    sessions_max = serializers.IntegerField()
    interval_days = serializers.IntegerField(help_text="Also the minimum a plan may use.")
    depth_min_mm = _mm()
    depth_max_mm = _mm()
    endpoint = serializers.ListField(child=serializers.CharField())
    pih_risk = serializers.BooleanField()
    pih_note = serializers.CharField(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())
    sources = serializers.ListField(child=serializers.CharField())


def proposal_data(engine: protocols.Protocols, proposal: protocols.PlanProposal) -> dict:
    return {
        "indication": proposal.indication,
        "indication_label": engine.indications[proposal.indication].label,
        "areas": proposal.areas,
        "area_limits": [
            engine.area_limit(indication=proposal.indication, area=a) for a in proposal.areas
        ],
        "planned_sessions": proposal.planned_sessions,
        "sessions_min": proposal.sessions_range[0],
        "sessions_max": proposal.sessions_range[1],
        "interval_days": proposal.interval_days,
        "depth_min_mm": proposal.depth_min_mm,
        "depth_max_mm": proposal.depth_max_mm,
        "endpoint": proposal.endpoint,
        "pih_risk": proposal.pih_risk,
        "pih_note": engine.pih_text if proposal.pih_risk else None,
        "notes": proposal.notes,
        "sources": proposal.sources,
    }


class ProposalsSerializer(serializers.Serializer):
    client = serializers.IntegerField()
    fitzpatrick_type = serializers.IntegerField(allow_null=True)
    protocol_version = serializers.IntegerField()
    proposals = ProposalSerializer(many=True)


class ProtocolSetSerializer(serializers.ModelSerializer):
    published_by = serializers.CharField(
        source="published_by.full_name", allow_null=True, default=None
    )
    data = serializers.DictField(  # type: ignore[assignment]  # DRF takes declared fields off the class
        help_text="Indications, areas, endpoints, PIH note."
    )

    class Meta:
        model = ProtocolSet
        fields = ["version", "note", "published_at", "published_by", "data"]
        read_only_fields = fields


class ProtocolQuerySerializer(serializers.Serializer):
    version = ObjectIdField(required=False, help_text="A published version; default the current.")


class ProtocolPublishSerializer(serializers.Serializer):
    data = serializers.DictField(  # type: ignore[assignment]  # DRF takes declared fields off the class
        help_text="The whole protocol document, as GET returns it."
    )
    note = serializers.CharField(max_length=500)
