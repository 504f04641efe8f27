"""Staff pages for treatment sessions and the lot trace (decisions 0005, 0013)."""

from django.urls import path

from treatments.records.views import checks, detail, lot_trace, record, start

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
    path("lot-trace/", lot_trace.LotTraceView.as_view(), name="lot-trace"),
    path("lot-trace/export.csv", lot_trace.LotTraceExportView.as_view(), name="lot-trace-csv"),
    # Its former name: bookmarks and links keep working.
    path("recalls/", lot_trace.moved_permanently("lot-trace"), name="recall"),
    path("recalls/export.csv", lot_trace.moved_permanently("lot-trace-csv"), name="recall-csv"),
]
