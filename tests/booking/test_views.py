"""The booking staff pages: calendar, booking form, appointment actions and resources."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.booking import selectors as booking_selectors
from clinic.booking import services as booking
from clinic.booking.availability import local_to_utc
from clinic.booking.models import Appointment, AppointmentStatus, Room, TimeOff, WorkingHours
from tests.factories import ClientFactory, DeviceFactory, RoomFactory, practitioner_for
from tests.screening.answers import all_no_answers
from treatments.screening import services as screening_services

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, London (UTC+0 in winter). Bookings go on Monday 9 March.
NOW = "2026-03-02 08:00:00+00:00"
DAY = date(2026, 3, 9)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def setup(clinic, practitioner, frozen):
    return {
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=clinic, name="Room 1"),
        "device": DeviceFactory(clinic=clinic, name="SkinPen", cleanup_minutes=15),
    }


def at(day: date, hhmm: str) -> datetime:
    """A London wall-clock time as UTC (London is UTC+0 in March, UTC+1 in summer)."""
    return local_to_utc(day, time.fromisoformat(hhmm), ZoneInfo("Europe/London"))


def book(setup, client, actor, start, minutes=30, kind="consultation", **overrides):
    values = {
        "client": client,
        "practitioner": setup["practitioner"],
        "room": setup["room"],
        "device": setup["device"] if kind == "treatment" else None,
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "kind": kind,
    }
    values.update(overrides)
    return booking.appointment_book(
        clinic=client.clinic, actor=actor.user, request=booking.BookingRequest(**values)
    )


def screen(client, who, **answers):
    return screening_services.screening_take(
        client=client, actor=who.user, planned_date=DAY, raw_answers=all_no_answers(**answers)
    )


def form_data(setup, client, **overrides):
    data = {
        "client": client.pk,
        "kind": "consultation",
        "practitioner": setup["practitioner"].pk,
        "duration": 30,
        "room": setup["room"].pk,
        "device": "",
        "date": DAY.isoformat(),
        "start_time": "10:00",
        "notes": "",
    }
    data.update(overrides)
    return data


def positions(content: str) -> dict[str, dict[str, int]]:
    """Block id → its position, from the page's nonce'd style element (no style="": CSP)."""
    found: dict[str, dict[str, int]] = {}
    for match in re.finditer(r"#([\w-]+) \{([^}]*)\}", content):
        found[match.group(1)] = {
            name: int(value) for name, value in re.findall(r"(--[\w-]+): (-?\d+);", match.group(2))
        }
    return found


def item_tops(content: str) -> dict[str, int]:
    """Appointment id → its block's offset in minutes from the first hour shown."""
    where = positions(content)
    found = {}
    for match in re.finditer(
        r'class="cal-item cal-item--appointment" id="([\w-]+)">.*?data-appointment="(\d+)"',
        content,
        re.S,
    ):
        found[match.group(2)] = where[match.group(1)]["--top"]
    return found


# --- calendar ---------------------------------------------------------------------------


def test_calendar_shows_appointments_at_clinic_local_time_in_summer(
    web, reception, practitioner, clinic, client_record
):
    """London is on BST in June: 09:00 UTC is 10:00 on the clinic's wall clock."""
    with time_machine.travel("2026-06-01 06:00:00+00:00", tick=False):
        setup = {
            "practitioner": practitioner_for(practitioner.membership),
            "room": RoomFactory(clinic=clinic, name="Room 1"),
        }
        start = datetime(2026, 6, 3, 9, 0, tzinfo=UTC)
        appointment = book(setup, client_record, reception, start, minutes=45)
        page = web(reception).get("/calendar/?date=2026-06-03")
    assert page.status_code == 200
    content = page.content.decode()
    assert "Wednesday 3 June 2026" in content
    assert "10:00–10:45" in content
    assert "09:00–09:45" not in content
    # Working hours start at 09:00 local, so the block sits 60 minutes down the column.
    assert item_tops(content) == {str(appointment.pk): 60}
    assert "Amelia Hughes" in content
    assert f'href="/appointments/{appointment.pk}/"' in content


def test_calendar_defaults_to_the_clinic_local_today(web, reception, setup, client_record):
    book(setup, client_record, reception, at(date(2026, 3, 2), "11:00"))
    page = web(reception).get("/calendar/")
    assert page.status_code == 200
    assert "Monday 2 March 2026" in page.content.decode()
    assert "11:00–11:30" in page.content.decode()


