"""Unsubscribing by signed link (the path predates this package; old e-mails use it)."""

from django.urls import path

from clinic.messaging import views

urlpatterns = [
    path(
        "aftercare/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="aftercare-unsubscribe",
    ),
]
