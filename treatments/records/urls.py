"""Staff pages for treatment sessions and recalls (decision 0005)."""

from django.urls import path

from treatments.records import views

urlpatterns = [
    path(
        "appointments/<int:pk>/session/",
        views.SessionStartView.as_view(),
        name="session-start",
    ),
    path("sessions/<int:pk>/", views.SessionDetailView.as_view(), name="session-detail"),
    path("sessions/<int:pk>/record/", views.SessionRecordView.as_view(), name="session-edit"),
    path("sessions/<int:pk>/sign/", views.SessionSignView.as_view(), name="session-sign"),
    path("sessions/<int:pk>/amend/", views.SessionAmendView.as_view(), name="session-amend"),
    path("recalls/", views.RecallView.as_view(), name="recall"),
    path("recalls/export.csv", views.RecallExportView.as_view(), name="recall-csv"),
]