def test_calendar_draws_working_hours_time_off_and_the_review_flag(
    web, reception, setup, client_record
):
    screen(client_record, reception, anticoagulant_use=True)  # caution: needs review
    book(setup, client_record, reception, at(DAY, "10:00"), minutes=60, kind="treatment")
    TimeOff.objects.create(
        practitioner=setup["practitioner"],
        start=at(DAY, "13:00"),
        end=at(DAY, "14:00"),
        reason="Training",
    )
    content = web(reception).get(f"/calendar/?date={DAY}").content.decode()
    bands = re.findall(r'class="cal-band" id="([\w-]+)"', content)
    assert [positions(content)[band] for band in bands] == [{"--top": 0, "--h": 480}]  # 09–17
    assert "Time off: Training" in content
    assert "screening needs review" in content
    # Free time around the booking links to the form with the start filled in.
    assert "start_time=11%3A00" in content
    assert "start_time=14%3A00" in content


def test_calendar_by_room_has_a_column_per_room(web, reception, setup, client_record, clinic):
    RoomFactory(clinic=clinic, name="Room 2")
    book(setup, client_record, reception, at(DAY, "10:00"))
    content = web(reception).get(f"/calendar/?date={DAY}&by=room").content.decode()
    assert content.count('<section class="cal-col') == 2
    assert "Room 2" in content
    assert setup["practitioner"].display_name in content


def test_week_view_shows_one_practitioner_over_seven_days(web, reception, setup, client_record):
    monday = book(setup, client_record, reception, at(DAY, "09:00"))
    other = ClientFactory(clinic=setup["room"].clinic, first_name="Nia", last_name="Okafor")
    friday = book(setup, other, reception, at(DAY + timedelta(days=4), "15:30"))
    page = web(reception).get(
        f"/calendar/?view=week&date={DAY + timedelta(days=2)}"
        f"&practitioner={setup['practitioner'].pk}"
    )
    assert page.status_code == 200
    content = page.content.decode()
    assert "Week of 9 March – 15 March 2026" in content
    assert content.count('<section class="cal-col') == 7
    for label in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        assert f">{label}</a>" in content
    assert item_tops(content) == {str(monday.pk): 0, str(friday.pk): 390}
    assert "Nia Okafor" in content


def test_bad_calendar_input_is_a_400_not_an_error(web, reception, setup):
    browser = web(reception)
    for query in ("date=not-a-date&view=month", "date=0001-01-01", "date=9999-12-31&view=week"):
        page = browser.get(f"/calendar/?{query}")
        assert page.status_code == 400, query
        assert "not understood" in page.content.decode()


def test_calendar_query_count_does_not_grow_with_appointments(
    web, reception, setup, clinic, manager
):
    second = practitioner_for(manager.membership)
    room2 = RoomFactory(clinic=clinic, name="Room 2")
    screened = ClientFactory(clinic=clinic)
    screening = screen(screened, reception, anticoagulant_use=True)
    made = []

    def add(count):
        for _ in range(count):
            n = len(made)
            who, room = (setup["practitioner"], setup["room"]) if n % 2 else (second, room2)
            start = at(DAY, "09:00") + timedelta(minutes=15 * (n // 2))
            treatment = n % 3 == 0
            made.append(
                Appointment.objects.create(
                    clinic=clinic,
                    client=screened if treatment else ClientFactory(clinic=clinic),
                    practitioner=who,
                    room=room,
                    device=DeviceFactory(clinic=clinic) if treatment else None,
                    start=start,
                    end=start + timedelta(minutes=15),
                    kind="treatment" if treatment else "consultation",
                    screening=screening if treatment else None,
                )
            )
        TimeOff.objects.create(
            practitioner=second, start=at(DAY, "16:00"), end=at(DAY, "16:30"), reason=""
        )

    browser = web(reception)
    browser.get(f"/calendar/?date={DAY}")  # warm the session
    add(3)
    with CaptureQueriesContext(connection) as few:
        assert browser.get(f"/calendar/?date={DAY}").status_code == 200
    add(27)
    with CaptureQueriesContext(connection) as many:
        page = browser.get(f"/calendar/?date={DAY}")
    assert page.content.decode().count("cal-item--appointment") == 30
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- isolation --------------------------------------------------------------------------


def test_another_clinics_appointment_is_not_found(
    web, other_manager, reception, setup, client_record
):
    appointment = book(setup, client_record, reception, at(DAY, "10:00"))
    browser = web(other_manager)
    assert browser.get(f"/appointments/{appointment.pk}/").status_code == 404
    assert browser.get(f"/appointments/{appointment.pk}/reschedule/").status_code == 404
    assert (
        browser.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "x"}).status_code == 404
    )
    assert (
        browser.post(
            f"/appointments/{appointment.pk}/status/", {"status": "checked_in"}
        ).status_code
        == 404
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    # Nor can their booking form use our client.
    response = browser.post("/appointments/new/", form_data(setup, client_record))
    assert response.status_code == 400
    assert Appointment.objects.count() == 1


# --- booking form -----------------------------------------------------------------------


def test_booking_form_preselects_the_client_and_shows_the_screening_badge(
    web, reception, setup, client_record
):
    page = web(reception).get(f"/appointments/new/?client={client_record.pk}")
    assert page.status_code == 200
    content = page.content.decode()
    assert f'name="client" value="{client_record.pk}" checked' in content
    assert 'data-screening-status="none"' in content
    assert "Not screened" in content


def test_booking_a_consultation_through_the_form(web, reception, setup, client_record):
    browser = web(reception)
    response = browser.post(
        "/appointments/new/", form_data(setup, client_record, notes="First visit")
    )
    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/appointments/{appointment.pk}/"
    assert appointment.start == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)
    assert appointment.end == datetime(2026, 3, 9, 10, 30, tzinfo=UTC)
    assert (appointment.kind, appointment.notes) == ("consultation", "First visit")
    assert appointment.created_by == reception.user
    page = browser.get(response["Location"])
    content = page.content.decode()
    assert "Booked: consultation for Amelia Hughes on Monday 9 March at 10:00." in content
    assert "10:00–10:30" in content


