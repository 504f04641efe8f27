"""Appointment statuses: one table of allowed changes, and every caller obeys it.

The rule: a booked appointment may be checked in, marked a no-show, cancelled or
completed (by signing its session); a check-in may be undone, cancelled or completed;
completed, cancelled and no-show appointments are final. Only a booked one may be moved.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from clinic.booking import services as booking
from clinic.booking.models import STATUS_CHANGES, Appointment, AppointmentStatus
from common.errors import Conflict
from tests.factories import (
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

S = AppointmentStatus
ALL = list(AppointmentStatus)

#: The rule above, written out pair by pair.
ALLOWED = {
    (S.BOOKED, S.CHECKED_IN),
    (S.BOOKED, S.NO_SHOW),
    (S.BOOKED, S.CANCELLED),
    (S.BOOKED, S.COMPLETED),
    (S.CHECKED_IN, S.BOOKED),
    (S.CHECKED_IN, S.CANCELLED),
    (S.CHECKED_IN, S.COMPLETED),
    # An online request is cancelled (by the client, staff or its expiry); confirming it
    # is the client's own link, never a plain status change (decision 0021).
    (S.HELD, S.CANCELLED),
}
PAIRS = [(a, b) for a in ALL for b in ALL]

NOW = "2026-03-02 08:00:00+00:00"  # Monday; the appointments are next Monday
START = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


# --- the table --------------------------------------------------------------------------


@pytest.mark.parametrize("current, wanted", PAIRS)
def test_the_table_allows_exactly_the_rule(current, wanted):
    assert current.can_change_to(wanted) == ((current, wanted) in ALLOWED)


def test_the_table_covers_every_status_and_names_only_statuses():
    assert set(STATUS_CHANGES) == set(AppointmentStatus.values)
    assert all(set(targets) <= set(AppointmentStatus.values) for targets in STATUS_CHANGES.values())


def test_completed_cancelled_and_no_show_are_final():
    for final in (S.COMPLETED, S.CANCELLED, S.NO_SHOW):
        assert not any(final.can_change_to(other) for other in ALL)


def test_only_a_booked_appointment_can_be_moved():
    assert [s for s in ALL if s.can_be_moved] == [S.BOOKED]


def test_an_appointment_asks_the_table_for_its_own_status():
    checked_in = Appointment(status=S.CHECKED_IN)
    assert checked_in.can_change_to(S.BOOKED)
    assert not checked_in.can_change_to(S.NO_SHOW)
    assert not checked_in.can_be_moved
    assert checked_in.next_statuses == {
        "booked": True,
        "checked_in": False,
        "completed": True,
        "cancelled": True,
        "no_show": False,
        "held": False,
    }


# --- every caller obeys it --------------------------------------------------------------


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def make(frozen, clinic, practitioner, client_record):
    bookable = practitioner_for(practitioner.membership)
    room = RoomFactory(clinic=clinic, name="Room 1")

    def make(status, kind="consultation", start=START):
        device = DeviceFactory(clinic=clinic) if kind == "treatment" else None
        return appointment_for(
            client_record,
            practitioner=bookable,
            room=room,
            device=device,
            start=start,
            kind=kind,
            status=status,
            # A held online request always has an expiry (decision 0021).
            hold_expires_at=START - timedelta(days=6) if status == S.HELD else None,
        )

    return make


def status_of(appointment) -> str:
    appointment.refresh_from_db()
    return appointment.status


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("wanted", [S.CHECKED_IN, S.BOOKED, S.NO_SHOW])
def test_the_status_service_changes_only_what_the_table_allows(make, reception, current, wanted):
    appointment = make(current)
    if current.can_change_to(wanted):
        booking.appointment_set_status(appointment=appointment, actor=reception.user, status=wanted)
        assert status_of(appointment) == wanted
    else:
        with pytest.raises(Conflict) as refused:
            booking.appointment_set_status(
                appointment=appointment, actor=reception.user, status=wanted
            )
        assert refused.value.code == "invalid_transition"
        assert status_of(appointment) == current


@pytest.mark.parametrize("wanted", [S.CANCELLED, S.COMPLETED])
def test_cancelling_and_completing_are_not_plain_status_changes(make, reception, wanted):
    appointment = make(S.BOOKED)
    with pytest.raises(Conflict):
        booking.appointment_set_status(appointment=appointment, actor=reception.user, status=wanted)
    assert status_of(appointment) == S.BOOKED


@pytest.mark.parametrize("current", ALL)
def test_cancelling_obeys_the_table(make, reception, current):
    appointment = make(current)
    if current.can_change_to(S.CANCELLED):
        booking.appointment_cancel(appointment=appointment, actor=reception.user, reason="Ill")
        assert status_of(appointment) == S.CANCELLED
    else:
        with pytest.raises(Conflict):
            booking.appointment_cancel(appointment=appointment, actor=reception.user, reason="Ill")
        assert status_of(appointment) == current


@pytest.mark.parametrize("current", ALL)
def test_rescheduling_obeys_the_table(make, reception, current):
    appointment = make(current)
    later = START.replace(hour=14)
    changes = {"start": later, "end": later + (appointment.end - appointment.start)}
    if current.can_be_moved:
        booking.appointment_reschedule(
            appointment=appointment, actor=reception.user, changes=changes
        )
        appointment.refresh_from_db()
        assert appointment.start == later
    else:
        with pytest.raises(Conflict):
            booking.appointment_reschedule(
                appointment=appointment, actor=reception.user, changes=changes
            )
        appointment.refresh_from_db()
        assert appointment.start == START


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize(
    "action, wanted",
    [("check-in", S.CHECKED_IN), ("no-show", S.NO_SHOW), ("cancel", S.CANCELLED)],
)
def test_the_api_obeys_the_table(api, make, reception, current, action, wanted):
    appointment = make(current)
    response = api(reception).post(
        f"/api/appointments/{appointment.pk}/{action}/", {"reason": "Unwell"}, format="json"
    )
    if current.can_change_to(wanted):
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == wanted
    else:
        assert response.status_code == 409
        assert status_of(appointment) == current


@pytest.mark.parametrize("current", ALL)
def test_the_api_moves_only_what_the_table_allows(api, make, reception, current):
    appointment = make(current)
    response = api(reception).patch(
        f"/api/appointments/{appointment.pk}/",
        {"start": "2026-03-09T14:00:00Z", "end": "2026-03-09T15:00:00Z"},
        format="json",
    )
    assert response.status_code == (200 if current.can_be_moved else 409)


@pytest.mark.parametrize("current", ALL)
def test_the_appointment_page_offers_only_the_allowed_changes(web, make, reception, current):
    appointment = make(current, kind="treatment")
    page = web(reception).get(f"/appointments/{appointment.pk}/").content.decode()
    offered = {
        S.CHECKED_IN: 'name="status" value="checked_in"' in page,
        S.NO_SHOW: 'name="status" value="no_show"' in page,
        S.BOOKED: 'name="status" value="booked"' in page,
        S.CANCELLED: "Cancel appointment" in page,
        S.COMPLETED: "Start session" in page,
    }
    assert offered == {wanted: current.can_change_to(wanted) for wanted in offered}
    assert ("Reschedule</a>" in page) == current.can_be_moved


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("wanted", [S.CHECKED_IN, S.BOOKED, S.NO_SHOW])
def test_the_status_buttons_obey_the_table(web, make, reception, current, wanted):
    appointment = make(current)
    response = web(reception).post(f"/appointments/{appointment.pk}/status/", {"status": wanted})
    if current.can_change_to(wanted):
        assert response.status_code == 302
        assert status_of(appointment) == wanted
    else:
        assert response.status_code == 409
        assert "Not changed" in response.content.decode()
        assert status_of(appointment) == current


@pytest.mark.parametrize("current", ALL)
def test_the_cancel_form_and_the_reschedule_page_obey_the_table(web, make, reception, current):
    appointment = make(current)
    browser = web(reception)
    cancel = browser.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "Unwell"})
    assert cancel.status_code == (302 if current.can_change_to(S.CANCELLED) else 409)
    other = make(current, start=START.replace(hour=12))
    page = browser.get(f"/appointments/{other.pk}/reschedule/")
    if current.can_be_moved:
        assert page.status_code == 200
    else:  # back to the appointment, saying why
        assert page.status_code == 302
        assert page["Location"] == f"/appointments/{other.pk}/"


@pytest.mark.parametrize("current", [S.BOOKED, S.CHECKED_IN, S.CANCELLED, S.NO_SHOW])
def test_signing_the_session_completes_the_appointment_only_if_the_table_allows(
    make, client_record, practitioner, current
):
    from treatments.records import services as session_services

    appointment = make(S.BOOKED, kind="treatment")
    screening = screening_for(client_record, actor=practitioner.user)
    consent = consent_for(client_record, witnessed_by=practitioner.user)
    session = treatment_session_for(
        appointment, plan=plan_for(client_record), screening=screening, consent=consent
    )
    Appointment.objects.filter(pk=appointment.pk).update(status=current)
    with time_machine.travel(session.ended_at + timedelta(minutes=5), tick=False):
        session_services.session_sign(session=session, actor=practitioner.user)  # after the end
    expected = S.COMPLETED if current.can_change_to(S.COMPLETED) else current
    assert status_of(appointment) == expected
