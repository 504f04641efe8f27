"""Screening API: questions, dry-run evaluation, stored screenings, reviews, rule sets."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import selectors as clinic_selectors
from clinic.models import Client, Membership
from clinic.permissions import allows
from clinic.roles import Ability
from common.audit import audit_listed
from common.errors import ApplicationError
from common.fields import EARLIEST, LATEST
from common.pagination import Pagination, page_of
from common.typing import StaffRequest
from treatments.screening import selectors, services
from treatments.screening.models import RuleSet, Screening
from treatments.screening.serializers import (
    ConfirmInputSerializer,
    EligibilitySerializer,
    EvaluateInputSerializer,
    EvaluationSerializer,
    QuestionSerializer,
    ReviewInputSerializer,
    RuleSetPublishSerializer,
    RuleSetSerializer,
    ScreeningInputSerializer,
    ScreeningSerializer,
)


class AllInOnePage(Pagination):
    """Questions come in one page: a questionnaire is never split."""

    page_size = 200


@extend_schema(tags=["screening"])
class QuestionListApi(GenericAPIView):
    """The questions of the clinic's current rule set, in intake-form order."""

    serializer_class = QuestionSerializer
    pagination_class = AllInOnePage
    queryset = RuleSet.objects.none()  # for the schema; questions come from the rule set

    @extend_schema(responses={200: QuestionSerializer(many=True)})
    def get(self, request: StaffRequest[Membership]) -> Response:
        rule_set = services.rule_set_current(clinic=request.membership.clinic)
        page = self.paginate_queryset(rule_set.data["questions"])
        response = self.get_paginated_response(QuestionSerializer(page, many=True).data)
        response.data["rule_set_version"] = rule_set.version
        return response


@extend_schema(tags=["screening"])
class EvaluateApi(APIView):
    """Dry run: evaluate answers for a client and date. Stores nothing."""

    @extend_schema(request=EvaluateInputSerializer, responses={200: EvaluationSerializer})
    def post(self, request: StaffRequest[Membership]) -> Response:
        data = EvaluateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = clinic_selectors.client_get(
            clinic=request.membership.clinic, client_id=data.validated_data["client"]
        )
        prepared = services.screening_dry_run(
            client=client,
            actor=request.user,
            planned_date=data.validated_data["planned_date"],
            raw_answers=data.validated_data["answers"],
        )
        return Response(prepared.evaluation.to_dict())


@extend_schema(tags=["screening"])
class ClientScreeningListApi(GenericAPIView):
    """A client's stored screenings, newest first; POST takes a new one."""

    serializer_class = ScreeningSerializer
    queryset = Screening.objects.none()
    request: StaffRequest[Membership]

    def _client(self) -> Client:
        return clinic_selectors.client_get(
            clinic=self.request.membership.clinic, client_id=self.kwargs["client_id"]
        )

    @extend_schema(responses={200: ScreeningSerializer(many=True)})
    def get(self, request: StaffRequest[Membership], client_id: int) -> Response:
        client = self._client()
        page = page_of(
            self, selectors.screening_list(clinic=request.membership.clinic, client=client)
        )
        audit_listed(
            actor=request.user, object_type="screening", rows=page, clinic_id=client.clinic_id
        )
        return self.get_paginated_response(ScreeningSerializer(page, many=True).data)

    @extend_schema(request=ScreeningInputSerializer, responses={201: ScreeningSerializer})
    def post(self, request: StaffRequest[Membership], client_id: int) -> Response:
        client = self._client()
        data = ScreeningInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        screening = services.screening_take(
            client=client,
            actor=request.user,
            planned_date=data.validated_data["planned_date"],
            raw_answers=data.validated_data["answers"],
        )
        return Response(ScreeningSerializer(screening).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["screening"])
class ScreeningDetailApi(GenericAPIView):
    serializer_class = ScreeningSerializer
    queryset = Screening.objects.none()

    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        screening = selectors.screening_get(clinic=request.membership.clinic, screening_id=pk)
        services.screening_viewed(screening=screening, actor=request.user)
        return Response(ScreeningSerializer(screening).data)


