"""Preparation pages for staff."""

from django.urls import path

from precare import views

urlpatterns = [
    path("precare/", views.PrecareTemplateView.as_view(), name="precare-template"),
    path("precare/publish/", views.PrecarePublishView.as_view(), name="precare-publish"),
    path(
        "precare/appointments/<int:pk>/pdf/",
        views.staff_appointment_pdf,
        name="precare-appointment-pdf",
    ),
    path(
        "appointments/<int:pk>/readiness-link/",
        views.ReadinessLinkView.as_view(),
        name="appointment-readiness-link",
    ),
    path(
        "appointments/<int:pk>/readiness-link/revoke/",
        views.ReadinessLinkRevokeView.as_view(),
        name="appointment-readiness-link-revoke",
    ),
    path("readiness/<str:token>/", views.readiness_page, name="readiness-page"),
]
