"""Online booking on a phone (390×844), in a real browser with axe: a new client books a
consultation, confirms it from the e-mailed link, moves it and cancels it (decision
0021). Set ``SCREENSHOT_DIR`` to keep screenshots."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from clinic.booking.models import Appointment
from tests.e2e.conftest import assert_accessible
from tests.factories import RoomFactory, practitioner_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, name), full_page=True)


@pytest.fixture
def portal(clinic, practitioner):
    clinic.slug = "harbour"
    clinic.portal_enabled = True
    clinic.save()
    practitioner_for(practitioner.membership)
    RoomFactory(clinic=clinic, name="Room 1")
    return clinic


def test_a_new_client_books_confirms_moves_and_cancels_on_a_phone(page, portal):
    page.set_viewport_size({"width": 390, "height": 844})
    in_two_days = (timezone.localdate(timezone=portal.zone) + timedelta(days=2)).isoformat()
    page.goto(f"/book/harbour/?date={in_two_days}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Book a consultation")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "portal-book-phone.png")

    # A form sent without a time says so, and keeps what was typed.
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quinn")
    page.get_by_label("Date of birth").fill("1988-04-02")
    page.get_by_label("E-mail").fill("nora.quinn@mail.example")
    page.get_by_role("button", name="Ask for this time").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a time")
    assert_accessible(page)
    expect(page.get_by_label("First name")).to_have_value("Nora")

    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Ask for this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    assert_accessible(page)
    _shot(page, "portal-requested-phone.png")
    assert Appointment.objects.get().status == "held"

    link = re.search(r"https?://\S+/book/manage/\S+/", mail.outbox[-1].body).group(0)
    page.goto("/" + link.split("/", 3)[-1])
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nora")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm my booking").click()
    expect(page.get_by_role("status")).to_contain_text("confirmed")
    assert_accessible(page)
    _shot(page, "portal-confirmed-phone.png")
    assert Appointment.objects.get().status == "booked"

    page.get_by_role("link", name="Move to another time").click()
    first_start = Appointment.objects.get().start
    page.get_by_role("radio").nth(2).check()
    assert_accessible(page)
    _shot(page, "portal-move-phone.png")
    page.get_by_role("button", name="Move to this time").click()
    expect(page.get_by_role("status")).to_contain_text("has moved")
    moved = Appointment.objects.get()
    assert moved.start != first_start and moved.sequence == 1

    _shot(page, "portal-moved-phone.png")
    page.get_by_role("button", name="Cancel my appointment").click()
    expect(page.get_by_role("status")).to_contain_text("cancelled")
    assert Appointment.objects.get().status == "cancelled"


def test_a_manager_turns_online_booking_on_and_staff_see_online_requests(
    signed_in, clinic, manager, practitioner
):
    from clinic.booking.portal import portal_request

    practitioner_for(practitioner.membership)
    RoomFactory(clinic=clinic, name="Room 1")
    page = signed_in(manager)
    page.goto("/clinic/settings/")
    page.get_by_label("Booking page address").fill("harbour")
    page.get_by_label("Online booking", exact=True).check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The clinic's settings are saved.")).to_be_visible()
    expect(page.locator('a[href="/book/harbour/"]')).to_be_visible()
    assert_accessible(page)
    _shot(page, "portal-settings.png")

    clinic.refresh_from_db()
    day = timezone.localdate(timezone=clinic.zone) + timedelta(days=2)
    from clinic.booking.portal import portal_slots

    slot = portal_slots(clinic=clinic, kind="consultation", date_from=day, date_to=day)[0]
    portal_request(
        clinic=clinic,
        data={
            "first_name": "Nora",
            "last_name": "Quinn",
            "date_of_birth": timezone.datetime(1988, 4, 2).date(),
            "email": "nora.quinn@mail.example",
            "start": slot.start,
        },
        address="127.0.0.1",
    )
    page.goto(f"/calendar/?date={day.isoformat()}")
    online = page.locator(".cal-appt--online")
    expect(online).to_have_count(1)
    expect(online).to_contain_text("Online")
    assert_accessible(page)
    _shot(page, "portal-calendar.png")


def test_a_returning_client_books_the_next_session_of_their_course_on_a_phone(
    page, portal, practitioner, client_record
):
    from clinic.booking import links
    from clinic.booking.portal import course_link_for
    from tests.factories import DeviceFactory, plan_for, screening_for

    portal.portal_treatments = True
    portal.save()
    DeviceFactory(clinic=portal)
    plan = plan_for(client_record)
    screening_for(client_record, actor=practitioner.user)
    page.set_viewport_size({"width": 390, "height": 844})
    in_two_days = (timezone.localdate(timezone=portal.zone) + timedelta(days=2)).isoformat()
    page.goto(f"/book/manage/{links.token_for(course_link_for(plan=plan))}/?date={in_two_days}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("next session")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "portal-course-phone.png")
    page.get_by_role("radio").first.check()
    page.get_by_role("button", name="Ask for this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    held = Appointment.objects.get()
    assert held.kind == "treatment" and held.status == "held" and held.treatment_plan == plan
