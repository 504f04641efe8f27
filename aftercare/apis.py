"""Aftercare API: a session's aftercare schedule."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from aftercare import selectors
from aftercare.serializers import AftercareScheduleSerializer
from clinic.messaging.models import OutgoingMessage
from clinic.models import Membership
from common.audit import audit_record
from common.typing import StaffRequest


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
        data = {
            "session_id": schedule.session_id,
            "template_version": schedule.template.version,
            "timezone": schedule.timezone,
            "cancelled_reason": schedule.cancelled_reason,
            "items": selectors.schedule_rows(schedule=schedule),
            "pdf_url": reverse("aftercare-session-pdf", args=[schedule.session_id]),
        }
        return Response(AftercareScheduleSerializer(data).data)
