from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from clinic import apis as clinic_apis
from clinic import booking_apis
from common.views import healthz
from treatments import apis as treatment_apis

router = SimpleRouter()
router.register("clients", clinic_apis.ClientViewSet, basename="client")
router.register("staff", clinic_apis.StaffViewSet, basename="staff")
router.register("practitioners", booking_apis.PractitionerViewSet, basename="practitioner")
router.register("rooms", booking_apis.RoomViewSet, basename="room")
router.register("devices", booking_apis.DeviceViewSet, basename="device")
router.register("appointments", booking_apis.AppointmentViewSet, basename="appointment")

api_urlpatterns = [
    path("auth/token/", clinic_apis.TokenApi.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("availability/", booking_apis.AvailabilityApi.as_view(), name="api-availability"),
    path(
        "screening/questions/",
        treatment_apis.QuestionListApi.as_view(),
        name="api-screening-questions",
    ),
    path("screening/rule-sets/", treatment_apis.RuleSetListApi.as_view(), name="api-rule-sets"),
    path(
        "screenings/evaluate/", treatment_apis.EvaluateApi.as_view(), name="api-screening-evaluate"
    ),
    path(
        "screenings/<int:pk>/",
        treatment_apis.ScreeningDetailApi.as_view(),
        name="api-screening-detail",
    ),
    path(
        "screenings/<int:pk>/review/",
        treatment_apis.ScreeningReviewApi.as_view(),
        name="api-screening-review",
    ),
    path(
        "clients/<int:client_id>/screenings/",
        treatment_apis.ClientScreeningListApi.as_view(),
        name="api-client-screenings",
    ),
    path(
        "clients/<int:client_id>/eligibility/",
        treatment_apis.ClientEligibilityApi.as_view(),
        name="api-client-eligibility",
    ),
    path("", include("aftercare.urls_api")),
    path("", include("treatments.plan_urls_api")),
    path("", include("treatments.session_urls_api")),
    path("", include("treatments.consent_urls_api")),
    *router.urls,
]

urlpatterns = [
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("", include("clinic.urls")),
    path("", include("clinic.booking_urls")),
    path("", include("treatments.urls")),
    path("", include("treatments.plan_urls")),
    path("", include("treatments.session_urls")),
    path("", include("treatments.consent_urls")),
    path("", include("aftercare.urls")),
]

handler400 = "common.views.bad_request"
handler403 = "common.views.permission_denied"
handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"
