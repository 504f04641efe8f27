"""Reception books a treatment from a free slot in a real browser, then finds it in the calendar.

The live server runs on the real clock, so the booking goes a week ahead of today and the
practitioners work every day of the week. Set ``SCREENSHOT_DIR`` to keep screenshots of
the booking form with its slots and of the day calendar.
"""

from __future__ import annotations

import os
import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from clinic.booking import services as booking
from clinic.booking.availability import local_to_utc
from clinic.booking.models import Appointment
from tests.e2e.conftest import assert_accessible
from tests.factories import ClientFactory, DeviceFactory, RoomFactory, practitioner_for
from tests.screening.answers import all_no_answers
from treatments.screening import services as screening_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


def _book(clinic, actor, client, practitioner, room, day, hhmm, minutes, device=None):
    start = local_to_utc(day, time.fromisoformat(hhmm), clinic.zone)
    return booking.appointment_book(
        clinic=clinic,
        actor=actor.user,
        request=booking.BookingRequest(
            client=client,
            practitioner=practitioner,
            room=room,
            device=device,
            start=start,
            end=start + timedelta(minutes=minutes),
            kind="treatment" if device else "consultation",
        ),
    )


def test_reception_books_a_treatment_from_a_free_slot(
    signed_in, reception, practitioner, manager, clinic, client_record
):
    day = clinic.local_today() + timedelta(days=7)
    rivera = practitioner_for(practitioner.membership)  # every day, 09:00–17:00
    rivera.display_name = "Dr Ana Rivera"
    rivera.save()
    marsh = practitioner_for(manager.membership)
    marsh.display_name = "Sofia Marsh"
    marsh.save()
    room1 = RoomFactory(clinic=clinic, name="Room 1")
    room2 = RoomFactory(clinic=clinic, name="Room 2")
    pen = DeviceFactory(clinic=clinic, name="SkinPen")
    pen2 = DeviceFactory(clinic=clinic, name="Dermapen 4")
    screening_services.screening_take(
        client=client_record, actor=reception.user, planned_date=day, raw_answers=all_no_answers()
    )
    # Others already booked that day: Rivera is busy 09:00–09:30.
    nia = ClientFactory(clinic=clinic, first_name="Nia", last_name="Okafor")
    _book(clinic, reception, nia, rivera, room1, day, "09:00", 30)
    leo = ClientFactory(clinic=clinic, first_name="Leo", last_name="Brandt")
    screening_services.screening_take(
        client=leo,
        actor=reception.user,
        planned_date=day,
        raw_answers=all_no_answers(anticoagulant_use=True),  # caution: needs review
    )
    _book(clinic, reception, leo, marsh, room2, day, "10:00", 60, device=pen2)
    maya = ClientFactory(clinic=clinic, first_name="Maya", last_name="Chen")
    _book(clinic, reception, maya, marsh, room2, day, "14:00", 45)

    page = signed_in(reception)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"/appointments/new/?client={client_record.pk}")
    assert page.locator('[data-screening-status="clear"]').inner_text().endswith("Screening clear")
    page.get_by_label("Treatment", exact=True).check()
    page.get_by_label("Practitioner", exact=True).select_option(str(rivera.pk))
    page.get_by_label("Duration").select_option("60")
    page.get_by_label(re.compile(r"^Device")).select_option(str(pen.pk))
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_role("button", name="Find free slots").click()

    first = page.locator("button.slot").first
    first.wait_for()
    assert first.inner_text().startswith("09:30")
    assert "Room 1" in first.inner_text()
    allowed = page.locator('[data-eligibility="allowed"]')
    allowed.wait_for()
    assert "Treatment allowed" in allowed.inner_text()
    expect(page.locator("[data-slot-status]")).to_contain_text("free slots")  # announced
    assert_accessible(page)

    first.click()
    assert first.get_attribute("aria-pressed") == "true"
    assert page.get_by_label("Start time").input_value() == "09:30"
    assert page.get_by_label(re.compile(r"^Room")).input_value() == str(room1.pk)
    _shot(page, "booking-form.png")
    page.get_by_role("button", name="Book appointment").click()

    page.wait_for_url(re.compile(r"/appointments/\d+/$"))
    assert "Booked: treatment for Amelia Hughes" in page.locator(".messages").inner_text()
    appointment = Appointment.objects.get(client=client_record)
    assert appointment.start == local_to_utc(day, time(9, 30), clinic.zone)
    assert (appointment.room, appointment.device) == (room1, pen)
    assert page.get_by_role("heading", name="Amelia Hughes").is_visible()

    page.locator("main").get_by_role("link", name=re.compile(r"^Calendar")).first.click()
    block = page.locator(f'[data-appointment="{appointment.pk}"]')
    block.wait_for()
    text = block.inner_text()
    assert "09:30–10:30" in text
    assert "Amelia Hughes" in text
    assert "Treatment" in text
    review = page.locator(".cal-appt", has_text="Leo Brandt").locator(".cal-flag")
    assert review.is_visible()
    assert_accessible(page)
    _shot(page, "calendar.png")

    # Keyboard: the next-day link is reachable and goes on a day.
    page.get_by_role("link", name=re.compile(r"Next day")).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"date=" + (day + timedelta(days=1)).isoformat()))


