"""Consent API: signed consents, their PDF, and the clinic's consent-text versions."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import selectors as clinic_selectors
from clinic.models import Membership
from clinic.permissions import allows
from clinic.roles import Ability
from common.audit import audit_listed
from common.negotiation import FirstRendererNegotiation
from common.pagination import page_of
from common.typing import StaffRequest
from treatments.consent import selectors, services
from treatments.consent.models import Consent, ConsentText
from treatments.consent.serializers import (
    ConsentListQuerySerializer,
    ConsentSerializer,
    ConsentSignSerializer,
    ConsentTextPublishSerializer,
    ConsentTextSerializer,
)


def _serializer_context(request: StaffRequest[Membership]) -> dict[str, Any]:
    current = selectors.consent_text_latest(clinic=request.membership.clinic)
    return {"request": request, "current_version": current.version if current else None}


@extend_schema(tags=["consent"])
class ConsentListApi(GenericAPIView):
    """Signed consents, newest first (``?client=`` for one client). POST records a consent."""

    serializer_class = ConsentSerializer
    queryset = Consent.objects.none()

    @extend_schema(
        parameters=[ConsentListQuerySerializer], responses={200: ConsentSerializer(many=True)}
    )
    def get(self, request: StaffRequest[Membership]) -> Response:
        query = ConsentListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        clinic = request.membership.clinic
        client = None
        if query.validated_data.get("client") is not None:
            client = clinic_selectors.client_get(
                clinic=clinic, client_id=query.validated_data["client"]
            )
        page = page_of(self, selectors.consent_list(clinic=clinic, client=client))
        audit_listed(actor=request.user, object_type="consent", rows=page, clinic_id=clinic.pk)
        return self.get_paginated_response(
            ConsentSerializer(page, many=True, context=_serializer_context(request)).data
        )

    @extend_schema(request=ConsentSignSerializer, responses={201: ConsentSerializer})
    def post(self, request: StaffRequest[Membership]) -> Response:
        data = ConsentSignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        clinic = request.membership.clinic
        client = clinic_selectors.client_get(clinic=clinic, client_id=values["client"])
        signature = services.consent_signature_decode(data=values["signature"])
        consent = services.consent_sign(
            clinic=clinic,
            actor=request.user,
            client=client,
            typed_name=values["typed_name"],
            signature_png=signature,
            text_version=values.get("text_version"),
        )
        return Response(
            ConsentSerializer(consent, context=_serializer_context(request)).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["consent"])
class ConsentDetailApi(GenericAPIView):
    """One signed consent: text version, hash, whether it still verifies, and its PDF."""

    serializer_class = ConsentSerializer
    queryset = Consent.objects.none()

    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        consent = selectors.consent_get(clinic=request.membership.clinic, pk=pk)
        services.consent_viewed(consent=consent, actor=request.user)
        return Response(ConsentSerializer(consent, context=_serializer_context(request)).data)


def consent_pdf_response(consent: Consent) -> HttpResponse:
    response = HttpResponse(services.consent_pdf(consent=consent), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="consent-{consent.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@extend_schema(tags=["consent"])
class ConsentPdfApi(APIView):
    """The signed consent as a PDF (an audited export of health data)."""

    content_negotiation_class = FirstRendererNegotiation

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The consent PDF, as an attachment."
            )
        }
    )
    def get(self, request: StaffRequest[Membership], pk: int) -> HttpResponse:
        consent = selectors.consent_get(clinic=request.membership.clinic, pk=pk)
        response = consent_pdf_response(consent)
        services.consent_viewed(consent=consent, actor=request.user, as_pdf=True)
        return response


@extend_schema(tags=["consent"])
class ConsentTextListApi(GenericAPIView):
    """The clinic's consent-text versions, current first. Managers publish a new version."""

    serializer_class = ConsentTextSerializer
    permission_classes = [allows(Ability.PUBLISH, reads_for_all=True)]
    queryset = ConsentText.objects.none()

    @extend_schema(responses={200: ConsentTextSerializer(many=True)})
    def get(self, request: StaffRequest[Membership]) -> Response:
        services.consent_text_current(clinic=request.membership.clinic)
        page = self.paginate_queryset(selectors.consent_text_list(clinic=request.membership.clinic))
        return self.get_paginated_response(ConsentTextSerializer(page, many=True).data)

    @extend_schema(request=ConsentTextPublishSerializer, responses={201: ConsentTextSerializer})
    def post(self, request: StaffRequest[Membership]) -> Response:
        data = ConsentTextPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        text = services.consent_text_publish(
            clinic=request.membership.clinic,
            actor=request.user,
            title=data.validated_data["title"],
            body=data.validated_data["body"],
            risks=data.validated_data["risks"],
        )
        return Response(ConsentTextSerializer(text).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["consent"])
class ConsentTextCurrentApi(GenericAPIView):
    """The consent text clients sign now."""

    serializer_class = ConsentTextSerializer
    queryset = ConsentText.objects.none()

    def get(self, request: StaffRequest[Membership]) -> Response:
        text = services.consent_text_current(clinic=request.membership.clinic)
        return Response(ConsentTextSerializer(text).data)
