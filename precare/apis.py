"""Preparation API: an appointment's preparation schedule."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.booking.models import AppointmentKind
from clinic.booking.selectors import appointment_get
from clinic.messaging.links import BadLink
from clinic.messaging.models import OutgoingMessage
from clinic.messaging.views import private_response, refuse_link
from clinic.models import Membership
from common.audit import audit_record
from common.errors import Conflict
from common.typing import StaffRequest
from precare import readiness, selectors
from precare.content import preparation_for
from precare.models import ReadinessLink
from precare.serializers import (
    PortalReadinessInputSerializer,
    PortalReadinessSerializer,
    PrecareScheduleSerializer,
    ReadinessAnsweredSerializer,
    ReadinessLinkSerializer,
    ReadinessSerializer,
)
from treatments.screening.services import rule_set_current


@extend_schema(tags=["precare"])
class AppointmentPrecareApi(GenericAPIView):
    """A treatment appointment's preparation: every moment and its e-mail's status."""

    serializer_class = PrecareScheduleSerializer
    queryset = OutgoingMessage.objects.none()

    @extend_schema(responses={200: PrecareScheduleSerializer})
    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        appointment, schedule = selectors.precare_for_appointment(
            clinic=request.membership.clinic, appointment_id=pk
        )
        audit_record(
            actor=request.user,
            action="read",
            object_type="precare_schedule",
            object_id=schedule.pk if schedule is not None else appointment.pk,
            clinic_id=appointment.clinic_id,
            client_id=appointment.client_id,
        )
        data: dict[str, Any] = {
            "appointment_id": appointment.pk,
            "timezone": None,
            "template_version": None,
            "rule_set_version": None,
            "cancelled_reason": "",
            "dated": [],
            "items": [],
            "pdf_url": None,
        }
        if schedule is not None:
            preparation = preparation_for(schedule)
            data.update(
                timezone=schedule.timezone,
                template_version=schedule.template.version,
                rule_set_version=preparation.rule_set_version,
                cancelled_reason=schedule.cancelled_reason,
                dated=[
                    {**item.__dict__, "text": item.sentence(on=preparation.planned_on)}
                    for item in preparation.dated
                ],
                items=selectors.precare_rows(schedule=schedule),
                pdf_url=reverse("precare-appointment-pdf", args=[appointment.pk]),
            )
        return Response(PrecareScheduleSerializer(data).data)


# --- the readiness check (decision 0018) ------------------------------------------------


def _portal_link(request: HttpRequest, token: str) -> ReadinessLink:
    """The link a token opens, or 404 with the attempt audited as denied."""
    try:
        return readiness.link_from_token(token)
    except BadLink as error:
        refuse_link(request, "readiness_link", error, getattr(error, "link_id", ""))


def portal_readiness_data(link: ReadinessLink) -> dict[str, Any]:
    appointment = link.appointment
    rule_set = rule_set_current(clinic=link.clinic)
    last = readiness.last_screening(appointment)
    return {
        "client_first_name": link.client.first_name,
        "appointment": {
            "start": appointment.start,
            "clinic": link.clinic.name,
            "clinic_phone": link.clinic.phone,
        },
        "rule_set_version": rule_set.version,
        "questions": rule_set.data["questions"],
        "answers": dict(last.answers) if last is not None else {},
        "readiness": readiness.readiness_of(appointment).to_dict(),
    }


@extend_schema(tags=["portal"], auth=[])
class PortalReadinessApi(APIView):
    """The client's readiness check (no login: the signed link is the permission)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: PortalReadinessSerializer})
    def get(self, request: Request, token: str) -> Response:
        link = _portal_link(request, token)
        readiness.readiness_viewed(link=link)
        response = Response(PortalReadinessSerializer(portal_readiness_data(link)).data)
        private_response(response)
        return response

    @extend_schema(
        request=PortalReadinessInputSerializer, responses={200: ReadinessAnsweredSerializer}
    )
    def post(self, request: Request, token: str) -> Response:
        link = _portal_link(request, token)
        data = PortalReadinessInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answered = readiness.readiness_respond(
            link=link,
            unchanged=data.validated_data["unchanged"],
            raw_answers=data.validated_data.get("answers"),
        )
        response = Response({**answered.readiness.to_dict(), "message": answered.message})
        private_response(response)
        return response


@extend_schema(tags=["precare"])
class AppointmentReadinessLinkApi(APIView):
    """Staff: the client's readiness page (the link the 48-hour e-mail carries)."""

    @extend_schema(request=None, responses={200: ReadinessLinkSerializer})
    def post(self, request: StaffRequest[Membership], pk: int) -> Response:
        appointment = appointment_get(clinic=request.membership.clinic, appointment_id=pk)
        if appointment.kind != AppointmentKind.TREATMENT:
            raise Conflict(
                "Only a treatment has a readiness check.", code="readiness_not_applicable"
            )
        if appointment.status not in readiness.ACTIVE or appointment.start <= timezone.now():
            raise Conflict(
                "The appointment is no longer ahead; its readiness check is closed.",
                code="readiness_closed",
            )
        link = readiness.readiness_link_for(appointment)
        audit_record(
            actor=request.user,
            action="create",
            object_type="readiness_link",
            object_id=link.pk,
            clinic_id=appointment.clinic_id,
            client_id=appointment.client_id,
        )
        return Response({"url": readiness.page_url_for(link)})


@extend_schema(tags=["precare"])
class AppointmentReadinessApi(APIView):
    """Staff: where the appointment's readiness check stands."""

    @extend_schema(responses={200: ReadinessSerializer})
    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        appointment = appointment_get(clinic=request.membership.clinic, appointment_id=pk)
        audit_record(
            actor=request.user,
            action="read",
            object_type="appointment_readiness",
            object_id=appointment.pk,
            clinic_id=appointment.clinic_id,
            client_id=appointment.client_id,
        )
        return Response(readiness.readiness_of(appointment).to_dict())