def test_the_booking_form_follows_each_choice_in_place(
    signed_in, reception, practitioner, clinic, client_record
):
    """The screening panel and the slot list are the server's partials, swapped in by htmx."""
    day = clinic.local_today() + timedelta(days=7)
    rivera = practitioner_for(practitioner.membership)
    RoomFactory(clinic=clinic, name="Room 1")
    screening_services.screening_take(
        client=client_record, actor=reception.user, planned_date=day, raw_answers=all_no_answers()
    )
    ClientFactory(clinic=clinic, first_name="Nia", last_name="Okafor")

    page = signed_in(reception)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto("/appointments/new/")
    safety = page.locator("#safety")
    expect(safety).to_contain_text("Choose a client to see their screening")
    page.evaluate("window.stillTheSamePage = true")

    # The client picker is a search: type, then choose from the narrowed list.
    page.get_by_label("Client", exact=True).fill("Hughes")
    page.get_by_role("radio", name=re.compile(r"Hughes, Amelia")).check()
    expect(safety.locator('[data-screening-status="clear"]')).to_be_visible()
    page.get_by_label("Treatment", exact=True).check()
    page.get_by_label("Date", exact=True).fill(day.isoformat())  # an input and a change
    expect(safety.locator('[data-eligibility="allowed"]')).to_be_visible()
    page.get_by_label("Client", exact=True).fill("Okafor")
    page.get_by_role("radio", name=re.compile(r"Okafor, Nia")).check()
    expect(safety.locator('[data-eligibility="blocked"]')).to_be_visible()
    expect(safety).to_contain_text("Nia Okafor")

    page.get_by_label("Practitioner", exact=True).select_option(str(rivera.pk))
    page.get_by_label("Duration").select_option("60")
    page.get_by_role("button", name="Find free slots").click()
    # Nia cannot be booked for a treatment (no screening): no slot is offered, and why.
    expect(page.locator("[data-slots-refused]")).to_contain_text("has no screening")
    expect(page.locator("button.slot")).to_have_count(0)
    # A consultation needs no screening: the list follows the choice of kind.
    page.get_by_label("Consultation", exact=True).check()
    expect(page.locator(".slots__summary")).to_contain_text("free slots of 60 minutes")
    expect(page.locator("[data-slot-status]")).to_contain_text("free slots of 60 minutes")
    assert "find=1" in page.url  # reloading shows the same search, without JavaScript
    assert "csrfmiddlewaretoken" not in page.url
    assert page.locator("button.slot").first.inner_text().startswith("09:00")

    # Once shown, the slots follow the choices above them.
    page.get_by_label("Duration").select_option("30")
    expect(page.locator(".slots__summary")).to_contain_text("free slots of 30 minutes")
    last = page.locator("button.slot").last
    expect(last).to_contain_text("16:30")

    last.click()
    assert last.get_attribute("aria-pressed") == "true"
    assert page.get_by_label("Start time").input_value() == "16:30"
    expect(page.locator("[data-slot-status]")).to_contain_text("Start set to 16:30 on")
    assert page.evaluate("window.stillTheSamePage") is True  # no page load on the way
    assert problems == [], problems
    assert_accessible(page)
    _shot(page, "booking-form-partials.png")


