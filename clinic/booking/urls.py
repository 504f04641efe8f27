"""Staff pages for booking (clinic/booking/views/)."""

from django.urls import path

from clinic.booking.views import (
    appointment,
    booking_form,
    calendar,
    client_picker,
    portal,
    resources,
    setup,
)

urlpatterns = [
    # Public online booking (decision 0021): no login.
    path("book/manage/<str:token>/", portal.manage_page, name="portal-manage"),
    path("book/<slug:slug>/", portal.book_page, name="portal-book"),
    path("book/<slug:slug>/logo/", portal.clinic_logo, name="portal-logo"),
    path("calendar/", calendar.CalendarView.as_view(), name="calendar"),
    path("appointments/new/", booking_form.AppointmentNewView.as_view(), name="appointment-new"),
    # Partials the booking and rescheduling forms swap in with htmx.
    path(
        "appointments/new/slots/",
        booking_form.AppointmentSlotsView.as_view(),
        name="appointment-new-slots",
    ),
    path(
        "appointments/new/clients/",
        client_picker.AppointmentClientsView.as_view(),
        name="appointment-new-clients",
    ),
    path(
        "appointments/new/safety/",
        booking_form.AppointmentSafetyView.as_view(),
        name="appointment-new-safety",
    ),
    path(
        "appointments/<int:pk>/reschedule/slots/",
        appointment.AppointmentRescheduleSlotsView.as_view(),
        name="appointment-reschedule-slots",
    ),
    path(
        "appointments/<int:pk>/",
        appointment.AppointmentDetailView.as_view(),
        name="appointment-detail",
    ),
    path(
        "appointments/<int:pk>/reschedule/",
        appointment.AppointmentRescheduleView.as_view(),
        name="appointment-reschedule",
    ),
    path(
        "appointments/<int:pk>/status/",
        appointment.AppointmentStatusView.as_view(),
        name="appointment-status",
    ),
    path(
        "appointments/<int:pk>/cancel/",
        appointment.AppointmentCancelView.as_view(),
        name="appointment-cancel",
    ),
    path("settings/resources/", resources.ResourcesView.as_view(), name="resources"),
    path("setup/", setup.SetupView.as_view(), name="setup"),
    path(
        "settings/resources/rooms/new/",
        resources.RoomEditView.as_view(),
        name="resource-room-new",
    ),
    path(
        "settings/resources/rooms/<int:pk>/",
        resources.RoomEditView.as_view(),
        name="resource-room-edit",
    ),
    path(
        "settings/resources/devices/new/",
        resources.DeviceEditView.as_view(),
        name="resource-device-new",
    ),
    path(
        "settings/resources/devices/<int:pk>/",
        resources.DeviceEditView.as_view(),
        name="resource-device-edit",
    ),
    path(
        "settings/resources/practitioners/new/",
        resources.PractitionerCreateView.as_view(),
        name="resource-practitioner-new",
    ),
    path(
        "settings/resources/practitioners/<int:pk>/",
        resources.PractitionerEditView.as_view(),
        name="resource-practitioner-edit",
    ),
]
