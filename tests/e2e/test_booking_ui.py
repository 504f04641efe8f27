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
