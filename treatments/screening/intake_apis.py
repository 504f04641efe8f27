"""Online intake API (decision 0020): the client's JSON twin of the page, and the staff's
``POST /api/clients/{id}/intake-link/``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import selectors as clinic_selectors
from clinic.messaging.links import BadLink
from clinic.messaging.views import private_response, refuse_link
from clinic.models import Client, Membership
from common.typing import StaffRequest
from treatments.screening import intake
from treatments.screening.models import IntakeLink
from treatments.screening.serializers import FindingSerializer, QuestionSerializer
from treatments.screening.services import rule_set_current


class IntakeClientSerializer(serializers.ModelSerializer):
    """The details the client may correct (the model's own validators apply)."""

    class Meta:
        model = Client
        fields = list(intake.DETAIL_FIELDS)
        extra_kwargs = {name: {"required": False} for name in intake.DETAIL_FIELDS}


class PortalIntakeClinicSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField(allow_blank=True)


class PortalIntakeSerializer(serializers.Serializer):
    clinic = PortalIntakeClinicSerializer()
    client = IntakeClientSerializer()
    expires_at = serializers.DateTimeField()
    planned_date = serializers.DateField(
        help_text="The date the answers are evaluated for: today in the clinic's zone."
    )
    rule_set_version = serializers.IntegerField()
    questions = QuestionSerializer(many=True)


class PortalIntakeInputSerializer(serializers.Serializer):
    client = IntakeClientSerializer(
        required=False, help_text="Only the details that change; the rest stay as they are."
    )
    answers = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        help_text="Every question of the current rule set, by code (a 400 names the missing).",
    )


class IntakeSubmittedSerializer(serializers.Serializer):
    screening = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]  # DRF takes declared fields off the class
    outcome = serializers.CharField()
    eligible_from = serializers.DateField(allow_null=True)
    findings = FindingSerializer(many=True)
    confirmed = serializers.BooleanField(
        help_text="Always false: staff confirm the answers before a treatment booking."
    )
    message = serializers.CharField()


class IntakeLinkSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_at = serializers.DateTimeField()
    emailed = serializers.BooleanField(help_text="An e-mail with the link was queued.")
    not_emailed_reason = serializers.CharField(allow_blank=True)


def _open(request: HttpRequest, token: str) -> IntakeLink:
    try:
        return intake.link_from_token(token)
    except BadLink as error:
        refuse_link(request, "intake_link", error, getattr(error, "link_id", ""))


def portal_intake_data(link: IntakeLink) -> dict[str, Any]:
    rule_set = rule_set_current(clinic=link.clinic)
    return {
        "clinic": {"name": link.clinic.name, "phone": link.clinic.phone},
        "client": link.client,
        "expires_at": link.expires_at,
        "planned_date": link.clinic.local_today(),
        "rule_set_version": rule_set.version,
        "questions": rule_set.data["questions"],
    }


@extend_schema(tags=["portal"], auth=[])
class PortalIntakeApi(APIView):
    """A new client's online intake (no login: the signed link is the permission)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: PortalIntakeSerializer})
    def get(self, request: Request, token: str) -> Response:
        link = _open(request, token)
        intake.intake_viewed(link=link)
        response = Response(PortalIntakeSerializer(portal_intake_data(link)).data)
        private_response(response)
        return response

    @extend_schema(request=PortalIntakeInputSerializer, responses={201: IntakeSubmittedSerializer})
    def post(self, request: Request, token: str) -> Response:
        link = _open(request, token)
        data = PortalIntakeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            submitted = intake.intake_submit(
                link=link,
                details=data.validated_data.get("client") or {},
                raw_answers=data.validated_data["answers"],
            )
        except BadLink as error:  # used or revoked a moment ago
            refuse_link(request, "intake_link", error, link.pk)
        screening = submitted.screening
        body = {
            "screening": screening.pk,
            "source": screening.source,
            "outcome": screening.outcome,
            "eligible_from": screening.eligible_from,
            "findings": screening.findings,
            "confirmed": False,
            "message": submitted.message,
        }
        response = Response(IntakeSubmittedSerializer(body).data, status=status.HTTP_201_CREATED)
        private_response(response)
        return response


@extend_schema(tags=["screening"])
class ClientIntakeLinkApi(APIView):
    """Staff: a new online intake link for the client (any earlier open one stops working),
    e-mailed when the client has an address and agreed to e-mail."""

    @extend_schema(request=None, responses={200: IntakeLinkSerializer})
    def post(self, request: StaffRequest[Membership], client_id: int) -> Response:
        client = clinic_selectors.client_get(clinic=request.membership.clinic, client_id=client_id)
        sent = intake.intake_link_send(client=client, actor=request.user)
        body = {
            "url": sent.url,
            "expires_at": sent.link.expires_at,
            "emailed": sent.emailed,
            "not_emailed_reason": sent.not_emailed_reason,
        }
        return Response(IntakeLinkSerializer(body).data)
