from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from clinic import apis as clinic_apis
from common.views import healthz

router = SimpleRouter()
router.register("clients", clinic_apis.ClientViewSet, basename="client")
router.register("staff", clinic_apis.StaffViewSet, basename="staff")

api_urlpatterns = [
    path("auth/token/", clinic_apis.TokenApi.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
]

urlpatterns = [
    path("api/", include(api_urlpatterns)),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("", include("clinic.urls")),
]

handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"
