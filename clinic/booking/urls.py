"""Staff pages for booking (see clinic/booking_views.py)."""

from django.urls import path

from clinic.booking import views

urlpatterns = [
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("appointments/new/", views.AppointmentNewView.as_view(), name="appointment-new"),
    path(
        "appointments/<int:pk>/", views.AppointmentDetailView.as_view(), name="appointment-detail"
    ),
    path(
        "appointments/<int:pk>/reschedule/",
        views.AppointmentRescheduleView.as_view(),
        name="appointment-reschedule",
    ),
    path(
        "appointments/<int:pk>/status/",
        views.AppointmentStatusView.as_view(),
        name="appointment-status",
    ),
    path(
        "appointments/<int:pk>/cancel/",
        views.AppointmentCancelView.as_view(),
        name="appointment-cancel",
    ),
    path("settings/resources/", views.ResourcesView.as_view(), name="resources"),
    path("settings/resources/rooms/new/", views.RoomEditView.as_view(), name="resource-room-new"),
    path(
        "settings/resources/rooms/<int:pk>/",
        views.RoomEditView.as_view(),
        name="resource-room-edit",
    ),
    path(
        "settings/resources/devices/new/",
        views.DeviceEditView.as_view(),
        name="resource-device-new",
    ),
    path(
        "settings/resources/devices/<int:pk>/",
        views.DeviceEditView.as_view(),
        name="resource-device-edit",
    ),
    path(
        "settings/resources/practitioners/new/",
        views.PractitionerCreateView.as_view(),
        name="resource-practitioner-new",
    ),
    path(
        "settings/resources/practitioners/<int:pk>/",
        views.PractitionerEditView.as_view(),
        name="resource-practitioner-edit",
    ),
]
