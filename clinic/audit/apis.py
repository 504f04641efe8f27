"""``GET /api/audit/``: the clinic's audit trail, managers only (decision 0010)."""

from __future__ import annotations

from django.http import HttpResponseBase, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from clinic.audit import selectors, services
from clinic.audit.filters import AuditFilterForm
from clinic.audit.serializers import AuditEventSerializer, AuditQuerySerializer
from clinic.models import Membership
from clinic.permissions import allows
from clinic.roles import Ability
from common.errors import ApplicationError
from common.models import AuditEvent
from common.negotiation import CSVRenderer
from common.pagination import page_of, page_total
from common.typing import StaffRequest


@extend_schema(
    tags=["audit"],
    parameters=[AuditQuerySerializer],
    responses={
        (200, "application/json"): AuditEventSerializer(many=True),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="A CSV download."),
    },
)
class AuditEventListApi(GenericAPIView):
    """The clinic's audit events, newest first; ``?format=csv`` downloads every match."""

    serializer_class = AuditEventSerializer
    permission_classes = [allows(Ability.READ_AUDIT)]
    queryset = AuditEvent.objects.none()
    renderer_classes = [JSONRenderer, CSVRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are always JSON, even when the client asked for CSV.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def get(self, request: StaffRequest[Membership]) -> HttpResponseBase:
        clinic = request.membership.clinic
        form = AuditFilterForm(request.query_params, clinic=clinic)
        if not form.is_valid():
            raise ApplicationError(
                "The filters are not valid.",
                fields={name: [str(m) for m in messages] for name, messages in form.errors.items()},
            )
        events = form.filter(selectors.clinic_events(clinic=clinic))
        if getattr(request.accepted_renderer, "format", "") == "csv":
            services.audit_trail_read(
                clinic=clinic,
                actor=request.user,
                filters=form.applied(),
                count=events.count(),
                export=True,
            )
            response = StreamingHttpResponse(
                selectors.audit_csv_lines(clinic=clinic, events=events),
                content_type="text/csv; charset=utf-8",
            )
            stamp = clinic.local_today().isoformat()
            response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
            response["Cache-Control"] = "private, no-store"
            return response
        page = page_of(self, events)
        services.audit_trail_read(
            clinic=clinic, actor=request.user, filters=form.applied(), count=page_total(self)
        )
        names = selectors.client_names(
            clinic=clinic, client_ids=(event.client_id for event in page)
        )
        data = AuditEventSerializer(page, many=True, context={"client_names": names}).data
        return self.get_paginated_response(data)
