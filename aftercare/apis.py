"""Aftercare API: a session's aftercare schedule, its PDF, and cancelling it."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare import selectors
from aftercare.models import AftercareSchedule
from aftercare.schedules import aftercare_cancel
from aftercare.serializers import AftercareCancelSerializer, AftercareScheduleSerializer
from aftercare.views import pdf_response
from clinic.messaging.models import OutgoingMessage
from clinic.models import Membership
from clinic.permissions import allows
from clinic.roles import Ability
from common.audit import audit_record
from common.negotiation import FirstRendererNegotiation
from common.typing import StaffRequest


def schedule_data(schedule: AftercareSchedule, request: Request) -> dict[str, Any]:
    """The schedule as the API shows it; ``pdf_url`` is the token-authenticated PDF."""
    return AftercareScheduleSerializer(
        {
            "session_id": schedule.session_id,
            "template_version": schedule.template.version,
            "timezone": schedule.timezone,
            "cancelled_at": schedule.cancelled_at,
            "cancelled_reason": schedule.cancelled_reason,
            "items": selectors.schedule_rows(schedule=schedule),
            "pdf_url": request.build_absolute_uri(
                reverse("api-session-aftercare-pdf", args=[schedule.session_id])
            ),
        }
    ).data


@extend_schema(tags=["aftercare"])
class SessionAftercareApi(GenericAPIView):
    """A signed session's aftercare: every moment of the timeline and its e-mail's status."""

    serializer_class = AftercareScheduleSerializer
    queryset = OutgoingMessage.objects.none()

    @extend_schema(responses={200: AftercareScheduleSerializer})
    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        schedule = selectors.schedule_for_session(clinic=request.membership.clinic, session_id=pk)
        audit_record(
            actor=request.user,
            action="read",
            object_type="aftercare_schedule",
            object_id=schedule.pk,
            clinic_id=schedule.clinic_id,
            client_id=schedule.client_id,
        )
        return Response(schedule_data(schedule, request))


@extend_schema(tags=["aftercare"])
class SessionAftercarePdfApi(APIView):
    """The session's personalised aftercare PDF (an audited export of health data)."""

    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The aftercare PDF, as an attachment."
            )
        }
    )
    def get(self, request: StaffRequest[Membership], pk: int) -> HttpResponse:
        schedule = selectors.schedule_for_session(clinic=request.membership.clinic, session_id=pk)
        response = pdf_response(schedule)
        audit_record(
            actor=request.user,
            action="export",
            object_type="aftercare_pdf",
            object_id=schedule.pk,
            clinic_id=schedule.clinic_id,
            client_id=schedule.client_id,
        )
        return response


@extend_schema(tags=["aftercare"])
class SessionAftercareCancelApi(GenericAPIView):
    """Stop a signed session's pending aftercare e-mails, with a reason (practitioner or
    manager). Answers the schedule as it now stands."""

    serializer_class = AftercareCancelSerializer
    permission_classes = [allows(Ability.CANCEL_AFTERCARE)]
    queryset = OutgoingMessage.objects.none()

    @extend_schema(request=AftercareCancelSerializer, responses={200: AftercareScheduleSerializer})
    def post(self, request: StaffRequest[Membership], pk: int) -> Response:
        schedule = selectors.schedule_for_session(clinic=request.membership.clinic, session_id=pk)
        body = AftercareCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cancelled = aftercare_cancel(
            schedule=schedule, actor=request.user, reason=body.validated_data["reason"]
        )
        return Response(schedule_data(cancelled, request))
