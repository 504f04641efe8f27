"""The project's URLs plus the outbox API (until config/urls.py includes it)."""

from django.urls import include, path

from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("api/", include("aftercare.urls_api")),
    *project_urlpatterns,
]

handler404 = "common.views.page_not_found"
handler500 = "common.views.server_error"
