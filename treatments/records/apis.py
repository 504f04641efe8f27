"""Session records API: start (with its gates), edit, sign, amend, photos, recalls.

Thin: input serializer → service or selector → output serializer. Every read of a
record is audited; another clinic's objects answer 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import Model, QuerySet
from django.http import FileResponse, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.booking import selectors as booking_selectors
from clinic.booking.models import Appointment
from clinic.models import Clinic, Membership
from clinic.permissions import allows
from clinic.roles import Ability
from common.audit import audit_listed
from common.errors import NotFound
from common.negotiation import FirstRendererNegotiation
from common.pagination import page_of
from common.typing import StaffRequest
from treatments.plans import selectors as plan_selectors
from treatments.plans.models import TreatmentPlan
from treatments.records import amendments, audit, photos, selectors, services, start
from treatments.records.models import SessionAmendment, SessionPhoto, TreatmentSession
from treatments.records.serializers import (
    AmendmentInputSerializer,
    HistoryEventSerializer,
    PhotoUploadSerializer,
    RecallQuerySerializer,
    RecallRowSerializer,
    SessionAmendmentSerializer,
    SessionListQuerySerializer,
    SessionPhotoSerializer,
    SessionSerializer,
    SessionStartSerializer,
    SessionUpdateSerializer,
    StartCheckQuerySerializer,
    StartCheckSerializer,
)

#: Every staff member reads; those who record sessions (clinic/roles.py) change them.
RecordsOrReads = allows(Ability.RECORD, reads_for_all=True)


class _SessionView(GenericAPIView):
    permission_classes = [RecordsOrReads]
    request: StaffRequest[Membership]
    # For the schema only (requests read through the selectors); the amendment and photo
    # lists name their own rows.
    queryset: QuerySet[Model] = TreatmentSession.objects.none()

    @property
    def clinic(self) -> Clinic:
        return self.request.membership.clinic

    def get_session(self) -> TreatmentSession:
        return selectors.session_get(clinic=self.clinic, pk=self.kwargs["pk"])

    def session_data(self, pk: int) -> dict:
        return SessionSerializer(selectors.session_get(clinic=self.clinic, pk=pk)).data


def _appointment_and_plan(
    clinic: Clinic, values: Mapping[str, Any]
) -> tuple[Appointment, TreatmentPlan | None]:
    """The appointment a start (or start check) names, and its course if one is named."""
    appointment = booking_selectors.appointment_get(
        clinic=clinic, appointment_id=values["appointment"]
    )
    plan_id = values.get("treatment_plan")
    plan = plan_selectors.plan_get(clinic=clinic, pk=plan_id) if plan_id else None
    return appointment, plan


@extend_schema(tags=["sessions"])
class SessionListApi(_SessionView):
    """Treatment session records, newest first. POST starts a session (the start gates apply)."""

    serializer_class = SessionSerializer

    @extend_schema(
        parameters=[SessionListQuerySerializer], responses={200: SessionSerializer(many=True)}
    )
    def get(self, request: StaffRequest[Membership]) -> Response:
        query = SessionListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        page = page_of(
            self,
            selectors.session_list(
                clinic=self.clinic,
                client=values.get("client"),
                plan=values.get("plan"),
                status=values.get("status"),
                date=values.get("date"),
            ),
        )
        audit_listed(
            actor=request.user, object_type="treatment_session", rows=page, clinic_id=self.clinic.pk
        )
        return self.get_paginated_response(SessionSerializer(page, many=True).data)

    @extend_schema(request=SessionStartSerializer, responses={201: SessionSerializer})
    def post(self, request: StaffRequest[Membership]) -> Response:
        data = SessionStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        appointment, plan = _appointment_and_plan(self.clinic, values)
        session = start.session_start(
            clinic=self.clinic,
            actor=request.user,
            appointment=appointment,
            plan=plan,
            screening_reconfirmed=values["screening_reconfirmed"],
        )
        return Response(self.session_data(session.pk), status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["sessions"],
    parameters=[StartCheckQuerySerializer],
    responses={200: StartCheckSerializer},
)
class SessionStartCheckApi(_SessionView):
    """Can the session of ``?appointment=`` start now? Lists every missing item."""

    serializer_class = StartCheckSerializer

    def get(self, request: StaffRequest[Membership]) -> Response:
        query = StartCheckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        appointment, plan = _appointment_and_plan(self.clinic, values)
        blockers = start.session_start_check(
            clinic=self.clinic,
            appointment=appointment,
            screening_reconfirmed=values["screening_reconfirmed"],
            plan=plan,
        )
        audit.session_start_checked(appointment=appointment, actor=request.user, blockers=blockers)
        return Response({"can_start": not blockers, "missing": [b.to_dict() for b in blockers]})


@extend_schema(tags=["sessions"])
class SessionDetailApi(_SessionView):
    """One session record. PATCH edits it while it is in progress (409 once signed)."""

    serializer_class = SessionSerializer

    @extend_schema(responses={200: SessionSerializer})
    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        session = self.get_session()
        audit.session_viewed(session=session, actor=request.user)
        return Response(SessionSerializer(session).data)

    @extend_schema(request=SessionUpdateSerializer, responses={200: SessionSerializer})
    def patch(self, request: StaffRequest[Membership], pk: int) -> Response:
        session = self.get_session()
        data = SessionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        for name in ("areas", "products"):
            if name in values:
                values[name] = [dict(row) for row in values[name]]
        services.session_update(session=session, actor=request.user, data=values)
        return Response(self.session_data(session.pk))


@extend_schema(tags=["sessions"])
class SessionSignApi(_SessionView):
    """The performing practitioner signs the record; it becomes read-only."""

    serializer_class = SessionSerializer

    @extend_schema(request=None, responses={200: SessionSerializer})
    def post(self, request: StaffRequest[Membership], pk: int) -> Response:
        session = self.get_session()
        services.session_sign(session=session, actor=request.user)
        return Response(self.session_data(session.pk))


@extend_schema(tags=["sessions"])
class SessionAmendmentListApi(_SessionView):
    """Corrections appended to a signed record, oldest first. POST adds one."""

    serializer_class = SessionAmendmentSerializer
    queryset = SessionAmendment.objects.none()

    @extend_schema(responses={200: SessionAmendmentSerializer(many=True)})
    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        session = self.get_session()
        audit.session_viewed(session=session, actor=request.user)
        page = self.paginate_queryset(list(session.amendments.all()))
        return self.get_paginated_response(SessionAmendmentSerializer(page, many=True).data)

    @extend_schema(request=AmendmentInputSerializer, responses={201: SessionAmendmentSerializer})
    def post(self, request: StaffRequest[Membership], pk: int) -> Response:
        session = self.get_session()
        data = AmendmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        amendment = amendments.session_amend(
            session=session,
            actor=request.user,
            reason=values["reason"],
            note=values.get("note", ""),
            changes=dict(values.get("changes") or {}),
        )
        return Response(SessionAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["sessions"])
class SessionHistoryApi(_SessionView):
    """What happened to the record: started, signed and each amendment, in time order."""

    serializer_class = HistoryEventSerializer
    pagination_class = None

    @extend_schema(responses={200: HistoryEventSerializer(many=True)})
    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        session = self.get_session()
        audit.session_viewed(session=session, actor=request.user)
        events = selectors.session_history(session=session)
        return Response([e.to_dict() for e in events])


@extend_schema(tags=["sessions"])
class SessionPhotoListApi(_SessionView):
    """Before and after photos of a session. POST uploads one (multipart ``kind``, ``image``)."""

    serializer_class = SessionPhotoSerializer
    queryset = SessionPhoto.objects.none()
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: SessionPhotoSerializer(many=True)})
    def get(self, request: StaffRequest[Membership], pk: int) -> Response:
        session = self.get_session()
        audit.session_viewed(session=session, actor=request.user)
        page = self.paginate_queryset(list(session.photos.all()))
        return self.get_paginated_response(SessionPhotoSerializer(page, many=True).data)

    @extend_schema(request=PhotoUploadSerializer, responses={201: SessionPhotoSerializer})
    def post(self, request: StaffRequest[Membership], pk: int) -> Response:
        session = self.get_session()
        data = PhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = photos.session_photo_add(
            session=session,
            actor=request.user,
            kind=data.validated_data["kind"],
            upload=data.validated_data["image"],
        )
        return Response(SessionPhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


@extend_schema(
    tags=["sessions"],
    responses={
        (200, "image/jpeg"): OpenApiResponse(OpenApiTypes.BINARY, description="The photo."),
        (200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="The photo."),
        (200, "image/webp"): OpenApiResponse(OpenApiTypes.BINARY, description="The photo."),
    },
)
class SessionPhotoFileApi(APIView):
    """The photo file, for staff of the session's clinic only; never cached."""

    permission_classes = [RecordsOrReads]
    content_negotiation_class = FirstRendererNegotiation

    def get(self, request: StaffRequest[Membership], pk: int, photo_id: int) -> FileResponse:
        session = selectors.session_get(clinic=request.membership.clinic, pk=pk)
        photo = selectors.session_photo_get(session=session, pk=photo_id)
        try:
            handle = photo.image.open("rb")
        except (FileNotFoundError, ValueError) as exc:
            raise NotFound("The photo file is missing.") from exc
        audit.session_photo_viewed(photo=photo, actor=request.user)
        response = FileResponse(handle, content_type=photo.content_type)
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Disposition"] = f'inline; filename="session-{pk}-{photo.pk}"'
        return response


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: object,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, str):
            return data.encode("utf-8")
        return JSONRenderer().render(data)


