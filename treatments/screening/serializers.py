"""API shapes for screening."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import BoundedDateField, ObjectIdField
from treatments.screening.models import Outcome, RuleSet, Screening
from treatments.screening.selectors import screening_valid_until


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # DRF takes declared fields off the class


class QuestionSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()
    help = serializers.CharField(allow_blank=True)
    type = serializers.ChoiceField(choices=["boolean", "date", "choice"])
    choices = ChoiceSerializer(many=True)
    group = serializers.CharField()
    past_date = serializers.BooleanField(
        help_text="A date answer that must not be in the future (last dose, last use)."
    )


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.ChoiceField(choices=["note", "caution", "defer", "contraindicated"])
    eligible_from = serializers.DateField(allow_null=True)
    explanation = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField())


class EvaluationSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    eligible_from = serializers.DateField(allow_null=True)
    rule_set_version = serializers.IntegerField()
    missing = serializers.ListField(child=serializers.CharField())
    findings = FindingSerializer(many=True)


class AnswersField(serializers.DictField):
    """``{question code: answer}``; answers are validated against the rule set."""

    child = serializers.JSONField(allow_null=True)


class ScreeningInputSerializer(serializers.Serializer):
    planned_date = BoundedDateField()
    answers = AnswersField()


class EvaluateInputSerializer(ScreeningInputSerializer):
    client = ObjectIdField()


class ReviewSerializer(serializers.Serializer):
    reviewed_by = serializers.CharField(source="reviewed_by.full_name")
    reviewed_at = serializers.DateTimeField()
    note = serializers.CharField()


class ReviewInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000)


class ConfirmationSerializer(serializers.Serializer):
    confirmed_by = serializers.CharField(source="confirmed_by.full_name")
    confirmed_at = serializers.DateTimeField()
    note = serializers.CharField()


class ConfirmInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ScreeningSerializer(serializers.ModelSerializer):
    rule_set_version = serializers.IntegerField(source="rule_set.version")
    taken_by = serializers.CharField(source="taken_by.full_name", allow_null=True, default=None)
    findings = FindingSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField())
    answers = serializers.DictField(child=serializers.JSONField(allow_null=True))
    review = serializers.SerializerMethodField()
    confirmation = serializers.SerializerMethodField()
    valid_until = serializers.SerializerMethodField()

    class Meta:
        model = Screening
        fields = [
            "id",
            "client",
            "planned_date",
            "taken_at",
            "taken_on",
            "taken_by",
            "valid_until",
            "rule_set_version",
            "answers",
            "outcome",
            "eligible_from",
            "missing",
            "findings",
            "review",
            "source",
            "confirmation",
        ]
        read_only_fields = fields

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, obj: Screening) -> dict | None:
        review = getattr(obj, "review", None)
        return ReviewSerializer(review).data if review else None

    @extend_schema_field(ConfirmationSerializer(allow_null=True))
    def get_confirmation(self, obj: Screening) -> dict | None:
        confirmation = getattr(obj, "confirmation", None)
        return ConfirmationSerializer(confirmation).data if confirmation else None

    @extend_schema_field(serializers.DateField())
    def get_valid_until(self, obj: Screening) -> date:
        return screening_valid_until(obj)


class RuleSetSerializer(serializers.ModelSerializer):
    published_by = serializers.CharField(
        source="published_by.full_name", allow_null=True, default=None
    )

    class Meta:
        model = RuleSet
        fields = ["version", "note", "published_at", "published_by", "data"]
        read_only_fields = fields


class RuleSetPublishSerializer(serializers.Serializer):
    data = serializers.DictField(  # type: ignore[assignment]  # DRF takes declared fields off the class
        help_text="Questions, rules and sources, as GET returns them."
    )
    note = serializers.CharField(max_length=500)


class EligibilitySerializer(serializers.Serializer):
    on_date = serializers.DateField()
    allowed = serializers.BooleanField()
    needs_review = serializers.BooleanField()
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_null=True)
    eligible_from = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    screening = serializers.IntegerField(allow_null=True)
    rule_set_version = serializers.IntegerField(allow_null=True)
    findings = FindingSerializer(many=True)
