"""Client-facing aftercare pages (signed links), the staff PDF download and cancel page."""

from django.urls import path

from aftercare import views

urlpatterns = [
    path(
        "aftercare/sessions/<int:pk>/pdf/",
        views.staff_session_pdf,
        name="aftercare-session-pdf",
    ),
    path(
        "sessions/<int:pk>/aftercare/cancel/",
        views.SessionAftercareCancelView.as_view(),
        name="session-aftercare-cancel",
    ),
    path("aftercare/<str:token>/", views.client_page, name="aftercare-page"),
    path("aftercare/<str:token>/pdf/", views.client_pdf, name="aftercare-page-pdf"),
]