@extend_schema(tags=["screening"])
class ScreeningReviewApi(APIView):
    """A practitioner reviews a ``caution`` screening (who, when, note)."""

    permission_classes = [allows(Ability.REVIEW_SCREENING)]

    @extend_schema(request=ReviewInputSerializer, responses={201: ScreeningSerializer})
    def post(self, request: StaffRequest[Membership], pk: int) -> Response:
        screening = selectors.screening_get(clinic=request.membership.clinic, screening_id=pk)
        data = ReviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.screening_review(
            screening=screening,
            actor=request.user,
            role=request.membership.role,
            note=data.validated_data["note"],
        )
        screening = selectors.screening_get(clinic=request.membership.clinic, screening_id=pk)
        return Response(ScreeningSerializer(screening).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["screening"])
class ScreeningConfirmApi(APIView):
    """Staff confirm a client-submitted screening (who and when recorded)."""

    permission_classes = [allows(Ability.REVIEW_SCREENING)]

    @extend_schema(request=ConfirmInputSerializer, responses={200: ScreeningSerializer})
    def post(self, request: StaffRequest[Membership], pk: int) -> Response:
        screening = selectors.screening_get(clinic=request.membership.clinic, screening_id=pk)
        data = ConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.screening_confirm(
            screening=screening,
            actor=request.user,
            role=request.membership.role,
            note=data.validated_data.get("note", ""),
        )
        screening = selectors.screening_get(clinic=request.membership.clinic, screening_id=pk)
        return Response(ScreeningSerializer(screening).data)


@extend_schema(
    tags=["screening"],
    parameters=[
        OpenApiParameter("date", str, required=True, description="YYYY-MM-DD, the treatment day.")
    ],
    responses={200: EligibilitySerializer},
)
class ClientEligibilityApi(APIView):
    """May this client be treated on ``?date=``? The gate booking and sessions use."""

    def get(self, request: StaffRequest[Membership], client_id: int) -> Response:
        client = clinic_selectors.client_get(clinic=request.membership.clinic, client_id=client_id)
        on_date = _parse_date_param(request.query_params.get("date"), "date")
        eligibility = selectors.treatment_eligibility(client=client, on_date=on_date)
        services.screening_eligibility_viewed(client=client, actor=request.user)
        return Response(eligibility.to_dict())


def _parse_date_param(value: str | None, name: str) -> date:

    try:
        parsed = date.fromisoformat(value or "")
    except ValueError:
        parsed = None
    if parsed is None or not EARLIEST <= parsed <= LATEST:
        raise ApplicationError(
            f"Give ?{name}= as YYYY-MM-DD.",
            fields={name: ["Enter a date as YYYY-MM-DD between 1900 and 2199."]},
        )
    return parsed


@extend_schema(tags=["screening"])
class RuleSetListApi(GenericAPIView):
    """The clinic's rule-set versions, newest first. Managers publish a new version."""

    serializer_class = RuleSetSerializer
    permission_classes = [allows(Ability.PUBLISH, reads_for_all=True)]
    queryset = RuleSet.objects.none()

    @extend_schema(responses={200: RuleSetSerializer(many=True)})
    def get(self, request: StaffRequest[Membership]) -> Response:
        services.rule_set_current(clinic=request.membership.clinic)
        page = self.paginate_queryset(selectors.rule_set_list(clinic=request.membership.clinic))
        return self.get_paginated_response(RuleSetSerializer(page, many=True).data)

    @extend_schema(request=RuleSetPublishSerializer, responses={201: RuleSetSerializer})
    def post(self, request: StaffRequest[Membership]) -> Response:
        data = RuleSetPublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule_set = services.rule_set_publish(
            clinic=request.membership.clinic,
            actor=request.user,
            data=data.validated_data["data"],
            note=data.validated_data["note"],
        )
        return Response(RuleSetSerializer(rule_set).data, status=status.HTTP_201_CREATED)
