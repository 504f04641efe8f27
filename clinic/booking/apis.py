"""Booking API: resources, availability and appointments. Thin: input → service → output."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic import selectors, services
from clinic.access import acting_membership, acting_user
from clinic.booking import resource_services
from clinic.booking import selectors as booking_selectors
from clinic.booking import services as booking
from clinic.booking.decision import treatment_slots
from clinic.booking.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Device,
    Practitioner,
    Room,
)
from clinic.booking.serializers import (
    LIST_VALUES,
    AppointmentCreateSerializer,
    AppointmentDetailSerializer,
    AppointmentListQuerySerializer,
    AppointmentSerializer,
    AppointmentUpdateSerializer,
    AvailabilityQuerySerializer,
    CancelSerializer,
    DeviceSerializer,
    PractitionerCreateSerializer,
    PractitionerSerializer,
    PractitionerUpdateSerializer,
    RoomSerializer,
    SlotSerializer,
    TimeOffSerializer,
    appointment_list_row,
)
from clinic.models import Client, Clinic, Membership
from clinic.permissions import allows
from clinic.roles import Ability
from common.audit import audit_reads, audit_record
from common.errors import ApplicationError, NotFound
from common.pagination import page_of
from treatments.plans import selectors as plan_selectors
from treatments.plans.selectors import plan_list

_M = TypeVar("_M", bound=Model)
_Resource = TypeVar("_Resource", Room, Device)


class _ClinicViewSet(viewsets.GenericViewSet[_M]):
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def clinic(self) -> Clinic:
        return acting_membership(self.request).clinic


#: The columns a list row shows (AppointmentSerializer); the joined client, screening
#: and resources are read only as far as the row needs them.
LIST_COLUMNS = (
    *(f.name for f in Appointment._meta.concrete_fields if f.name not in {"uid", "updated_at"}),
    "client__first_name",
    "client__last_name",
    "practitioner__display_name",
    "room__name",
    "device__name",
    "device__serial_number",
    "screening__outcome",
    "screening__review__id",
)


@extend_schema(tags=["booking"])
class PractitionerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, _ClinicViewSet[Practitioner]
):
    """Bookable practitioners with their working hours. Managers create and change them."""

    serializer_class = PractitionerSerializer
    permission_classes = [allows(Ability.MANAGE_RESOURCES, reads_for_all=True)]
    queryset = Practitioner.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Practitioner.objects.none()
        return booking_selectors.practitioner_list(clinic=self.clinic)

    def get_object(self):
        return booking_selectors.practitioner_get(
            clinic=self.clinic, practitioner_id=self.kwargs["pk"]
        )

    @extend_schema(request=PractitionerCreateSerializer, responses={201: PractitionerSerializer})
    def create(self, request):
        data = PractitionerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        membership = Membership.objects.filter(
            clinic=self.clinic, pk=values.pop("membership")
        ).first()
        if membership is None:
            raise NotFound("No such staff member.")
        practitioner = resource_services.practitioner_save(
            clinic=self.clinic, actor=acting_user(request), membership=membership, **values
        )
        return Response(PractitionerSerializer(practitioner).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PractitionerUpdateSerializer, responses={200: PractitionerSerializer})
    def partial_update(self, request, pk=None):
        practitioner = self.get_object()
        data = PractitionerUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        practitioner = resource_services.practitioner_save(
            clinic=self.clinic,
            actor=acting_user(request),
            practitioner=practitioner,
            **data.validated_data,
        )
        return Response(PractitionerSerializer(practitioner).data)

    @extend_schema(request=TimeOffSerializer, responses={201: TimeOffSerializer})
    @action(detail=True, methods=["post"], url_path="time-off")
    def time_off(self, request, pk=None):
        practitioner = self.get_object()
        data = TimeOffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        time_off = resource_services.time_off_add(
            practitioner=practitioner, actor=acting_user(request), **data.validated_data
        )
        return Response(TimeOffSerializer(time_off).data, status=status.HTTP_201_CREATED)


class _SimpleResourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    _ClinicViewSet[_Resource],
):
    """List, read, add (POST) and change (PATCH) through one service per resource."""

    permission_classes = [allows(Ability.MANAGE_RESOURCES, reads_for_all=True)]
    queryset: QuerySet[_Resource]

    def select(self, *, clinic: Clinic) -> QuerySet[_Resource]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[_Resource]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return self.select(clinic=self.clinic)

    def save(self, *, instance: _Resource | None, values: dict[str, Any]) -> _Resource:
        raise NotImplementedError

    def perform_create(self, serializer):
        serializer.instance = self.save(instance=None, values=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.save(
            instance=serializer.instance, values=serializer.validated_data
        )


@extend_schema(tags=["booking"])
class RoomViewSet(_SimpleResourceViewSet[Room]):
    """Treatment rooms. Managers create and change them."""

    serializer_class = RoomSerializer
    queryset = Room.objects.none()

    def select(self, *, clinic: Clinic) -> QuerySet[Room]:
        return booking_selectors.room_list(clinic=clinic)

    def get_object(self) -> Room:
        return booking_selectors.room_get(clinic=self.clinic, room_id=self.kwargs["pk"])

    def save(self, *, instance: Room | None, values: dict[str, Any]) -> Room:
        return resource_services.room_save(
            clinic=self.clinic, actor=acting_user(self.request), room=instance, **values
        )


@extend_schema(tags=["booking"])
class DeviceViewSet(_SimpleResourceViewSet[Device]):
    """Microneedling devices (pen or roller) with clean-up minutes after each use."""

    serializer_class = DeviceSerializer
    queryset = Device.objects.none()

    def select(self, *, clinic: Clinic) -> QuerySet[Device]:
        return booking_selectors.device_list(clinic=clinic)

    def get_object(self) -> Device:
        return booking_selectors.device_get(clinic=self.clinic, device_id=self.kwargs["pk"])

    def save(self, *, instance: Device | None, values: dict[str, Any]) -> Device:
        return resource_services.device_save(
            clinic=self.clinic, actor=acting_user(self.request), device=instance, **values
        )


@extend_schema(
    tags=["booking"],
    parameters=[AvailabilityQuerySerializer],
    responses={200: SlotSerializer(many=True)},
)
class AvailabilityApi(APIView):
    """Free slots of a given length for a practitioner (and optionally a room and device).

    With `client` and `kind=treatment`, only slots a booking of that client would be
    accepted for: the same treatment decision booking enforces (screening valid today and
    allowing treatment at the date, deferrals, the course's minimum interval in calendar
    days). An unknown client, or another clinic's, is a 400.
    """

    def get(self, request):
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        clinic = acting_membership(request).clinic
        practitioner = booking_selectors.practitioner_get(
            clinic=clinic, practitioner_id=values["practitioner"]
        )
        room = (
            booking_selectors.room_get(clinic=clinic, room_id=values["room"])
            if "room" in values
            else None
        )
        device = (
            booking_selectors.device_get(clinic=clinic, device_id=values["device"])
            if "device" in values
            else None
        )
        slots = booking_selectors.availability_search(
            clinic=clinic,
            practitioner=practitioner,
            date_from=values["date_from"],
            date_to=values["date_to"],
            duration=timedelta(minutes=values["duration_minutes"]),
            room=room,
            device=device,
        )
        if "client" in values:
            try:
                client = selectors.client_get(clinic=clinic, client_id=values["client"])
            except NotFound as exc:  # another clinic's client reads as a missing one
                raise ApplicationError(exc.detail, fields={"client": [exc.detail]}) from exc
            if values["kind"] == AppointmentKind.TREATMENT:
                # Which dates are refused follows from the screening: an audited read.
                services.client_record_read(
                    client=client, actor=acting_user(request), what="treatment_decision"
                )
                plan = None
                if "treatment_plan" in values:
                    plan = (
                        plan_list(clinic=clinic, client=client)
                        .filter(pk=values["treatment_plan"])
                        .first()
                    )
                    if plan is None:  # another client's or clinic's course reads as missing
                        message = f"No such treatment plan for {client.full_name}."
                        raise ApplicationError(message, fields={"treatment_plan": [message]})
                slots = treatment_slots(client=client, slots=slots, plan=plan)
        data = [
            {
                "start": s.start,
                "end": s.end,
                "practitioner": practitioner.pk,
                "room": s.room_id,
                "device": s.device_id,
            }
            for s in slots
        ]
        return Response(SlotSerializer(data, many=True).data)


@extend_schema_view(
    list=extend_schema(parameters=[AppointmentListQuerySerializer]),
)
@extend_schema(tags=["booking"])
class AppointmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, _ClinicViewSet[Appointment]
):
    """Appointments. Booking and rescheduling check availability and the safety gates."""

    serializer_class = AppointmentSerializer
    queryset = Appointment.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Appointment.objects.none()
        return self._filtered().only(*LIST_COLUMNS)

    def _filtered(self) -> QuerySet[Appointment]:
        query = AppointmentListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        return booking_selectors.appointment_list(
            clinic=self.clinic,
            on_date=values.get("date"),
            practitioner_id=values.get("practitioner"),
            client_id=values.get("client"),
            room_id=values.get("room"),
            status=values.get("status"),
        )

    def get_object(self):
        return booking_selectors.appointment_get(
            clinic=self.clinic, appointment_id=self.kwargs["pk"]
        )

    def list(self, request, *args, **kwargs):
        # Rows as values, not model instances (serializers.appointment_list_row).
        page = page_of(self, self._filtered().values(*LIST_VALUES))
        # Who comes for what, when: each appointment listed is an audited read.
        audit_reads(
            actor=acting_user(request),
            object_type="appointment",
            objects=((row["id"], row["client_id"]) for row in page),
            clinic_id=self.clinic.pk,
        )
        return self.get_paginated_response([appointment_list_row(row) for row in page])

    @extend_schema(responses={200: AppointmentDetailSerializer})
    def retrieve(self, request, *args, **kwargs):
        appointment = self.get_object()
        audit_record(
            actor=acting_user(request),
            action="read",
            object_type="appointment",
            object_id=appointment.pk,
            clinic_id=appointment.clinic_id,
            client_id=appointment.client_id,
        )
        return Response(AppointmentDetailSerializer(appointment).data)

    def _resolve(self, values: dict, *, client: Client | None = None) -> dict:
        """Ids to this clinic's objects; ``client``: the appointment's, for a reschedule."""
        clinic = self.clinic
        resolved = dict(values)
        if "client" in values:
            resolved["client"] = selectors.client_get(clinic=clinic, client_id=values["client"])
        if values.get("treatment_plan") is not None:
            owner = resolved.get("client") or client
            if owner is None:  # a booking names its client; a reschedule passes its own
                raise ValueError("A plan is resolved for a client.")
            try:
                resolved["treatment_plan"] = plan_selectors.plan_get(
                    clinic=clinic, pk=values["treatment_plan"]
                )
            except NotFound:
                # Another clinic's plan and no plan at all: the answer booking gives for
                # another client's plan, word for word.
                raise booking.no_such_plan(owner) from None
        if "practitioner" in values:
            resolved["practitioner"] = booking_selectors.practitioner_get(
                clinic=clinic, practitioner_id=values["practitioner"]
            )
        if "room" in values:
            resolved["room"] = booking_selectors.room_get(clinic=clinic, room_id=values["room"])
        if values.get("device") is not None:
            resolved["device"] = booking_selectors.device_get(
                clinic=clinic, device_id=values["device"]
            )
        return resolved

    @extend_schema(request=AppointmentCreateSerializer, responses={201: AppointmentSerializer})
    def create(self, request):
        data = AppointmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = self._resolve(data.validated_data)
        appointment = booking.appointment_book(
            clinic=self.clinic,
            actor=acting_user(request),
            request=booking.BookingRequest(
                client=values["client"],
                practitioner=values["practitioner"],
                room=values["room"],
                device=values.get("device"),
                start=values["start"],
                end=values["end"],
                kind=values["kind"],
                notes=values.get("notes", ""),
                treatment_plan=values.get("treatment_plan"),
            ),
        )
        return Response(
            AppointmentSerializer(self.get_object_by_id(appointment.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    def get_object_by_id(self, pk: int) -> Appointment:
        return booking_selectors.appointment_get(clinic=self.clinic, appointment_id=pk)

    @extend_schema(request=AppointmentUpdateSerializer, responses={200: AppointmentSerializer})
    def partial_update(self, request, pk=None):
        appointment = self.get_object()
        data = AppointmentUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = self._resolve(data.validated_data, client=appointment.client)
        booking.appointment_reschedule(
            appointment=appointment, actor=acting_user(request), changes=changes
        )
        return Response(AppointmentSerializer(self.get_object_by_id(appointment.pk)).data)

    @extend_schema(request=CancelSerializer, responses={200: AppointmentSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        appointment = self.get_object()
        data = CancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking.appointment_cancel(
            appointment=appointment,
            actor=acting_user(request),
            reason=data.validated_data["reason"],
        )
        return Response(AppointmentSerializer(self.get_object_by_id(appointment.pk)).data)

    @extend_schema(request=None, responses={200: AppointmentSerializer})
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        appointment = self.get_object()
        booking.appointment_set_status(
            appointment=appointment, actor=acting_user(request), status=AppointmentStatus.CHECKED_IN
        )
        return Response(AppointmentSerializer(self.get_object_by_id(appointment.pk)).data)

    @extend_schema(request=None, responses={200: AppointmentSerializer})
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        appointment = self.get_object()
        booking.appointment_set_status(
            appointment=appointment, actor=acting_user(request), status=AppointmentStatus.NO_SHOW
        )
        return Response(AppointmentSerializer(self.get_object_by_id(appointment.pk)).data)
