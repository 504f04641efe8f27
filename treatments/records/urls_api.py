"""Session record and lot trace API routes, included under /api/ by config/urls.py."""

from django.urls import path

from treatments.records import apis

urlpatterns = [
    path("sessions/", apis.SessionListApi.as_view(), name="api-sessions"),
    path(
        "sessions/start-check/",
        apis.SessionStartCheckApi.as_view(),
        name="api-session-start-check",
    ),
    path("sessions/<int:pk>/", apis.SessionDetailApi.as_view(), name="api-session-detail"),
    path("sessions/<int:pk>/sign/", apis.SessionSignApi.as_view(), name="api-session-sign"),
    path(
        "sessions/<int:pk>/amendments/",
        apis.SessionAmendmentListApi.as_view(),
        name="api-session-amendments",
    ),
    path(
        "sessions/<int:pk>/history/",
        apis.SessionHistoryApi.as_view(),
        name="api-session-history",
    ),
    path(
        "sessions/<int:pk>/photos/",
        apis.SessionPhotoListApi.as_view(),
        name="api-session-photos",
    ),
    path(
        "sessions/<int:pk>/photos/<int:photo_id>/",
        apis.SessionPhotoFileApi.as_view(),
        name="api-session-photo-file",
    ),
    path("lot-trace/", apis.RecallListApi.as_view(), name="api-lot-trace"),
    # The contract's first name for the same search (API.md), kept.
    path("recalls/", apis.RecallListApi.as_view(), name="api-recalls"),
]
