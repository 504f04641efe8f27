"""Every health-data read is on record: appointments, the start check, Today, exports."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from clinic.booking.models import AppointmentStatus
from common.models import AuditEvent
from tests.factories import (
    ClientFactory,
    DeviceFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(clinic, practitioner, client_record):
    start = datetime.combine(clinic.local_today(), time(23, 0), clinic.zone)
    return appointment_for(
        client_record,
        practitioner=practitioner_for(practitioner.membership),
        room=RoomFactory(clinic=clinic),
        device=DeviceFactory(clinic=clinic),
        start=start,
        minutes=30,
        status=AppointmentStatus.BOOKED,
    )


def events(**filters):
    return AuditEvent.objects.filter(outcome="allowed", **filters)


def test_the_appointment_list_in_the_api_is_one_read_per_appointment(
    api, reception, appointment, client_record
):
    api(reception).get("/api/appointments/")
    listed = events(object_type="appointment", action="list").get()
    assert listed.object_id == str(appointment.pk)
    assert listed.client_id == client_record.pk
    assert listed.channel == "api"


def test_an_appointment_in_the_api_is_an_audited_read(api, reception, appointment):
    assert api(reception).get(f"/api/appointments/{appointment.pk}/").status_code == 200
    read = events(object_type="appointment", action="read").get()
    assert read.object_id == str(appointment.pk)
    assert read.client_id == appointment.client_id


def test_the_session_start_check_is_an_audited_read_in_the_api_and_on_the_page(
    api, web, practitioner, appointment
):
    url = f"/api/sessions/start-check/?appointment={appointment.pk}"
    assert api(practitioner).get(url).status_code == 200
    assert web(practitioner).get(f"/appointments/{appointment.pk}/session/").status_code == 200

    checks = events(object_type="session_start_check").order_by("id")
    assert [(e.channel, e.action, e.object_id) for e in checks] == [
        ("api", "read", str(appointment.pk)),
        ("web", "read", str(appointment.pk)),
    ]
    assert all(e.client_id == appointment.client_id for e in checks)
    assert checks[0].detail == {"can_start": False}


def test_today_records_each_appointment_and_client_it_shows(web, reception, appointment):
    recent = ClientFactory(clinic=reception.clinic)

    assert web(reception).get("/").status_code == 200

    shown = events(object_type="appointment", action="list").get()
    assert shown.object_id == str(appointment.pk)
    assert shown.detail == {"view": "today"}
    clients = events(object_type="client", action="list")
    assert {e.client_id for e in clients} == {appointment.client_id, recent.pk}


def test_the_calendar_records_each_appointment_it_shows(web, reception, appointment):
    day = appointment.start.astimezone(reception.clinic.zone).date().isoformat()
    assert web(reception).get(f"/calendar/?date={day}").status_code == 200
    shown = events(object_type="appointment", action="list").get()
    assert shown.object_id == str(appointment.pk)


def test_a_lot_trace_csv_is_an_export_on_the_page_and_in_the_api(
    api, web, practitioner, appointment, client_record
):
    appointment.status = AppointmentStatus.COMPLETED
    appointment.save()
    treatment_session_for(
        appointment,
        plan=plan_for(client_record),
        screening=screening_for(client_record, actor=practitioner.user),
        consent=consent_for(client_record, witnessed_by=practitioner.user),
        signed=True,
    )
    assert web(practitioner).get("/lot-trace/export.csv?lot=LOT-A1").status_code == 200
    assert api(practitioner).get("/api/lot-trace/?lot=LOT-A1&format=csv").status_code == 200

    exports = events(object_type="recall").order_by("id")
    assert [(e.channel, e.action) for e in exports] == [("web", "export"), ("api", "export")]
    assert {e.client_id for e in exports} == {client_record.pk}
