"""Outbox API routes, included under /api/ by config/urls.py."""

from django.urls import path

from clinic.messaging import apis

urlpatterns = [
    path("reminders/", apis.MessageListApi.as_view(), name="api-reminders"),
    path(
        "reminders/<int:pk>/resend/",
        apis.MessageResendApi.as_view(),
        name="api-reminder-resend",
    ),
]
