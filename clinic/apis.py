"""HTTP API for authentication, clients and staff. Thin: input → service → output."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import clinic_services, lockout, selectors, services
from clinic.access import acting_membership
from clinic.authentication import ApiTokenAuthentication, LoginRateThrottle
from clinic.models import Client, Membership
from clinic.permissions import ManagesStaff, allows
from clinic.roles import Ability
from clinic.serializers import (
    ClientSerializer,
    ClinicSettingsSerializer,
    InvitationAcceptSerializer,
    InvitationSerializer,
    StaffCreateSerializer,
    StaffSerializer,
    StaffUpdateSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from common.errors import ApplicationError
from common.pagination import page_of, page_total
from common.schema import ErrorSerializer


class TokenApi(APIView):
    """Exchange an e-mail address and password for an API token.

    Every call issues a new token; it expires after `API_TOKEN_TTL_HOURS` (10 by default).
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: ErrorSerializer,
            429: OpenApiResponse(
                ErrorSerializer,
                description="`locked_out`: too many failed sign-ins for the account or from "
                "the address (wait for the cool-off or ask a manager to unlock it); "
                "`throttled`: too many requests from the address.",
            ),
        },
        tags=["auth"],
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["email"].lower(),
            password=serializer.validated_data["password"],
        )
        if user is None or not user.is_active:
            if lockout.locked_out(request._request):
                raise ApplicationError(lockout.locked_message(), code="locked_out", status_code=429)
            raise ApplicationError(
                "Unable to sign in with that e-mail address and password.",
                code="invalid_credentials",
            )
        instance, token = services.api_token_issue(user=user)
        return Response(TokenResponseSerializer({"token": token, "expiry": instance.expiry}).data)


class LogoutApi(APIView):
    """Revoke the token this request was made with."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(APIView):
    """Revoke every token of the signed-in account (every device and integration)."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, tags=["auth"])
    def post(self, request):
        services.api_tokens_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "search", str, description="Words matched against name, e-mail and phone."
            )
        ]
    ),
)
@extend_schema(tags=["clients"])
class ClientViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Clients of the signed-in user's clinic. Every read and write is audited."""

    serializer_class = ClientSerializer
    queryset = Client.objects.none()  # for the schema; requests use the clinic's clients
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Client.objects.none()
        # A list row shows the client's own columns only: no clinic joined to each row.
        return selectors.client_list(
            clinic=acting_membership(self.request).clinic,
            search=self.request.query_params.get("search", ""),
        ).select_related(None)

    def get_object(self):
        return selectors.client_get(
            clinic=acting_membership(self.request).clinic, client_id=self.kwargs["pk"]
        )

    def list(self, request, *args, **kwargs):
        page = page_of(self, self.get_queryset())
        services.client_list_read(
            clinic=request.membership.clinic,
            actor=request.user,
            search=request.query_params.get("search", ""),
            clients=page,
            count=page_total(self),
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        client = self.get_object()
        services.client_record_read(client=client, actor=request.user)
        return Response(self.get_serializer(client).data)

    @extend_schema(
        responses={
            201: ClientSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="`possible_duplicate`: a client with the same name and date of "
                "birth, or the same e-mail, exists (`duplicate` is their id). Send "
                '`"confirm_different_person": true` to add this client anyway.',
            ),
        }
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        confirmed = bool(data.pop("confirm_different_person", False))
        client = services.client_create(
            clinic=request.membership.clinic,
            actor=request.user,
            data=data,
            confirm_different_person=confirmed,
        )
        return Response(self.get_serializer(client).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        client = self.get_object()
        serializer = self.get_serializer(client, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("confirm_different_person", None)
        client = services.client_update(client=client, actor=request.user, data=data)
        return Response(self.get_serializer(client).data)


@extend_schema(tags=["staff"])
class StaffViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The clinic's staff and their roles. Managers only."""

    serializer_class = StaffSerializer
    permission_classes = [ManagesStaff]
    queryset = Membership.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.staff_list(clinic=acting_membership(self.request).clinic)

    def get_object(self):
        return selectors.staff_get(
            clinic=acting_membership(self.request).clinic, membership_id=self.kwargs["pk"]
        )

    @extend_schema(
        request=StaffCreateSerializer,
        responses={201: InvitationSerializer},
        description="Invite a person by e-mail. They join the staff once they accept the "
        "e-mailed link (valid 7 days); the answer is the same whether or not the address "
        "already has an account.",
    )
    def create(self, request, *args, **kwargs):
        data = StaffCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        invitation = services.invitation_create(
            clinic=request.membership.clinic,
            actor=request.user,
            request=request._request,
            **data.validated_data,
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=StaffUpdateSerializer, responses={200: StaffSerializer})
    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        data = StaffUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.staff_update(
            membership=membership, actor=request.user, **data.validated_data
        )
        return Response(StaffSerializer(membership).data)


class InvitationAcceptApi(APIView):
    """Accept a staff invitation (no login: the token in the path is the proof).

    A new person's account is created with `full_name` and `password`; an existing
    account must give its own password. A used, expired, revoked or tampered token
    answers 404.
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        request=InvitationAcceptSerializer,
        responses={
            201: StaffSerializer,
            404: OpenApiResponse(
                ErrorSerializer, description="The link was used, expired, revoked or tampered."
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="`locked_out`: too many wrong passwords for the existing account; "
                "`throttled`: too many requests from the address.",
            ),
        },
        tags=["staff"],
        auth=[],
    )
    def post(self, request, token: str):
        invitation = services.invitation_open(token=token)
        data = InvitationAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        membership = services.invitation_accept(
            invitation=invitation, request=request._request, **data.validated_data
        )
        return Response(StaffSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["clinic"])
class ClinicSettingsApi(APIView):
    """The acting clinic's settings: every staff member reads them, managers change them.

    Changes are audited (the names of the fields changed). Changing `timezone` keeps every
    stored instant: appointments and reminders already scheduled keep their moment.
    """

    permission_classes = [allows(Ability.MANAGE_CLINIC, reads_for_all=True)]

    @extend_schema(responses={200: ClinicSettingsSerializer})
    def get(self, request):
        clinic = acting_membership(request).clinic
        return Response(ClinicSettingsSerializer(clinic, context={"request": request}).data)

    @extend_schema(request=ClinicSettingsSerializer, responses={200: ClinicSettingsSerializer})
    def patch(self, request):
        clinic = acting_membership(request).clinic
        data = ClinicSettingsSerializer(clinic, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        clinic = clinic_services.clinic_settings_update(
            clinic=clinic, actor=request.user, data=data.validated_data
        )
        return Response(ClinicSettingsSerializer(clinic, context={"request": request}).data)