def test_booking_uses_the_clinic_time_zone(web, reception, setup, client_record):
    """10:00 on 9 June in London (BST) is stored as 09:00 UTC."""
    response = web(reception).post(
        "/appointments/new/", form_data(setup, client_record, date="2026-06-09")
    )
    assert response.status_code == 302
    assert Appointment.objects.get().start == datetime(2026, 6, 9, 9, 0, tzinfo=UTC)


def test_a_treatment_for_an_unscreened_client_is_refused_and_nothing_saved(
    web, reception, setup, client_record
):
    response = web(reception).post(
        "/appointments/new/",
        form_data(setup, client_record, kind="treatment", device=setup["device"].pk, duration=60),
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert 'role="alert"' in content
    assert "This treatment cannot be booked" in content
    assert "has no screening from the last" in content
    assert "Nothing was saved." in content
    assert not Appointment.objects.exists()
    # What was typed is still there.
    assert 'value="10:00"' in content


def test_a_contraindicated_client_sees_each_finding(web, reception, setup, client_record):
    screen(client_record, reception, bleeding_disorder=True)
    response = web(reception).post(
        "/appointments/new/",
        form_data(setup, client_record, kind="treatment", device=setup["device"].pk),
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "Microneedling is contraindicated for Amelia Hughes." in content
    assert '<ul class="booking-findings">' in content
    assert not Appointment.objects.exists()


def test_eligibility_is_shown_before_submitting(web, reception, setup, client_record):
    screen(client_record, reception)
    browser = web(reception)
    query = f"client={client_record.pk}&kind=treatment&date={DAY}"
    content = browser.get(f"/appointments/new/?{query}").content.decode()
    assert 'data-eligibility="allowed"' in content
    assert "Treatment allowed on 9 March 2026" in content
    # A later date is judged by the same screening, as long as it is valid today.
    later = browser.get(
        f"/appointments/new/?client={client_record.pk}&kind=treatment&date=2026-05-01"
    )
    assert 'data-eligibility="allowed"' in later.content.decode()
    other = ClientFactory(clinic=client_record.clinic)
    screen(other, reception, sunburn_or_tan_last="2026-03-01")  # deferred until 15 March
    blocked = browser.get(f"/appointments/new/?client={other.pk}&kind=treatment&date={DAY}")
    assert 'data-eligibility="blocked"' in blocked.content.decode()
    assert "eligible from 15 March 2026" in blocked.content.decode()


def test_a_screened_treatment_books_and_a_caution_is_flagged(web, reception, setup, client_record):
    screen(client_record, reception, anticoagulant_use=True)
    response = web(reception).post(
        "/appointments/new/",
        form_data(setup, client_record, kind="treatment", device=setup["device"].pk, duration=60),
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.screening_needs_review
    page = web(reception).get(response["Location"]).content.decode()
    assert "Screening needs review" in page


def test_a_taken_time_says_so_and_offers_free_slots(web, reception, setup, client_record, clinic):
    book(setup, ClientFactory(clinic=clinic), reception, at(DAY, "10:00"), minutes=60)
    response = web(reception).post(
        "/appointments/new/", form_data(setup, client_record, start_time="10:30")
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "That time is taken" in content
    assert "already booked" in content
    assert 'value="2026-03-09T11:00|' in content  # the next free slot is offered
    assert Appointment.objects.count() == 1


def test_outside_working_hours_is_not_available(web, reception, setup, client_record):
    response = web(reception).post(
        "/appointments/new/", form_data(setup, client_record, start_time="18:00")
    )
    assert response.status_code == 409
    assert "does not work at that time" in response.content.decode()


def test_missing_fields_are_form_errors(web, reception, setup, client_record):
    response = web(reception).post(
        "/appointments/new/",
        form_data(setup, client_record, start_time="", room="", date="2026-02-30"),
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Choose a room, or pick a free slot" in content
    assert "Enter a valid date." in content
    assert not Appointment.objects.exists()


def test_dates_out_of_range_are_form_errors(web, reception, setup, client_record):
    browser = web(reception)
    response = browser.post(
        "/appointments/new/",
        form_data(setup, client_record, date="9999-12-31", start_time="23:45", duration=90),
    )
    assert response.status_code == 400
    assert "Choose a date between 2000 and 2100." in response.content.decode()
    search = browser.get(
        "/appointments/new/",
        {
            "find": 1,
            "practitioner": setup["practitioner"].pk,
            "duration": 30,
            "date": "9999-12-31",
            "span": "week",
        },
    )
    assert search.status_code == 400


def test_a_time_in_the_past_is_refused(web, reception, setup, client_record):
    response = web(reception).post(
        "/appointments/new/", form_data(setup, client_record, date="2026-03-01")
    )
    assert response.status_code == 400
    assert "That time has passed" in response.content.decode()


def test_free_slots_are_listed_without_booked_times(web, reception, setup, client_record):
    book(setup, client_record, reception, at(DAY, "10:00"), minutes=60)
    page = web(reception).get(
        "/appointments/new/",
        {
            "practitioner": setup["practitioner"].pk,
            "duration": 60,
            "date": DAY.isoformat(),
            "span": "day",
            "find": "1",
        },
    )
    assert page.status_code == 200
    content = page.content.decode()
    room = setup["room"].pk
    offered = re.findall(r'name="slot" value="2026-03-09T(\d\d:\d\d)\|', content)
    assert offered[0] == "09:00"
    for taken in ("09:15", "09:30", "09:45", "10:00", "10:30", "10:45"):
        assert taken not in offered
    assert "11:00" in offered
    assert offered[-1] == "16:00"
    assert f'data-slot-room="{room}"' in content
    assert "free slots" in content


def test_choosing_a_slot_without_javascript_fills_in_the_start_and_room(
    web, reception, setup, client_record
):
    room = setup["room"].pk
    page = web(reception).get(
        "/appointments/new/",
        {
            "client": client_record.pk,
            "practitioner": setup["practitioner"].pk,
            "duration": 30,
            "date": DAY.isoformat(),
            "room": "",
            "slot": f"2026-03-10T11:15|{room}",
        },
    )
    assert page.status_code == 200
    content = page.content.decode()
    assert 'name="start_time" value="11:15"' in content
    assert 'name="date" value="2026-03-10"' in content
    assert f'<option value="{room}" selected>' in content
    assert 'aria-pressed="true"' in content


def test_the_csrf_token_of_a_no_js_search_is_dropped_from_the_url(web, reception, setup):
    response = web(reception).get("/appointments/new/?csrfmiddlewaretoken=abc&find=1&date=x")
    assert response.status_code == 302
    assert "csrfmiddlewaretoken" not in response["Location"]
    assert "find=1" in response["Location"]


def test_a_slot_search_without_a_practitioner_is_a_400(web, reception, setup):
    page = web(reception).get("/appointments/new/?find=1&duration=60&date=2026-03-09")
    assert page.status_code == 400
    assert "Choose a practitioner to find free slots." in page.content.decode()


# --- the booking form's partials (htmx) ------------------------------------------------


def slot_query(setup, **overrides):
    query = {
        "practitioner": setup["practitioner"].pk,
        "duration": 60,
        "room": "",
        "device": "",
        "date": DAY.isoformat(),
        "span": "day",
        "find": "1",
    }
    query.update(overrides)
    return query


def test_the_slot_list_partial_lists_free_slots_for_the_form_as_it_is(
    web, reception, setup, client_record
):
    book(setup, client_record, reception, at(DAY, "10:00"), minutes=60)
    response = web(reception).get(
        "/appointments/new/slots/", slot_query(setup, client=client_record.pk)
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content  # a fragment, not the page
    assert content.lstrip().startswith('<section id="slot-results"')
    offered = re.findall(r'name="slot" value="2026-03-09T(\d\d:\d\d)\|', content)
    assert offered[0] == "09:00"
    assert "10:00" not in offered and "10:30" not in offered
    assert "11:00" in offered
    # The chosen slot's sentence is the server's, written on the button.
    assert 'data-slot-chosen="Start set to 09:00 on Monday 9 March in Room 1."' in content
    # The summary is announced: swapped out of band into the page's status region.
    assert re.search(
        r'<p id="slot-status" hx-swap-oob="innerHTML">\s*<strong>\d+ free slots', content
    )
    # Having answered, the list follows the choices above it.
    assert "change from:#id_practitioner" in content
    assert 'hx-get="/appointments/new/slots/"' in content


def test_the_slot_list_partial_puts_the_pages_own_address_in_the_history(
    web, reception, setup, client_record
):
    query = slot_query(
        setup, client=client_record.pk, csrfmiddlewaretoken="secret", slot="2026-03-09T09:00|1"
    )
    query.pop("find")
    response = web(reception).get("/appointments/new/slots/", query)
    address = response["HX-Replace-Url"]
    assert address.startswith("/appointments/new/?")
    assert f"client={client_record.pk}" in address
    assert "find=1" in address
    assert "secret" not in address and "csrfmiddlewaretoken" not in address
    assert "slot=" not in address
    # Without JavaScript that address shows the same slots.
    page = web(reception).get(address)
    assert page.status_code == 200
    assert 'name="slot" value="2026-03-09T09:00|' in page.content.decode()


def test_a_slot_search_that_cannot_run_says_why_in_the_partial(web, reception, setup):
    response = web(reception).get("/appointments/new/slots/", slot_query(setup, practitioner=""))
    # A 200: htmx swaps only successful answers, and the reason must be seen.
    assert response.status_code == 200
    content = response.content.decode()
    assert "Choose a practitioner to find free slots." in content
    assert "hx-trigger" not in content  # nothing to keep up to date
    out_of_range = web(reception).get(
        "/appointments/new/slots/", slot_query(setup, date="9999-12-31", span="week")
    )
    assert "Choose a date between 2000 and 2100." in out_of_range.content.decode()


def test_the_rescheduling_partial_offers_slots_of_the_appointments_own_length(
    web, reception, setup, client_record, clinic
):
    appointment = book(setup, client_record, reception, at(DAY, "10:00"), minutes=75)
    url = f"/appointments/{appointment.pk}/reschedule/slots/"
    response = web(reception).get(url, slot_query(setup, duration=75))
    assert response.status_code == 200
    content = response.content.decode()
    assert "of 75 minutes" in content
    assert f"/appointments/{appointment.pk}/reschedule/?" in response["HX-Replace-Url"]
    assert f'hx-get="{url}"' in content
    booking.appointment_cancel(appointment=appointment, actor=reception.user, reason="Ill")
    assert web(reception).get(url, slot_query(setup, duration=75)).status_code == 409


def test_the_safety_partial_judges_the_chosen_client_kind_and_date(
    web, reception, setup, client_record
):
    from common.models import AuditEvent

    screen(client_record, reception)
    browser = web(reception)
    query = {"client": client_record.pk, "kind": "treatment", "date": DAY.isoformat()}
    response = browser.get("/appointments/new/safety/", query)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<html" not in content
    assert 'data-eligibility="allowed"' in content
    assert "Treatment allowed on 9 March 2026" in content
    assert AuditEvent.objects.filter(
        object_type="client", client_id=client_record.pk, action="read"
    ).exists()
    consultation = browser.get("/appointments/new/safety/", {**query, "kind": "consultation"})
    assert "Consultations need no screening." in consultation.content.decode()
    unscreened = ClientFactory(clinic=client_record.clinic)
    blocked = browser.get("/appointments/new/safety/", {**query, "client": unscreened.pk})
    assert 'data-eligibility="blocked"' in blocked.content.decode()
    nobody = browser.get("/appointments/new/safety/", {"kind": "treatment"})
    assert "Choose a client to see their screening." in nobody.content.decode()


def test_the_partials_show_nothing_of_another_clinic(
    web, other_manager, reception, setup, client_record
):
    appointment = book(setup, client_record, reception, at(DAY, "10:00"))
    browser = web(other_manager)
    safety = browser.get("/appointments/new/safety/", {"client": client_record.pk})
    assert safety.status_code == 200
    assert "Amelia Hughes" not in safety.content.decode()
    slots = browser.get("/appointments/new/slots/", slot_query(setup))
    assert 'name="slot"' not in slots.content.decode()
    assert browser.get(f"/appointments/{appointment.pk}/reschedule/slots/").status_code == 404


def test_the_partials_need_a_signed_in_member_of_staff(client, setup):
    for url in ("/appointments/new/slots/", "/appointments/new/safety/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_booking_page_wires_its_partials_and_still_works_without_them(
    web, reception, setup, client_record
):
    page = web(reception).get(f"/appointments/new/?client={client_record.pk}")
    content = page.content.decode()
    assert 'hx-get="/appointments/new/safety/"' in content
    assert 'hx-get="/appointments/new/slots/"' in content
    # Without JavaScript the same button is a GET of the whole page.
    assert re.search(r'<button type="submit"[^>]*name="find" value="1" formmethod="get"', content)
    reschedule = web(reception).get(
        f"/appointments/{book(setup, client_record, reception, at(DAY, '10:00')).pk}/reschedule/"
    )
    assert "/reschedule/slots/" in reschedule.content.decode()


# --- an appointment ---------------------------------------------------------------------


def test_check_in_and_no_show(web, reception, setup, client_record, clinic):
    appointment = book(setup, client_record, reception, at(DAY, "10:00"))
    browser = web(reception)
    url = f"/appointments/{appointment.pk}/"
    assert browser.post(f"{url}status/", {"status": "checked_in"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    # A checked-in client cannot also be a no-show: refused with the reason, not a 500.
    refused = browser.post(f"{url}status/", {"status": "no_show"})
    assert refused.status_code == 409
    assert "Cannot change a checked in appointment" in refused.content.decode()
    other = book(setup, ClientFactory(clinic=clinic), reception, at(DAY, "11:00"))
    browser.post(f"/appointments/{other.pk}/status/", {"status": "no_show"})
    other.refresh_from_db()
    assert other.status == AppointmentStatus.NO_SHOW


def test_cancel_needs_a_reason(web, reception, setup, client_record):
    appointment = book(setup, client_record, reception, at(DAY, "10:00"))
    browser = web(reception)
    url = f"/appointments/{appointment.pk}/cancel/"
    response = browser.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "Give a reason for cancelling." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert browser.post(url, {"reason": "Client is unwell"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "Client is unwell"
    page = browser.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Client is unwell" in page
    assert "Cancel appointment" not in page  # nothing more to cancel


def test_reschedule_into_a_conflict_keeps_the_old_time(
    web, reception, setup, client_record, clinic
):
    appointment = book(setup, client_record, reception, at(DAY, "10:00"))
    book(setup, ClientFactory(clinic=clinic), reception, at(DAY, "14:00"), minutes=60)
    browser = web(reception)
    url = f"/appointments/{appointment.pk}/reschedule/"
    form = browser.get(url)
    assert form.status_code == 200
    assert 'name="start_time" value="10:00"' in form.content.decode()
    data = {
        "date": DAY.isoformat(),
        "start_time": "14:15",
        "duration": 30,
        "practitioner": setup["practitioner"].pk,
        "room": setup["room"].pk,
        "device": "",
    }
    response = browser.post(url, data)
    assert response.status_code == 409
    assert "That time is taken" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == at(DAY, "10:00")
    assert appointment.sequence == 0
    moved = browser.post(url, {**data, "start_time": "15:00", "duration": 45})
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.start, appointment.end) == (at(DAY, "15:00"), at(DAY, "15:45"))
    assert appointment.sequence == 1


def test_rescheduling_with_nothing_changed_saves_nothing(web, reception, setup, client_record):
    appointment = book(setup, client_record, reception, at(DAY, "10:00"))
    response = web(reception).post(
        f"/appointments/{appointment.pk}/reschedule/",
        {
            "date": DAY.isoformat(),
            "start_time": "10:00",
            "duration": 30,
            "practitioner": setup["practitioner"].pk,
            "room": setup["room"].pk,
        },
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.sequence == 0


# --- resources ---------------------------------------------------------------------------


def test_only_managers_manage_resources(web, reception, practitioner, manager, setup):
    assert web(reception).get("/settings/resources/").status_code == 403
    assert web(practitioner).get("/settings/resources/").status_code == 403
    response = web(reception).post("/settings/resources/rooms/new/", {"room-name": "Room 9"})
    assert response.status_code == 403
    assert not Room.objects.filter(name="Room 9").exists()
    page = web(manager).get("/settings/resources/")
    assert page.status_code == 200
    assert "Mon–Sun 09:00–17:00" in page.content.decode()


def test_a_manager_adds_a_room_and_a_device(web, manager, clinic, frozen):
    browser = web(manager)
    response = browser.post(
        "/settings/resources/rooms/new/", {"room-name": "Garden room", "room-is_active": "on"}
    )
    assert response.status_code == 302
    room = Room.objects.get(clinic=clinic, name="Garden room")
    assert room.is_active
    duplicate = browser.post("/settings/resources/rooms/new/", {"room-name": "garden ROOM"})
    assert duplicate.status_code == 400
    assert "Another room in this clinic already has this name." in duplicate.content.decode()
    edit = browser.post(f"/settings/resources/rooms/{room.pk}/", {"name": "Garden room"})
    assert edit.status_code == 302
    room.refresh_from_db()
    assert not room.is_active
    device = browser.post(
        "/settings/resources/devices/new/",
        {
            "device-name": "Dermapen 4",
            "device-kind": "pen",
            "device-serial_number": "DP4-001",
            "device-cleanup_minutes": 20,
            "device-is_active": "on",
        },
    )
    assert device.status_code == 302
    assert clinic.devices.get().cleanup_minutes == 20


def test_the_resources_page_refuses_a_name_or_serial_in_use_in_any_case(web, manager, clinic):
    browser = web(manager)
    RoomFactory(clinic=clinic, name="Room 1")
    second = RoomFactory(clinic=clinic, name="Room 2")
    DeviceFactory(clinic=clinic, name="SkinPen", serial_number="SP-100")
    spare = DeviceFactory(clinic=clinic, name="Spare", serial_number="SP-200")
    new_device = {
        "device-name": "Another pen",
        "device-kind": "pen",
        "device-serial_number": "sp-100",
        "device-cleanup_minutes": 15,
    }
    added = browser.post("/settings/resources/devices/new/", new_device)
    assert added.status_code == 400
    assert "Another device in this clinic already has this serial number." in added.content.decode()
    # The error is next to the field it is about.
    assert re.search(
        r'id="id_device-serial_number".*?class="error[^"]*"[^>]*>[^<]*already has this serial',
        added.content.decode(),
        re.S,
    )
    renamed = browser.post(f"/settings/resources/rooms/{second.pk}/", {"name": "ROOM 1"})
    assert renamed.status_code == 400
    assert "Another room in this clinic already has this name." in renamed.content.decode()
    assert "Edit room: Room 2" in renamed.content.decode()  # the saved name, not the typed one
    moved = browser.post(
        f"/settings/resources/devices/{spare.pk}/",
        {"name": "Spare", "kind": "pen", "serial_number": "Sp-100", "cleanup_minutes": 15},
    )
    assert moved.status_code == 400
    assert sorted(clinic.rooms.values_list("name", flat=True)) == ["Room 1", "Room 2"]
    assert sorted(clinic.devices.values_list("serial_number", flat=True)) == ["SP-100", "SP-200"]
    # A new case of its own name is a change like any other.
    own = browser.post(f"/settings/resources/rooms/{second.pk}/", {"name": "ROOM 2"})
    assert own.status_code == 302
    second.refresh_from_db()
    assert second.name == "ROOM 2"


def test_a_manager_makes_a_practitioner_bookable_and_sets_hours(
    web, manager, practitioner, clinic, frozen
):
    browser = web(manager)
    response = browser.post(
        "/settings/resources/practitioners/new/",
        {"practitioner-membership": practitioner.membership.pk},
    )
    assert response.status_code == 302
    profile = practitioner.membership.practitioner
    assert response["Location"] == f"/settings/resources/practitioners/{profile.pk}/"
    form = browser.get(response["Location"])
    assert form.status_code == 200
    hours = {
        "display_name": "Dr Rivera",
        "is_bookable": "on",
        "h0_0_start": "09:00",
        "h0_0_end": "12:30",
        "h0_1_start": "13:30",
        "h0_1_end": "17:00",
        "h2_0_start": "10:00",
        "h2_0_end": "18:00",
    }
    assert browser.post(response["Location"], hours).status_code == 302
    saved = sorted(
        (h.weekday, h.start, h.end) for h in WorkingHours.objects.filter(practitioner=profile)
    )
    assert saved == [
        (0, time(9), time(12, 30)),
        (0, time(13, 30), time(17)),
        (2, time(10), time(18)),
    ]
    profile.refresh_from_db()
    assert profile.display_name == "Dr Rivera"
    # A bad block is an error next to it and changes nothing.
    bad = browser.post(response["Location"], {**hours, "h2_0_end": "08:00"})
    assert bad.status_code == 400
    assert "The end must be after the start." in bad.content.decode()
    assert WorkingHours.objects.filter(practitioner=profile).count() == 3


def test_a_second_profile_for_the_same_practitioner_is_refused(web, manager, practitioner, setup):
    response = web(manager).post(
        "/settings/resources/practitioners/new/",
        {"practitioner-membership": practitioner.membership.pk},
    )
    assert response.status_code == 400


# --- snippets for the client page and the dashboard ---------------------------------------


def test_client_page_snippet_lists_appointments_in_local_time(reception, setup, client_record):
    from django.template.loader import render_to_string

    summer = book(setup, client_record, reception, datetime(2026, 6, 9, 9, 0, tzinfo=UTC))
    appointments = booking_selectors.appointment_list(
        clinic=client_record.clinic, client_id=client_record.pk
    ).order_by("-start")
    html = render_to_string(
        "booking/_client_appointments.html",
        {"client": client_record, "appointments": appointments},
    )
    assert f'href="/appointments/new/?client={client_record.pk}"' in html
    assert f'href="/appointments/{summer.pk}/"' in html
    assert "Tue 9 Jun 2026, 10:00" in html  # BST
    empty = render_to_string(
        "booking/_client_appointments.html", {"client": client_record, "appointments": []}
    )
    assert "No appointments yet." in empty


def test_dashboard_snippet_lists_today_with_the_review_flag(reception, setup, client_record):
    from django.template.loader import render_to_string

    screen(client_record, reception, anticoagulant_use=True)
    book(setup, client_record, reception, at(DAY, "10:00"), minutes=60, kind="treatment")
    today = list(booking_selectors.appointment_list(clinic=client_record.clinic, on_date=DAY))
    html = render_to_string(
        "booking/_today.html", {"appointments": today, "membership": reception.membership}
    )
    assert ">10:00<" in html
    assert "Amelia Hughes" in html
    assert "Needs review" in html
    assert setup["practitioner"].display_name in html
    assert "Room 1" in html
    assert "Booked" in html


def test_appointment_page_shows_clinic_local_time_in_summer(web, reception, setup, client_record):
    from tests.factories import appointment_for

    appointment = appointment_for(
        client_record,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=datetime(2026, 7, 6, 9, 0, tzinfo=UTC),  # 10:00 in London (BST)
    )
    page = web(reception).get(f"/appointments/{appointment.pk}/")
    assert page.status_code == 200
    assert "10:00–11:00" in page.content.decode()


# --- the client picker: a search, not a select of every client ---------------------------


def test_the_booking_form_lists_no_clients_until_searched(web, reception, setup, clinic):
    ClientFactory.create_batch(30, clinic=clinic, last_name="Smith")
    content = web(reception).get("/appointments/new/").content.decode()
    assert 'name="client"' not in content.replace('name="client_q"', "")
    assert "Type part of a name, e-mail or phone number" in content


def test_searching_narrows_the_list_and_keeps_the_form_without_javascript(
    web, reception, setup, clinic, client_record
):
    ClientFactory.create_batch(25, clinic=clinic, last_name="Smith")
    browser = web(reception)
    content = browser.get(
        "/appointments/new/?client_q=smith&find_client=1&kind=treatment&date=2026-03-09"
    ).content.decode()
    assert content.count('type="radio" name="client"') == 20  # at most 20 shown
    assert "25 clients match “smith”; the first 20 are shown" in content
    assert re.search(r'name="kind" value="treatment"[^>]*checked', content)
    narrowed = browser.get("/appointments/new/?client_q=Hughes,+Amelia").content.decode()
    assert f'name="client" value="{client_record.pk}"' in narrowed
    assert "1 client matches “Hughes, Amelia”" in narrowed


def test_the_search_partial_keeps_the_chosen_client_and_finds_others(
    web, reception, setup, clinic, client_record
):
    other = ClientFactory(clinic=clinic, first_name="Nia", last_name="Okafor")
    partial = web(reception).get(
        f"/appointments/new/clients/?client_q=okafor&client={client_record.pk}"
    )
    content = partial.content.decode()
    assert f'name="client" value="{client_record.pk}" checked' in content
    assert f'name="client" value="{other.pk}"' in content
    assert 'id="client-results-status" role="status" hx-swap-oob="true"' in content


def test_the_search_never_lists_another_clinics_clients(web, reception, setup, other_client_record):
    content = web(reception).get("/appointments/new/clients/?client_q=Kim").content.decode()
    assert f'value="{other_client_record.pk}"' not in content
    assert "No client matches “Kim”" in content


def test_booking_without_choosing_a_client_says_what_to_do(web, reception, setup, client_record):
    data = form_data(setup, client_record)
    del data["client"]
    response = web(reception).post("/appointments/new/", data)
    assert response.status_code == 400
    assert "Search for the client and choose them." in response.content.decode()
