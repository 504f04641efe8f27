"""Outbox API: the clinic's outgoing messages, and resending a failed one."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from clinic.messaging import selectors, services
from clinic.messaging.models import OutgoingMessage
from clinic.messaging.serializers import MessageFilterSerializer, OutgoingMessageSerializer
from clinic.models import Membership
from clinic.permissions import allows
from clinic.roles import Ability
from common.audit import audit_listed
from common.pagination import page_of, page_total
from common.typing import StaffRequest


@extend_schema(tags=["reminders"])
class MessageListApi(GenericAPIView):
    """The clinic's outgoing messages (booking confirmations, aftercare), newest due first."""

    serializer_class = OutgoingMessageSerializer
    queryset = OutgoingMessage.objects.none()  # for the schema; requests use the clinic's

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=OutgoingMessage.Status.values,
                description="Only messages in this state.",
            ),
            OpenApiParameter("client", int, description="Only messages to this client (id)."),
            OpenApiParameter("kind", str, description="Only messages of this kind."),
        ],
        responses={200: OutgoingMessageSerializer(many=True)},
    )
    def get(self, request: StaffRequest[Membership]) -> Response:
        filters = MessageFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        clinic = request.membership.clinic
        page = page_of(
            self,
            selectors.message_list(
                clinic=clinic,
                status=filters.validated_data.get("status"),
                client_id=filters.validated_data.get("client"),
                kind=filters.validated_data.get("kind"),
            ),
        )
        # Names and message kinds say who is being treated: listing them is audited.
        audit_listed(
            actor=request.user,
            object_type="outgoing_message",
            rows=page,
            clinic_id=clinic.pk,
            detail={
                "filters": sorted(filters.validated_data),
                "results": page_total(self),
            },
        )
        return self.get_paginated_response(OutgoingMessageSerializer(page, many=True).data)


@extend_schema(tags=["reminders"])
class MessageResendApi(GenericAPIView):
    """Send a failed message again: back to pending, due now, with a fresh set of attempts."""

    serializer_class = OutgoingMessageSerializer
    permission_classes = [allows(Ability.RESEND_MESSAGES)]
    queryset = OutgoingMessage.objects.none()

    @extend_schema(request=None, responses={200: OutgoingMessageSerializer})
    def post(self, request: StaffRequest[Membership], pk: int) -> Response:
        message = selectors.message_get(clinic=request.membership.clinic, message_id=pk)
        message = services.message_resend(message=message, actor=request.user)
        return Response(OutgoingMessageSerializer(message).data)
