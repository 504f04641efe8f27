"""Booking's interval check follows the treatment plan (decision 0005), else 28 days."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinic.booking import services as booking
from clinic.booking.models import Appointment
from common.errors import ApplicationError
from tests.factories import ClientFactory, DeviceFactory, RoomFactory, plan_for, practitioner_for
from tests.screening.answers import all_no_answers
from treatments.screening import services as screening_services

pytestmark = pytest.mark.django_db

NOW = "2026-03-02 08:00:00+00:00"  # Monday 2 March 2026, London (UTC+0)
UTC = ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def setup(clinic, practitioner, reception, client_record):
    screening_services.screening_take(
        client=client_record,
        actor=reception.user,
        planned_date=date(2026, 3, 9),
        raw_answers=all_no_answers(),
    )
    return {
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=clinic),
        "device": DeviceFactory(clinic=clinic),
    }


def request(setup, client, day: int, month: int = 3, plan=None) -> booking.BookingRequest:
    return booking.BookingRequest(
        client=client,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=datetime(2026, month, day, 10, tzinfo=UTC),
        end=datetime(2026, month, day, 11, tzinfo=UTC),
        kind="treatment",
        treatment_plan=plan,
    )


def book(clinic, actor, req):
    return booking.appointment_book(clinic=clinic, actor=actor.user, request=req)


def melasma_plan(client, **fields):
    return plan_for(client, indication="hyperpigmentation_melasma", interval_days=14, **fields)


def test_a_fourteen_day_plan_allows_a_booking_fourteen_days_later(
    clinic, reception, setup, client_record
):
    plan = melasma_plan(client_record)
    first = book(clinic, reception, request(setup, client_record, 9, plan=plan))
    assert first.treatment_plan == plan
    second = book(clinic, reception, request(setup, client_record, 23, plan=plan))
    assert second.treatment_plan == plan
    assert Appointment.objects.filter(client=client_record).count() == 2


def test_the_fourteen_day_plan_still_refuses_thirteen_days(clinic, reception, setup, client_record):
    plan = melasma_plan(client_record)
    book(clinic, reception, request(setup, client_record, 9, plan=plan))
    with pytest.raises(booking.IntervalTooShort) as caught:
        book(clinic, reception, request(setup, client_record, 22, plan=plan))
    assert "14 days" in caught.value.detail
    assert "hyperpigmentation / melasma plan" in caught.value.detail
    assert caught.value.extra["interval_days"] == 14
    assert caught.value.extra["treatment_plan"] == plan.pk


def test_without_a_plan_the_default_28_days_applies(clinic, reception, setup, client_record):
    book(clinic, reception, request(setup, client_record, 9))
    with pytest.raises(booking.IntervalTooShort) as caught:
        book(clinic, reception, request(setup, client_record, 23))
    assert "at least 28 days" in caught.value.detail


def test_the_clients_active_plan_applies_when_the_booking_names_none(
    clinic, reception, setup, client_record
):
    melasma_plan(client_record)
    book(clinic, reception, request(setup, client_record, 9))
    second = book(clinic, reception, request(setup, client_record, 23))
    assert second.treatment_plan is None  # not attached, but its interval applied


def test_a_stopped_plan_no_longer_sets_the_interval(clinic, reception, setup, client_record):
    melasma_plan(client_record, status="stopped")
    book(clinic, reception, request(setup, client_record, 9))
    with pytest.raises(booking.IntervalTooShort):
        book(clinic, reception, request(setup, client_record, 23))


def test_a_plan_longer_than_the_default_refuses_what_28_days_would_allow(
    clinic, reception, setup, client_record
):
    plan = plan_for(client_record, interval_days=42)
    book(clinic, reception, request(setup, client_record, 9, plan=plan))
    with pytest.raises(booking.IntervalTooShort) as caught:
        book(clinic, reception, request(setup, client_record, 6, month=4, plan=plan))
    assert "42 days" in caught.value.detail


def test_another_clients_plan_is_refused(clinic, reception, setup, client_record):
    someone_else = ClientFactory(clinic=clinic)
    plan = melasma_plan(someone_else)
    with pytest.raises(ApplicationError) as caught:
        book(clinic, reception, request(setup, client_record, 9, plan=plan))
    assert caught.value.status_code == 400
    assert "treatment_plan" in caught.value.fields


def test_a_completed_plan_cannot_be_chosen(clinic, reception, setup, client_record):
    plan = melasma_plan(client_record, status="completed")
    with pytest.raises(ApplicationError) as caught:
        book(clinic, reception, request(setup, client_record, 9, plan=plan))
    assert "treatment_plan" in caught.value.fields


# --- through the API ----------------------------------------------------------------------


def payload(setup, client, day, **extra):
    return {
        "client": client.pk,
        "practitioner": setup["practitioner"].pk,
        "room": setup["room"].pk,
        "device": setup["device"].pk,
        "start": f"2026-03-{day:02d}T10:00:00Z",
        "end": f"2026-03-{day:02d}T11:00:00Z",
        "kind": "treatment",
        **extra,
    }


def test_api_refuses_a_plan_of_another_client_or_clinic(
    api, reception, setup, client_record, other_client_record
):
    theirs = melasma_plan(other_client_record)
    response = api(reception).post(
        "/api/appointments/", payload(setup, client_record, 9, treatment_plan=theirs.pk)
    )
    assert response.status_code == 400
    assert "treatment_plan" in response.json()["fields"]
    unknown = api(reception).post(
        "/api/appointments/", payload(setup, client_record, 9, treatment_plan=999999)
    )
    assert unknown.status_code == 400
    assert unknown.json()["fields"] == response.json()["fields"]


def test_api_refuses_an_inactive_plan(api, reception, setup, client_record):
    plan = melasma_plan(client_record, status="stopped")
    response = api(reception).post(
        "/api/appointments/", payload(setup, client_record, 9, treatment_plan=plan.pk)
    )
    assert response.status_code == 400
    assert "treatment_plan" in response.json()["fields"]


def test_api_reschedule_attaches_a_plan_and_shows_it(api, reception, setup, client_record):
    plan = melasma_plan(client_record)
    first = api(reception).post("/api/appointments/", payload(setup, client_record, 9))
    assert first.status_code == 201, first.json()
    assert first.json()["treatment_plan"] is None
    patched = api(reception).patch(
        f"/api/appointments/{first.json()['id']}/", {"treatment_plan": plan.pk}
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["treatment_plan"] == plan.pk
    assert Appointment.objects.get(pk=first.json()["id"]).treatment_plan == plan


def test_api_reschedule_refuses_another_clients_plan(api, reception, setup, client_record, clinic):
    plan = melasma_plan(ClientFactory(clinic=clinic))
    first = api(reception).post("/api/appointments/", payload(setup, client_record, 9))
    patched = api(reception).patch(
        f"/api/appointments/{first.json()['id']}/", {"treatment_plan": plan.pk}
    )
    assert patched.status_code == 400
    assert "treatment_plan" in patched.json()["fields"]


def test_api_interval_refusal_names_the_plans_interval(api, reception, setup, client_record):
    plan_for(client_record, interval_days=42)
    client = api(reception)
    assert client.post("/api/appointments/", payload(setup, client_record, 9)).status_code == 201
    too_soon = client.post(
        "/api/appointments/",
        {
            **payload(setup, client_record, 9),
            "start": "2026-04-06T10:00:00Z",
            "end": "2026-04-06T11:00:00Z",
        },
    )
    assert too_soon.status_code == 409
    assert too_soon.json()["code"] == "interval_too_short"
    assert "42 days" in too_soon.json()["detail"]


def test_booking_through_the_api_links_the_appointment_to_the_course(
    api, reception, setup, client_record
):
    plan = melasma_plan(client_record)
    response = api(reception).post(
        "/api/appointments/",
        {
            "client": client_record.pk,
            "practitioner": setup["practitioner"].pk,
            "room": setup["room"].pk,
            "device": setup["device"].pk,
            "start": "2026-03-09T10:00:00Z",
            "end": "2026-03-09T11:00:00Z",
            "kind": "treatment",
            "treatment_plan": plan.pk,
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["treatment_plan"] == plan.pk
    assert Appointment.objects.get(pk=response.json()["id"]).treatment_plan == plan


def test_the_booking_form_offers_the_clients_courses_and_links_the_one_chosen(
    web, reception, setup, client_record, clinic
):
    plan = melasma_plan(client_record)
    other = plan_for(ClientFactory(clinic=clinic), indication="acne_scars")
    page = web(reception).get(f"/appointments/new/?client={client_record.pk}&kind=treatment")
    html = page.content.decode()
    assert "Hyperpigmentation / melasma, every 14 days" in html
    assert f"{other.client.full_name} · Acne scars" not in html
    response = web(reception).post(
        "/appointments/new/",
        {
            "client": client_record.pk,
            "kind": "treatment",
            "treatment_plan": plan.pk,
            "practitioner": setup["practitioner"].pk,
            "duration": 60,
            "room": setup["room"].pk,
            "device": setup["device"].pk,
            "date": "2026-03-09",
            "start_time": "10:00",
            "notes": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Appointment.objects.get(client=client_record).treatment_plan == plan
