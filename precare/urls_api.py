"""Preparation API routes, included under /api/ by config/urls.py."""

from django.urls import path

from precare import apis

urlpatterns = [
    path(
        "appointments/<int:pk>/precare/",
        apis.AppointmentPrecareApi.as_view(),
        name="api-appointment-precare",
    ),
]
