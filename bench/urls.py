"""The project's URLs plus the bare JsonResponse views that ``api_list_vs_bare`` compares
the API with: the same rows and fields, read with ``.values()``, no DRF."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from clinic.booking.models import Appointment
from clinic.models import Client

CLIENT_FIELDS = (
    "id", "first_name", "last_name", "date_of_birth", "email", "phone", "fitzpatrick_type",
    "skin_concerns", "timezone", "email_consent", "notes", "created_at", "updated_at",
)  # fmt: skip
APPOINTMENT_FIELDS = (
    "id", "client", "client__first_name", "client__last_name", "practitioner",
    "practitioner__display_name", "room", "room__name", "device", "device__name",
    "device__serial_number", "start", "end", "kind", "status", "notes", "screening",
    "treatment_plan", "cancel_reason", "cancelled_at", "sequence", "created_at",
)  # fmt: skip


def bare_clients(request: HttpRequest, clinic_id: int, size: int) -> JsonResponse:
    rows = Client.objects.filter(clinic_id=clinic_id).order_by("last_name", "first_name", "id")
    return JsonResponse(
        {"count": rows.count(), "results": list(rows.values(*CLIENT_FIELDS)[:size])}
    )


def bare_appointments(request: HttpRequest, clinic_id: int, day: str, size: int) -> JsonResponse:
    start = datetime.combine(date.fromisoformat(day), clock(0), tzinfo=UTC)
    rows = Appointment.objects.filter(
        clinic_id=clinic_id, start__gte=start, start__lt=start + timedelta(days=1)
    ).order_by("start", "id")
    return JsonResponse(
        {"count": rows.count(), "results": list(rows.values(*APPOINTMENT_FIELDS)[:size])}
    )


urlpatterns = [
    path("bench/bare/clients/<int:clinic_id>/<int:size>/", bare_clients),
    path("bench/bare/appointments/<int:clinic_id>/<str:day>/<int:size>/", bare_appointments),
    path("", include("config.urls")),
]
