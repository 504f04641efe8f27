from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from clinic import apis as clinic_apis
from clinic.audit import apis as audit_apis
from clinic.booking import apis as booking_apis
from clinic.booking import portal_apis
from common.views import healthz
from treatments.screening import apis as screening_apis
from treatments.screening import intake_apis
from treatments.signoff import apis as signoff_apis

router = SimpleRouter()
router.register("clients", clinic_apis.ClientViewSet, basename="client")
router.register("staff", clinic_apis.StaffViewSet, basename="staff")
router.register("practitioners", booking_apis.PractitionerViewSet, basename="practitioner")
router.register("rooms", booking_apis.RoomViewSet, basename="room")
router.register("devices", booking_apis.DeviceViewSet, basename="device")
router.register("appointments", booking_apis.AppointmentViewSet, basename="appointment")

api_urlpatterns = [
    path("auth/token/", clinic_apis.TokenApi.as_view(), name="api-token"),
    path("auth/logout/", clinic_apis.LogoutApi.as_view(), name="api-logout"),
    path("auth/logout-all/", clinic_apis.LogoutAllApi.as_view(), name="api-logout-all"),
    path(
        "invitations/<str:token>/accept/",
        clinic_apis.InvitationAcceptApi.as_view(),
        name="api-invitation-accept",
    ),
    path("clinic/", clinic_apis.ClinicSettingsApi.as_view(), name="api-clinic"),
    path("clinic/sign-off/", signoff_apis.SignOffApi.as_view(), name="api-clinical-sign-off"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("availability/", booking_apis.AvailabilityApi.as_view(), name="api-availability"),
    path("audit/", audit_apis.AuditEventListApi.as_view(), name="api-audit"),
    path(
        "screening/questions/",
        screening_apis.QuestionListApi.as_view(),
        name="api-screening-questions",
    ),
    path("screening/rule-sets/", screening_apis.RuleSetListApi.as_view(), name="api-rule-sets"),
    path(
        "screenings/evaluate/", screening_apis.EvaluateApi.as_view(), name="api-screening-evaluate"
    ),
    path(
        "screenings/<int:pk>/",
        screening_apis.ScreeningDetailApi.as_view(),
        name="api-screening-detail",
    ),
    path(
        "screenings/<int:pk>/review/",
        screening_apis.ScreeningReviewApi.as_view(),
        name="api-screening-review",
    ),
    path(
        "screenings/<int:pk>/confirm/",
        screening_apis.ScreeningConfirmApi.as_view(),
        name="api-screening-confirm",
    ),
    path(
        "clients/<int:client_id>/screenings/",
        screening_apis.ClientScreeningListApi.as_view(),
        name="api-client-screenings",
    ),
    path(
        "clients/<int:client_id>/intake-link/",
        intake_apis.ClientIntakeLinkApi.as_view(),
        name="api-client-intake-link",
    ),
    path(
        "portal/intake/<str:token>/",
        intake_apis.PortalIntakeApi.as_view(),
        name="api-portal-intake",
    ),
    path(
        "clients/<int:client_id>/eligibility/",
        screening_apis.ClientEligibilityApi.as_view(),
        name="api-client-eligibility",
    ),
    # Online booking (decision 0021); "bookings" is not a clinic's slug (reserved).
    path(
        "portal/bookings/<str:token>/",
        portal_apis.PortalBookingApi.as_view(),
        name="api-portal-booking",
    ),
    path(
        "portal/<slug:clinic_slug>/services/",
        portal_apis.PortalServicesApi.as_view(),
        name="api-portal-services",
    ),
    path(
        "portal/<slug:clinic_slug>/slots/",
        portal_apis.PortalSlotsApi.as_view(),
        name="api-portal-slots",
    ),
    path(
        "portal/<slug:clinic_slug>/bookings/",
        portal_apis.PortalBookingsApi.as_view(),
        name="api-portal-bookings",
    ),
    path("", include("clinic.messaging.urls_api")),
    path("", include("aftercare.urls_api")),
    path("", include("precare.urls_api")),
    path("", include("waitlist.urls_api")),
    path("", include("treatments.plans.urls_api")),
    path("", include("treatments.records.urls_api")),
    path("", include("treatments.consent.urls_api")),
    *router.urls,
]

urlpatterns = [
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("", include("clinic.urls")),
    path("", include("clinic.booking.urls")),
    path("", include("treatments.screening.urls")),
    path("", include("treatments.plans.urls")),
    path("", include("treatments.records.urls")),
    path("", include("treatments.consent.urls")),
    path("", include("clinic.messaging.urls")),
    path("", include("aftercare.urls")),
    path("", include("precare.urls")),
    path("", include("waitlist.urls")),
    path("", include("treatments.signoff.urls")),
]

handler400 = "common.views.bad_request"
handler403 = "common.views.permission_denied"
handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"