@extend_schema(
    tags=["sessions"],
    parameters=[RecallQuerySerializer],
    responses={
        (200, "application/json"): RecallRowSerializer(many=True),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="A CSV download."),
    },
)
class RecallListApi(GenericAPIView):
    """Lot trace: every session that used a lot (``?lot=``: cartridge, topical anaesthetic,
    serum or product) or a device (``?device_serial=``). Also at ``/api/recalls/``.

    Matches are exact and ignore case; ``used`` says what carried the lot; sessions
    amended away from the value are included and flagged ``amended``. ``?format=csv``
    (or ``Accept: text/csv``) downloads a CSV.
    """

    serializer_class = RecallRowSerializer
    queryset = TreatmentSession.objects.none()
    renderer_classes = [JSONRenderer, CSVRenderer]

    def handle_exception(self, exc: Exception) -> Response:
        # Errors are always JSON, even when the client asked for CSV.
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return super().handle_exception(exc)

    def get(self, request: StaffRequest[Membership]) -> HttpResponse:
        query = RecallQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        clinic = request.membership.clinic
        search = {k: values[k] for k in ("lot", "device_serial") if values.get(k)}
        rows = selectors.lot_trace(clinic=clinic, **search)
        as_csv = getattr(request.accepted_renderer, "format", "") == "csv"
        audit.recall_searched(
            clinic=clinic,
            actor=request.user,
            query=search,
            sessions=[row.session for row in rows],
            count=len(rows),
            export=as_csv,
        )
        if as_csv:
            what = "-".join(f"{k}-{v}" for k, v in search.items())
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in what)[:80]
            response = HttpResponse(
                selectors.lot_trace_csv(rows=rows), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="lot-trace-{safe}.csv"'
            response["Cache-Control"] = "private, no-store"
            return response
        page = page_of(self, rows)
        return self.get_paginated_response(
            RecallRowSerializer([RecallRowSerializer.row(r) for r in page], many=True).data
        )
