"""The public booking API (no login; decision 0021).

``/api/portal/{clinic_slug}/services/``, ``/slots/`` and ``/bookings/`` are public for a
clinic with online booking on (404 otherwise, as for an unknown slug);
``/api/portal/bookings/{token}/`` is the client's signed link: see (GET), confirm or
reschedule (POST ``{"action"}``), cancel (DELETE).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.booking import links, portal
from clinic.booking.models import AppointmentKind, BookingLink
from clinic.messaging.links import BadLink
from clinic.messaging.views import private_response, refuse_link
from common.audit import client_ip
from common.fields import BoundedDateField, BoundedDateTimeField, ObjectIdField


class PortalServiceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    duration_minutes = serializers.IntegerField()
    who = serializers.CharField()
    needs_link = serializers.BooleanField(
        help_text="Booked from the signed link in the clinic's e-mail, not from this page."
    )


class PortalSlotsQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[AppointmentKind.CONSULTATION.value])
    date_from = BoundedDateField()
    date_to = BoundedDateField()


class PortalSlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    practitioner = serializers.CharField(
        allow_null=True, help_text="Only when the clinic shows practitioners' names."
    )
    practitioner_id = serializers.IntegerField(allow_null=True)


class PortalBookingRequestSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = BoundedDateField()
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    start = BoundedDateTimeField(help_text="A `start` from the slot list.")
    practitioner = ObjectIdField(
        required=False, help_text="Only when the clinic shows practitioners' names."
    )
    website = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Leave empty (a field people never see; software that fills it in is "
        "answered the same and nothing is booked).",
    )


class PortalBookingAnswerSerializer(serializers.Serializer):
    status = serializers.CharField()
    detail = serializers.CharField()
    hold_minutes = serializers.IntegerField()


class PortalBookingSerializer(serializers.Serializer):
    clinic = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField(help_text="`held` (awaiting confirmation) or `booked`.")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    practitioner = serializers.CharField(allow_null=True)
    hold_expires_at = serializers.DateTimeField(allow_null=True)
    can_change = serializers.BooleanField(
        help_text="Whether it may still be moved or cancelled online (notice policy)."
    )
    change_until = serializers.DateTimeField()
    clinic_phone = serializers.CharField()


class PortalBookingActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["confirm", "reschedule"])
    start = BoundedDateTimeField(required=False)
    practitioner = ObjectIdField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] == "reschedule" and "start" not in attrs:
            raise serializers.ValidationError({"start": ["The new start time is required."]})
        return attrs


def booking_data(link: BookingLink) -> dict[str, Any]:
    appointment = link.appointment
    assert appointment is not None
    clinic = link.clinic
    return {
        "clinic": clinic.name,
        "kind": appointment.kind,
        "status": appointment.status,
        "start": appointment.start,
        "end": appointment.end,
        "practitioner": str(appointment.practitioner) if clinic.portal_show_practitioners else None,
        "hold_expires_at": appointment.hold_expires_at,
        "can_change": portal.can_change_online(appointment),
        "change_until": portal.notice_ends(appointment),
        "clinic_phone": clinic.phone,
    }


class _Public(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]


@extend_schema(tags=["portal"], auth=[])
class PortalServicesApi(_Public):
    """What can be booked online at this clinic."""

    @extend_schema(responses={200: PortalServiceSerializer(many=True)})
    def get(self, request: Request, clinic_slug: str) -> Response:
        clinic = portal.portal_clinic(slug=clinic_slug)
        return Response(portal.portal_services(clinic=clinic))


@extend_schema(tags=["portal"], auth=[])
class PortalSlotsApi(_Public):
    """Free consultation times (at most 14 days per search, up to 90 days ahead)."""

    @extend_schema(
        parameters=[PortalSlotsQuerySerializer],
        responses={200: PortalSlotSerializer(many=True)},
    )
    def get(self, request: Request, clinic_slug: str) -> Response:
        clinic = portal.portal_clinic(slug=clinic_slug)
        query = PortalSlotsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = portal.portal_slots(
            clinic=clinic,
            kind=query.validated_data["kind"],
            date_from=query.validated_data["date_from"],
            date_to=query.validated_data["date_to"],
        )
        show = clinic.portal_show_practitioners
        return Response(
            PortalSlotSerializer([s.to_dict(show_names=show) for s in slots], many=True).data
        )


@extend_schema(tags=["portal"], auth=[])
class PortalBookingsApi(_Public):
    """Request a consultation: the time is held and a link to confirm it is e-mailed.
    The answer is the same whether or not the e-mail is known to the clinic."""

    @extend_schema(
        operation_id="portal_booking_request",
        request=PortalBookingRequestSerializer,
        responses={202: PortalBookingAnswerSerializer},
    )
    def post(self, request: Request, clinic_slug: str) -> Response:
        clinic = portal.portal_clinic(slug=clinic_slug)
        data = PortalBookingRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        honeypot = values.pop("website", "")
        answer = portal.portal_request(
            clinic=clinic, data=values, address=client_ip(request), honeypot=honeypot
        )
        return Response(
            {
                "status": "check_your_email",
                "detail": answer.detail,
                "hold_minutes": answer.hold_minutes,
            },
            status=202,
        )


def _private(response: Response) -> Response:
    private_response(response)
    return response


def _link(request: HttpRequest, token: str) -> BookingLink:
    try:
        link = links.link_from_token(token)
    except BadLink as error:
        refuse_link(request, "booking_link", error, getattr(error, "link_id", ""))
    if link.appointment is None:  # a course link opens the page, not this resource
        refuse_link(request, "booking_link", BadLink("course link"), link.pk)
    return link


@extend_schema(
    tags=["portal"],
    auth=[],
    parameters=[OpenApiParameter("token", str, OpenApiParameter.PATH)],
)
class PortalBookingApi(_Public):
    """The client's booking by its signed link: see, confirm, move or cancel it."""

    @extend_schema(responses={200: PortalBookingSerializer})
    def get(self, request: Request, token: str) -> Response:
        link = _link(request, token)
        portal.link_viewed(link=link)
        return _private(Response(PortalBookingSerializer(booking_data(link)).data))

    @extend_schema(request=PortalBookingActionSerializer, responses={200: PortalBookingSerializer})
    def post(self, request: Request, token: str) -> Response:
        link = _link(request, token)
        data = PortalBookingActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if data.validated_data["action"] == "confirm":
            portal.portal_confirm(link=link)
        else:
            portal.portal_reschedule(
                link=link,
                start=data.validated_data["start"],
                practitioner_id=data.validated_data.get("practitioner"),
            )
        link.appointment.refresh_from_db()  # type: ignore[union-attr]
        return _private(Response(PortalBookingSerializer(booking_data(link)).data))

    @extend_schema(request=None, responses={200: PortalBookingSerializer})
    def delete(self, request: Request, token: str) -> Response:
        link = _link(request, token)
        portal.portal_cancel(link=link)
        link.appointment.refresh_from_db()  # type: ignore[union-attr]
        return _private(Response(PortalBookingSerializer(booking_data(link)).data))