def test_the_booking_form_works_without_javascript(
    browser, live_server, reception, practitioner, clinic, client_record
):
    from tests.factories import PASSWORD

    day = clinic.local_today() + timedelta(days=7)
    rivera = practitioner_for(practitioner.membership)
    room = RoomFactory(clinic=clinic, name="Room 1")
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/login/")
        page.get_by_label("E-mail").fill(reception.user.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")

        page.goto(f"/appointments/new/?client={client_record.pk}")
        page.get_by_label("Practitioner", exact=True).select_option(str(rivera.pk))
        page.get_by_label("Duration").select_option("45")
        page.get_by_label("Date", exact=True).fill(day.isoformat())
        page.get_by_role("button", name="Find free slots").click()
        page.wait_for_url(re.compile(r"find=1"))
        assert "csrfmiddlewaretoken" not in page.url
        expect(page.locator(".slots__summary")).to_contain_text("free slots of 45 minutes")

        page.locator('button.slot[data-slot-time="11:15"]').click()
        page.wait_for_url(re.compile(r"slot="))
        assert page.get_by_label("Start time").input_value() == "11:15"
        assert page.get_by_label(re.compile(r"^Room")).input_value() == str(room.pk)
        page.get_by_role("button", name="Book appointment").click()
        page.wait_for_url(re.compile(r"/appointments/\d+/$"))
        assert "Booked: consultation for Amelia Hughes" in page.locator(".messages").inner_text()
        appointment = Appointment.objects.get(client=client_record)
        assert appointment.start == local_to_utc(day, time(11, 15), clinic.zone)
    finally:
        context.close()


def test_the_client_search_is_used_with_the_keyboard_alone(
    signed_in, reception, practitioner, clinic, client_record
):
    """Type, arrow down into the list, choose with the space bar: the panel follows."""
    practitioner_for(practitioner.membership)
    for n in range(30):
        ClientFactory(clinic=clinic, first_name=f"Test{n}", last_name="Hughson")
    page = signed_in(reception)
    page.goto("/appointments/new/")
    search = page.get_by_label("Client", exact=True)
    search.focus()
    page.keyboard.type("Hughes, Amelia")
    status = page.locator("#client-results-status")
    expect(status).to_contain_text("1 client matches")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.locator("#safety")).to_contain_text(client_record.full_name)
    search.fill("Hughs")
    expect(status).to_contain_text("30 clients match")
    expect(status).to_contain_text("the first 20 are shown")
    # The chosen client stays in the list whatever is typed.
    expect(page.locator("#client-results input:checked")).to_have_count(1)
    assert_accessible(page)
    _shot(page, "booking-client-search.png")


def test_reception_sees_what_is_missing_on_today_and_the_appointment(
    signed_in, reception, practitioner, clinic, client_record
):
    from tests.factories import appointment_for

    rivera = practitioner_for(practitioner.membership, hours=((0, 7), "00:00", "23:45"))
    room = RoomFactory(clinic=clinic, name="Room 1")
    device = DeviceFactory(clinic=clinic)
    screening_services.screening_take(
        client=client_record,
        actor=reception.user,
        planned_date=clinic.local_today(),
        raw_answers=all_no_answers(),
    )
    start = local_to_utc(clinic.local_today(), time(23, 0), clinic.zone)
    appointment = appointment_for(
        client_record, practitioner=rivera, room=room, device=device, start=start, minutes=30
    )
    page = signed_in(reception)
    today = page.locator(".today-list")
    expect(today.locator('[data-to-do="consent_missing"]')).to_contain_text("No consent")
    expect(today.locator('[data-to-do="plan_missing"]')).to_contain_text("No plan")
    assert_accessible(page)
    _shot(page, "today-missing-steps.png")

    page.goto(f"/appointments/{appointment.pk}/")
    panel = page.locator("[data-decision]")
    expect(panel).to_contain_text("Before the session")
    expect(panel.get_by_role("link", name="Capture consent")).to_be_visible()
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("body")).to_contain_text("Before the session: ")
    assert_accessible(page)
    _shot(page, "appointment-before-session.png")
