"""Staff pages for treatment sessions and recalls (decision 0005)."""

from django.urls import path

from treatments.records.views import checks, detail, recall, record, start

urlpatterns = [
    path(
        "appointments/<int:pk>/session/",
        start.SessionStartView.as_view(),
        name="session-start",
    ),
    path("sessions/<int:pk>/", detail.SessionDetailView.as_view(), name="session-detail"),
    path("sessions/<int:pk>/record/", record.SessionRecordView.as_view(), name="session-edit"),
    # The record form's live checks (htmx partials).
    path(
        "sessions/<int:pk>/record/area-check/",
        checks.AreaCheckView.as_view(),
        name="session-area-check",
    ),
    path(
        "sessions/<int:pk>/record/product-check/",
        checks.ProductCheckView.as_view(),
        name="session-product-check",
    ),
    path("sessions/<int:pk>/sign/", record.SessionSignView.as_view(), name="session-sign"),
    path("sessions/<int:pk>/amend/", detail.SessionAmendView.as_view(), name="session-amend"),
    path("recalls/", recall.RecallView.as_view(), name="recall"),
    path("recalls/export.csv", recall.RecallExportView.as_view(), name="recall-csv"),
]
