"""Aftercare API routes, included under /api/ by config/urls.py."""

from django.urls import path

from aftercare import apis

urlpatterns = [
    path(
        "sessions/<int:pk>/aftercare/",
        apis.SessionAftercareApi.as_view(),
        name="api-session-aftercare",
    ),
    path(
        "sessions/<int:pk>/aftercare/pdf/",
        apis.SessionAftercarePdfApi.as_view(),
        name="api-session-aftercare-pdf",
    ),
    path(
        "sessions/<int:pk>/aftercare/cancel/",
        apis.SessionAftercareCancelApi.as_view(),
        name="api-session-aftercare-cancel",
    ),
]
