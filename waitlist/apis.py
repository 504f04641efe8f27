"""Waitlist API (decision 0022).

``POST /api/portal/{clinic_slug}/waitlist/`` (public: join), ``GET /api/waitlist/``
(staff: entries and their offers), ``POST /api/waitlist/{id}/offers/`` (staff: offer a
free time by hand), ``DELETE /api/waitlist/{id}/`` (staff: take off the list).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.booking import links as booking_links
from clinic.booking import portal
from clinic.messaging.links import BadLink
from clinic.messaging.views import refuse_link
from clinic.models import Membership
from clinic.permissions import allows
from clinic.roles import Ability
from common.audit import audit_listed, client_ip
from common.pagination import page_of, page_total
from common.typing import StaffRequest
from waitlist import selectors, services
from waitlist.models import WaitlistEntry
from waitlist.portal import course_waitlist_join, portal_waitlist_join
from waitlist.serializers import (
    WaitlistEntrySerializer,
    WaitlistFilterSerializer,
    WaitlistJoinAnswerSerializer,
    WaitlistJoinSerializer,
    WaitlistOfferCreateSerializer,
    WaitlistOfferSerializer,
)


@extend_schema(tags=["portal"], auth=[])
class PortalWaitlistApi(APIView):
    """Join the waitlist for a kind and a date range. New clients wait for a
    consultation; a treatment needs the course link's token (`course`). The answer is
    the same whether or not the e-mail is known to the clinic."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(request=WaitlistJoinSerializer, responses={202: WaitlistJoinAnswerSerializer})
    def post(self, request: Request, clinic_slug: str) -> Response:
        clinic = portal.portal_clinic(slug=clinic_slug)
        data = WaitlistJoinSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        token = values.pop("course", None)
        if token:
            try:
                link = booking_links.link_from_token(token)
            except BadLink as error:
                refuse_link(request, "booking_link", error, getattr(error, "link_id", ""))
            if link.clinic_id != clinic.pk or link.treatment_plan is None:
                refuse_link(request, "booking_link", BadLink("not a course link"), link.pk)
            detail = course_waitlist_join(
                link=link,
                date_from=values["date_from"],
                date_to=values["date_to"],
                practitioner_id=values.get("practitioner"),
            )
        else:
            honeypot = values.pop("website", "")
            detail = portal_waitlist_join(
                clinic=clinic, data=values, address=client_ip(request), honeypot=honeypot
            )
        return Response({"status": "waiting", "detail": detail}, status=202)


@extend_schema(tags=["waitlist"])
class WaitlistListApi(GenericAPIView):
    """The clinic's waitlist, oldest first (the order freed times are offered in), each
    entry with its offers. Without `status`: the open entries (waiting or offered)."""

    serializer_class = WaitlistEntrySerializer
    queryset = WaitlistEntry.objects.none()

    @extend_schema(
        parameters=[WaitlistFilterSerializer],
        responses={200: WaitlistEntrySerializer(many=True)},
    )
    def get(self, request: StaffRequest[Membership]) -> Response:
        filters = WaitlistFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        clinic = request.membership.clinic
        page = page_of(
            self,
            selectors.waitlist_list(clinic=clinic, status=filters.validated_data.get("status")),
        )
        audit_listed(
            actor=request.user,
            object_type="waitlist_entry",
            rows=page,
            clinic_id=clinic.pk,
            detail={"filters": sorted(filters.validated_data), "results": page_total(self)},
        )
        return self.get_paginated_response(WaitlistEntrySerializer(page, many=True).data)


@extend_schema(tags=["waitlist"], parameters=[OpenApiParameter("pk", int, OpenApiParameter.PATH)])
class WaitlistEntryApi(GenericAPIView):
    """Take an entry off the waitlist (an open offer's time is released)."""

    serializer_class = WaitlistEntrySerializer
    permission_classes = [allows(Ability.BOOK)]
    queryset = WaitlistEntry.objects.none()

    @extend_schema(request=None, responses={200: WaitlistEntrySerializer})
    def delete(self, request: StaffRequest[Membership], pk: int) -> Response:
        entry = selectors.waitlist_entry_get(clinic=request.membership.clinic, entry_id=pk)
        left = services.waitlist_leave(entry=entry, actor=request.user)
        return Response(WaitlistEntrySerializer(left).data)


@extend_schema(tags=["waitlist"], parameters=[OpenApiParameter("pk", int, OpenApiParameter.PATH)])
class WaitlistOfferApi(GenericAPIView):
    """Offer a free time to a waiting entry by hand: held and e-mailed as an automatic
    offer is."""

    serializer_class = WaitlistOfferSerializer
    permission_classes = [allows(Ability.BOOK)]
    queryset = WaitlistEntry.objects.none()

    @extend_schema(request=WaitlistOfferCreateSerializer, responses={201: WaitlistOfferSerializer})
    def post(self, request: StaffRequest[Membership], pk: int) -> Response:
        entry = selectors.waitlist_entry_get(clinic=request.membership.clinic, entry_id=pk)
        data = WaitlistOfferCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer = services.waitlist_offer_by_hand(
            entry=entry,
            actor=request.user,
            start=data.validated_data["start"],
            practitioner_id=data.validated_data.get("practitioner"),
        )
        return Response(WaitlistOfferSerializer(offer).data, status=201)
