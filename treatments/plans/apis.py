"""Protocols and treatment plans API. Thin: input serializer → service → output serializer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from clinic import selectors as clinic_selectors
from clinic.models import Membership
from clinic.permissions import allows
from clinic.roles import Ability
from common.audit import audit_listed
from common.pagination import page_of
from common.typing import StaffRequest
from treatments.plans import (
    protocol_services,
)
from treatments.plans import (
    selectors as plan_selectors,
)
from treatments.plans import (
    services as plan_services,
)
from treatments.plans.models import ProtocolSet, TreatmentPlan
from treatments.plans.serializers import (
    PlanCreateSerializer,
    PlanListQuerySerializer,
    PlanUpdateSerializer,
    ProposalQuerySerializer,
    ProposalsSerializer,
    ProtocolPublishSerializer,
    ProtocolQuerySerializer,
    ProtocolSetSerializer,
    TreatmentPlanSerializer,
    proposal_data,
)


@extend_schema(tags=["treatment plans"])
class PlanListApi(GenericAPIView):
    """The clinic's treatment plans (courses), newest first; POST plans a new course."""

    serializer_class = TreatmentPlanSerializer
    permission_classes = [allows(Ability.PLAN, reads_for_all=True)]
    queryset = TreatmentPlan.objects.none()

    @extend_schema(
        parameters=[PlanListQuerySerializer], responses={200: TreatmentPlanSerializer(many=True)}
    )
    def get(self, request: StaffRequest[Membership]) -> Response:
        query = PlanListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        clinic = request.membership.clinic
        client = None
        if "client" in query.validated_data:
            client = clinic_selectors.client_get(
                clinic=clinic, client_id=query.validated_data["client"]
            )
        plans = plan_selectors.plan_list(
            clinic=clinic, client=client, status=query.validated_data.get("status")
        )
        page = page_of(self, plans)
        audit_listed(
            actor=request.user, object_type="treatment_plan", rows=page, clinic_id=clinic.pk
        )
        return self.get_paginated_response(TreatmentPlanSerializer(page, many=True).data)

    @extend_schema(request=PlanCreateSerializer, responses={201: TreatmentPlanSerializer})
    def post(self, request: StaffRequest[Membership]) -> Response:
        data = PlanCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        clinic = request.membership.clinic
        client = clinic_selectors.client_get(clinic=clinic, client_id=values.pop("client"))
        plan = plan_services.plan_create(clinic=clinic, actor=request.user, client=client, **values)
        plan = plan_selectors.plan_get(clinic=clinic, pk=plan.pk)
        return Response(TreatmentPlanSerializer(plan).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["treatment plans"])
class PlanDetailApi(GenericAPIView):
    """One treatment plan with its progress and next due date; PATCH changes it."""

    serializer_class = TreatmentPlanSerializer
    permission_classes = [allows(Ability.PLAN, reads_for_all=True)]
    queryset = TreatmentPlan.objects.none()

    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        plan = plan_selectors.plan_get(clinic=request.membership.clinic, pk=pk)
        plan_services.plan_viewed(plan=plan, actor=request.user)
        return Response(TreatmentPlanSerializer(plan).data)

    @extend_schema(request=PlanUpdateSerializer, responses={200: TreatmentPlanSerializer})
    def patch(self, request: StaffRequest[Membership], pk: int) -> Response:
        clinic = request.membership.clinic
        plan = plan_selectors.plan_get(clinic=clinic, pk=pk)
        data = PlanUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan_services.plan_update(plan=plan, actor=request.user, data=dict(data.validated_data))
        return Response(TreatmentPlanSerializer(plan_selectors.plan_get(clinic=clinic, pk=pk)).data)


@extend_schema(tags=["treatment plans"])
class PlanProposalsApi(GenericAPIView):
    """What the current protocols propose for each of the client's skin concerns."""

    serializer_class = ProposalsSerializer
    queryset = TreatmentPlan.objects.none()
    pagination_class = None

    @extend_schema(parameters=[ProposalQuerySerializer], responses={200: ProposalsSerializer})
    def get(self, request: StaffRequest[Membership]) -> Response:
        query = ProposalQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        clinic = request.membership.clinic
        client = clinic_selectors.client_get(
            clinic=clinic, client_id=query.validated_data["client"]
        )
        protocol_set = protocol_services.protocol_set_current(clinic=clinic)
        engine = protocol_set.engine()
        proposals = plan_services.plan_proposals(client=client, protocol_set=protocol_set)
        plan_services.plan_proposals_viewed(client=client, actor=request.user)
        body = {
            "client": client.pk,
            "fitzpatrick_type": client.fitzpatrick_type,
            "protocol_version": protocol_set.version,
            "proposals": [proposal_data(engine, p) for p in proposals],
        }
        return Response(ProposalsSerializer(body).data)


@extend_schema(tags=["treatment plans"])
class ProtocolApi(GenericAPIView):
    """The clinic's current protocol version (or ``?version=``); managers publish the next."""

    serializer_class = ProtocolSetSerializer
    permission_classes = [allows(Ability.PUBLISH, reads_for_all=True)]
    queryset = ProtocolSet.objects.none()
    pagination_class = None

    @extend_schema(parameters=[ProtocolQuerySerializer], responses={200: ProtocolSetSerializer})
    def get(self, request: StaffRequest[Membership]) -> Response:
        query = ProtocolQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        clinic = request.membership.clinic
        protocol_set = protocol_services.protocol_set_current(clinic=clinic)
        if "version" in query.validated_data:
            protocol_set = plan_selectors.protocol_set_get(
                clinic=clinic, version=query.validated_data["version"]
            )
        return Response(ProtocolSetSerializer(protocol_set).data)

    @extend_schema(request=ProtocolPublishSerializer, responses={201: ProtocolSetSerializer})
    def post(self, request: StaffRequest[Membership]) -> Response:
        data = ProtocolPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        protocol_set = protocol_services.protocol_set_publish(
            clinic=request.membership.clinic,
            actor=request.user,
            data=data.validated_data["data"],
            note=data.validated_data["note"],
        )
        return Response(ProtocolSetSerializer(protocol_set).data, status=status.HTTP_201_CREATED)
