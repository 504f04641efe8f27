"""The one treatment decision (decision 0012): booking, the safety panel, the slot finders
and ``GET /api/availability/?client=&kind=`` give the same answer for a date; intervals are
counted in the clinic's calendar days ("eligible on date + N days", DOMAIN.md §1 and §3)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clinic.booking import services as booking
from clinic.booking.decision import treatment_decision
from clinic.booking.models import Appointment
from tests.factories import (
    ClientFactory,
    ClinicFactory,
    DeviceFactory,
    MembershipFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)
from treatments.plans.selectors import plan_get, plan_progress

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
EVERY_DAY = ((0, 7), "09:00", "21:00")


@pytest.fixture
def frozen_clock():
    # Monday 16 November 2026, 10:00 in London.
    with time_machine.travel("2026-11-16 10:00:00+00:00", tick=False) as traveller:
        yield traveller


@pytest.fixture
def setup(frozen_clock, clinic, practitioner, reception, client_record):
    screening_for(client_record, actor=reception.user)
    return {
        "practitioner": practitioner_for(practitioner.membership, hours=EVERY_DAY),
        "room": RoomFactory(clinic=clinic),
        "device": DeviceFactory(clinic=clinic),
    }


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def request(setup, client, start: datetime, plan=None) -> booking.BookingRequest:
    return booking.BookingRequest(
        client=client,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=start,
        end=start + timedelta(hours=1),
        kind="treatment",
        treatment_plan=plan,
    )


def first_session(setup, client, start: datetime, plan, actor):
    """A signed first session of the course, as it is left once it happened."""
    appointment = appointment_for(
        client,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=start,
        status="completed",
        treatment_plan=plan,
    )
    treatment_session_for(
        appointment,
        plan=plan,
        screening=client.screenings.first(),
        consent=consent_for(client, witnessed_by=actor),
        signed=True,
    )
    return appointment


# --- the interval in calendar days ------------------------------------------------------


def test_after_1730_on_30_november_a_28_day_course_allows_0900_on_28_december(
    clinic, reception, setup, client_record
):
    plan = plan_for(client_record, interval_days=28)
    first_session(setup, client_record, at(date(2026, 11, 30), 17, 30), plan, reception.user)

    # The plan says the next session is due on 28 December ...
    assert plan_progress(plan=plan_get(clinic=clinic, pk=plan.pk)).next_due == date(2026, 12, 28)
    # ... and booking agrees: the morning of that day is accepted ...
    booked = booking.appointment_book(
        clinic=clinic,
        actor=reception.user,
        request=request(setup, client_record, at(date(2026, 12, 28), 9), plan=plan),
    )
    assert booked.start == at(date(2026, 12, 28), 9)


def test_the_day_before_is_refused_at_any_time(clinic, reception, setup, client_record):
    plan = plan_for(client_record, interval_days=28)
    first_session(setup, client_record, at(date(2026, 11, 30), 17, 30), plan, reception.user)
    for hour, minute in ((9, 0), (17, 30), (20, 0)):
        with pytest.raises(booking.IntervalTooShort) as caught:
            booking.appointment_book(
                clinic=clinic,
                actor=reception.user,
                request=request(setup, client_record, at(date(2026, 12, 27), hour, minute), plan),
            )
        assert caught.value.extra["eligible_from"] == "2026-12-28"
        assert "The next one may be on 28 December 2026 or later." in caught.value.detail
    assert Appointment.objects.filter(client=client_record).count() == 1


def test_a_treatment_is_also_kept_n_days_before_one_already_booked(
    clinic, reception, setup, client_record
):
    plan_for(client_record, interval_days=28)
    later = at(date(2026, 12, 28), 9)
    booking.appointment_book(
        clinic=clinic, actor=reception.user, request=request(setup, client_record, later)
    )
    with pytest.raises(booking.IntervalTooShort):
        booking.appointment_book(
            clinic=clinic,
            actor=reception.user,
            request=request(setup, client_record, at(date(2026, 12, 1), 19, 30)),
        )
    # 28 days before is far enough, whatever the hour.
    booking.appointment_book(
        clinic=clinic,
        actor=reception.user,
        request=request(setup, client_record, at(date(2026, 11, 30), 19, 30)),
    )


def test_days_are_the_clinics_across_the_autumn_clock_change(
    clinic, reception, setup, client_record
):
    # 10 October 2026 is in British Summer Time; 7 November is not.
    appointment_for(
        client_record,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=at(date(2026, 10, 10), 18, 30),
        status="completed",
    )
    assert not treatment_decision(client=client_record, on_date=date(2026, 11, 6)).bookable
    assert treatment_decision(client=client_record, on_date=date(2026, 11, 7)).bookable


@pytest.mark.parametrize(
    ("first_local", "refused_day", "allowed_day"),
    [
        # 20:00 in New York is already the next day in UTC; the clocks go forward on 14 March.
        (datetime(2027, 2, 20, 20, 0, tzinfo=NEW_YORK), date(2027, 3, 19), date(2027, 3, 20)),
        # The clocks go back on 7 November 2027.
        (datetime(2027, 10, 20, 9, 0, tzinfo=NEW_YORK), date(2027, 11, 16), date(2027, 11, 17)),
    ],
)
def test_days_are_the_clinics_in_new_york_across_daylight_saving(
    first_local, refused_day, allowed_day
):
    clinic = ClinicFactory(timezone="America/New_York")
    staff = MembershipFactory(clinic=clinic, role="practitioner")
    client = ClientFactory(clinic=clinic)
    practitioner = practitioner_for(staff, hours=EVERY_DAY)
    room, device = RoomFactory(clinic=clinic), DeviceFactory(clinic=clinic)
    with time_machine.travel(first_local - timedelta(days=2), tick=False):
        screening_for(client, actor=staff.user)
        plan = plan_for(client, interval_days=28)
        appointment_for(
            client,
            practitioner=practitioner,
            room=room,
            device=device,
            start=first_local,
            treatment_plan=plan,
        )
        refused = treatment_decision(client=client, on_date=refused_day)
        assert refused.clash is not None and not refused.bookable
        assert treatment_decision(client=client, on_date=allowed_day).bookable
        req = booking.BookingRequest(
            client=client,
            practitioner=practitioner,
            room=room,
            device=device,
            start=at(allowed_day, 9, zone=NEW_YORK),
            end=at(allowed_day, 10, zone=NEW_YORK),
            kind="treatment",
        )
        assert booking.appointment_book(clinic=clinic, actor=staff.user, request=req).pk


# --- the safety panel shows what booking enforces ---------------------------------------


def test_the_safety_panel_shows_the_interval_refusal_booking_would_give(
    web, reception, setup, client_record
):
    plan = plan_for(client_record, interval_days=28)
    first_session(setup, client_record, at(date(2026, 11, 30), 17, 30), plan, reception.user)
    browser = web(reception)
    blocked = browser.get(
        f"/appointments/new/safety/?client={client_record.pk}&kind=treatment&date=2026-12-27"
    ).content.decode()
    assert 'data-eligibility="blocked"' in blocked
    assert "has another treatment on 30 November 2026" in blocked
    assert "Treatment allowed" not in blocked
    allowed = browser.get(
        f"/appointments/new/safety/?client={client_record.pk}&kind=treatment&date=2026-12-28"
    ).content.decode()
    assert 'data-eligibility="allowed"' in allowed


def test_the_safety_panel_lists_what_is_missing_before_the_session(
    web, reception, setup, client_record
):
    browser = web(reception)
    url = f"/appointments/new/safety/?client={client_record.pk}&kind=treatment&date=2026-11-20"
    content = browser.get(url).content.decode()
    assert 'data-eligibility="allowed"' in content
    assert 'data-to-do="plan_missing"' in content
    assert 'data-to-do="consent_missing"' in content
    assert f'href="/clients/{client_record.pk}/consent/"' in content

    plan_for(client_record)
    consent_for(client_record, witnessed_by=reception.user)
    content = browser.get(url).content.decode()
    assert "data-to-do=" not in content


def test_a_caution_screening_is_bookable_and_needs_review_before_the_session(
    reception, setup, client_record
):
    screening_for(client_record, actor=reception.user, anticoagulant_use=True)
    decision = treatment_decision(client=client_record, on_date=date(2026, 11, 20))
    assert decision.bookable
    assert [t.code for t in decision.to_do] == [
        "screening_review",
        "plan_missing",
        "consent_missing",
    ]


# --- the slot finders offer only what booking accepts -----------------------------------


def availability(api, who, setup, for_client, *, date_from, date_to, **extra):
    query = {
        "practitioner": setup["practitioner"].pk,
        "date_from": date_from,
        "date_to": date_to,
        "duration_minutes": 60,
        "device": setup["device"].pk,
        **extra,
    }
    if for_client is not None:
        query.setdefault("client", for_client.pk)
        query.setdefault("kind", "treatment")
    return api(who).get("/api/availability/", query)


def slot_dates(response) -> set[date]:
    return {datetime.fromisoformat(s["start"]).astimezone(LONDON).date() for s in response.json()}


def test_availability_for_a_deferred_client_starts_on_the_eligible_date(
    api, reception, setup, client_record
):
    # Sunburn on 14 November defers treatment for 14 days: eligible from 28 November.
    screening_for(client_record, actor=reception.user, sunburn_or_tan_last="2026-11-14")
    response = availability(
        api, reception, setup, client_record, date_from="2026-11-25", date_to="2026-11-30"
    )
    assert response.status_code == 200, response.json()
    assert slot_dates(response) == {date(2026, 11, 28), date(2026, 11, 29), date(2026, 11, 30)}
    anyone = availability(api, reception, setup, None, date_from="2026-11-25", date_to="2026-11-30")
    assert len(slot_dates(anyone)) == 6


def test_availability_leaves_out_the_days_inside_the_interval(api, reception, setup, client_record):
    plan = plan_for(client_record, interval_days=28)
    first_session(setup, client_record, at(date(2026, 11, 30), 17, 30), plan, reception.user)
    response = availability(
        api, reception, setup, client_record, date_from="2026-12-24", date_to="2026-12-30"
    )
    assert slot_dates(response) == {date(2026, 12, d) for d in (28, 29, 30)}
    first = response.json()[0]
    assert first["start"] == "2026-12-28T09:00:00Z"


def test_every_offered_slot_is_accepted_and_every_day_left_out_is_refused(
    api, reception, setup, client_record, clinic
):
    screening_for(client_record, actor=reception.user, botulinum_toxin_last="2026-11-10")
    plan = plan_for(client_record, interval_days=14)
    first_session(setup, client_record, at(date(2026, 11, 16), 9), plan, reception.user)
    response = availability(
        api, reception, setup, client_record, date_from="2026-11-25", date_to="2026-12-04"
    )
    offered = slot_dates(response)
    assert offered  # from 30 November (14 days after the session and the toxin)
    for offset in range(10):
        day = date(2026, 11, 25) + timedelta(days=offset)
        decision = treatment_decision(client=client_record, on_date=day, plan=plan)
        assert decision.bookable == (day in offered), day
    chosen = response.json()[0]
    booked = booking.appointment_book(
        clinic=clinic,
        actor=reception.user,
        request=request(setup, client_record, datetime.fromisoformat(chosen["start"]), plan=plan),
    )
    assert booked.pk


def test_availability_without_a_screening_offers_no_treatment_slot(api, reception, setup, clinic):
    unscreened = ClientFactory(clinic=clinic)
    response = availability(
        api, reception, setup, unscreened, date_from="2026-11-20", date_to="2026-11-21"
    )
    assert response.status_code == 200
    assert response.json() == []
    consultation = availability(
        api,
        reception,
        setup,
        unscreened,
        date_from="2026-11-20",
        date_to="2026-11-21",
        kind="consultation",
    )
    assert len(slot_dates(consultation)) == 2


def test_availability_refuses_an_unknown_or_another_clinics_client_alike(
    api, reception, setup, other_client_record
):
    theirs = availability(
        api, reception, setup, other_client_record, date_from="2026-11-20", date_to="2026-11-20"
    )
    missing = availability(
        api,
        reception,
        setup,
        None,
        date_from="2026-11-20",
        date_to="2026-11-20",
        client=987654,
        kind="treatment",
    )
    assert theirs.status_code == missing.status_code == 400
    assert theirs.json() == missing.json()
    assert theirs.json()["fields"] == {"client": ["No such client."]}


def test_availability_takes_client_and_kind_together_and_a_device_for_a_treatment(
    api, reception, setup, client_record
):
    base = {
        "practitioner": setup["practitioner"].pk,
        "date_from": "2026-11-20",
        "date_to": "2026-11-20",
        "duration_minutes": 60,
    }
    alone = api(reception).get("/api/availability/", {**base, "client": client_record.pk})
    assert alone.status_code == 400
    assert "kind" in alone.json()["fields"]
    no_device = api(reception).get(
        "/api/availability/", {**base, "client": client_record.pk, "kind": "treatment"}
    )
    assert no_device.status_code == 400
    assert "device" in no_device.json()["fields"]


def test_the_booking_pages_slot_finder_leaves_out_refused_days_and_says_why(
    web, reception, setup, client_record
):
    screening_for(client_record, actor=reception.user, sunburn_or_tan_last="2026-11-14")
    query = (
        f"find=1&client={client_record.pk}&kind=treatment&practitioner={setup['practitioner'].pk}"
        f"&duration=60&device={setup['device'].pk}&date=2026-11-25&span=week"
    )
    content = web(reception).get(f"/appointments/new/?{query}").content.decode()
    assert 'data-slot-date="2026-11-27"' not in content
    assert 'data-slot-date="2026-11-28"' in content
    assert "data-slots-refused" in content
    assert (
        "Wed 25 Nov, Thu 26 Nov, Fri 27 Nov: Treatment is deferred; the client is eligible "
        "from 28 November 2026." in content
    )
    partial = web(reception).get(f"/appointments/new/slots/?{query}").content.decode()
    assert 'data-slot-date="2026-11-27"' not in partial
    assert 'data-slot-date="2026-11-28"' in partial


def test_the_rescheduling_slot_finder_applies_the_decision_to_the_appointment(
    web, reception, setup, client_record, clinic
):
    plan = plan_for(client_record, interval_days=28)
    first_session(setup, client_record, at(date(2026, 11, 30), 17, 30), plan, reception.user)
    second = booking.appointment_book(
        clinic=clinic,
        actor=reception.user,
        request=request(setup, client_record, at(date(2026, 12, 29), 9), plan=plan),
    )
    query = (
        f"find=1&practitioner={setup['practitioner'].pk}&duration=60&device={setup['device'].pk}"
        "&date=2026-12-24&span=week"
    )
    content = web(reception).get(f"/appointments/{second.pk}/reschedule/?{query}").content.decode()
    assert 'data-slot-date="2026-12-27"' not in content
    # Its own time is not "another treatment": the 28th and 29th are offered.
    assert 'data-slot-date="2026-12-28"' in content
    assert 'data-slot-date="2026-12-29"' in content


# --- shown where reception acts: the appointment page, check-in, Today ------------------


@pytest.fixture
def todays_treatment(setup, client_record):
    return appointment_for(
        client_record,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=at(date(2026, 11, 16), 14),
    )


def test_the_appointment_page_lists_what_is_missing_before_the_session(
    web, reception, todays_treatment
):
    content = web(reception).get(f"/appointments/{todays_treatment.pk}/").content.decode()
    assert 'data-decision="to-do"' in content
    assert 'data-to-do="consent_missing"' in content
    assert 'data-to-do="plan_missing"' in content


def test_the_appointment_page_says_when_the_treatment_cannot_go_ahead(
    web, reception, client_record, todays_treatment
):
    screening_for(client_record, actor=reception.user, pregnant_or_breastfeeding=True)
    content = web(reception).get(f"/appointments/{todays_treatment.pk}/").content.decode()
    assert 'data-decision="blocked"' in content
    assert "Treatment cannot go ahead on 16 November 2026" in content
    assert "Treatment is deferred on 16 November 2026" in content


def test_a_ready_appointment_says_so(web, reception, client_record, todays_treatment):
    plan_for(client_record)
    consent_for(client_record, witnessed_by=reception.user)
    content = web(reception).get(f"/appointments/{todays_treatment.pk}/").content.decode()
    assert 'data-decision="ready"' in content
    assert "data-to-do=" not in content


def test_check_in_warns_at_once_what_is_missing(web, reception, todays_treatment):
    browser = web(reception)
    response = browser.post(
        f"/appointments/{todays_treatment.pk}/status/", {"status": "checked_in"}, follow=True
    )
    content = response.content.decode()
    assert "Checked in." in content
    assert "Before the session:" in content
    assert "has not signed the informed consent" in content


def test_today_shows_each_treatments_missing_steps_and_blocks(
    web, reception, setup, clinic, todays_treatment
):
    blocked_client = ClientFactory(clinic=clinic, first_name="Priya", last_name="Raman")
    appointment_for(
        blocked_client,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=at(date(2026, 11, 16), 16),
    )
    content = web(reception).get("/").content.decode()
    assert 'data-to-do="consent_missing"' in content
    assert 'data-to-do="plan_missing"' in content
    assert "No valid screening" in content  # Priya was never screened


def test_availability_for_a_clients_treatment_is_an_audited_read(
    api, reception, setup, client_record
):
    from common.models import AuditEvent

    availability(api, reception, setup, client_record, date_from="2026-11-20", date_to="2026-11-20")
    event = AuditEvent.objects.filter(action="read", client_id=client_record.pk).latest("id")
    assert event.object_type == "treatment_decision"
    assert event.actor_id == reception.user.pk


def test_availability_follows_the_course_the_booking_will_name(
    api, reception, setup, client_record, other_client_record, clinic
):
    current = plan_for(client_record, interval_days=28)
    melasma = plan_for(client_record, indication="hyperpigmentation_melasma", interval_days=14)
    first_session(setup, client_record, at(date(2026, 11, 30), 17, 30), current, reception.user)
    window = {"date_from": "2026-12-13", "date_to": "2026-12-15"}
    newest = availability(api, reception, setup, client_record, **window)
    # Naming none, the client's newest active course sets the interval, as in booking.
    assert slot_dates(newest) == {date(2026, 12, 14), date(2026, 12, 15)}
    named = availability(api, reception, setup, client_record, **window, treatment_plan=current.pk)
    assert slot_dates(named) == set()
    shorter = availability(
        api, reception, setup, client_record, **window, treatment_plan=melasma.pk
    )
    assert slot_dates(shorter) == {date(2026, 12, 14), date(2026, 12, 15)}
    theirs = plan_for(other_client_record)
    refused = availability(api, reception, setup, client_record, **window, treatment_plan=theirs.pk)
    assert refused.status_code == 400
    assert refused.json()["fields"] == {
        "treatment_plan": ["No such treatment plan for Amelia Hughes."]
    }
