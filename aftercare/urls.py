"""Client-facing aftercare pages (signed links) and the staff PDF download."""

from django.urls import path

from aftercare import views

urlpatterns = [
    path(
        "aftercare/sessions/<int:pk>/pdf/",
        views.staff_session_pdf,
        name="aftercare-session-pdf",
    ),
    path("aftercare/<str:token>/", views.client_page, name="aftercare-page"),
    path("aftercare/<str:token>/pdf/", views.client_pdf, name="aftercare-page-pdf"),
]
