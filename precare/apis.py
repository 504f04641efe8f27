"""Preparation API: an appointment's preparation schedule."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from clinic.messaging.models import OutgoingMessage
from clinic.models import Membership
from common.audit import audit_record
from common.typing import StaffRequest
from precare import selectors
from precare.content import preparation_for
from precare.serializers import PrecareScheduleSerializer


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
