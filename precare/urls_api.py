"""Preparation API routes, included under /api/ by config/urls.py."""

from django.urls import path

from precare import apis

urlpatterns = [
    path(
        "appointments/<int:pk>/precare/",
        apis.AppointmentPrecareApi.as_view(),
        name="api-appointment-precare",
    ),
    path(
        "appointments/<int:pk>/readiness/",
        apis.AppointmentReadinessApi.as_view(),
        name="api-appointment-readiness",
    ),
    path(
        "appointments/<int:pk>/readiness-link/",
        apis.AppointmentReadinessLinkApi.as_view(),
        name="api-appointment-readiness-link",
    ),
    path(
        "portal/readiness/<str:token>/",
        apis.PortalReadinessApi.as_view(),
        name="api-portal-readiness",
    ),
]
