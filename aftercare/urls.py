"""Client-facing aftercare pages (signed links) and the staff PDF download."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "aftercare/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="aftercare-unsubscribe",
    ),
    path(
        "aftercare/sessions/<int:pk>/pdf/",
        views.staff_session_pdf,
        name="aftercare-session-pdf",
    ),
    path("aftercare/<str:token>/", views.client_page, name="aftercare-page"),
    path("aftercare/<str:token>/pdf/", views.client_pdf, name="aftercare-page-pdf"),
]
