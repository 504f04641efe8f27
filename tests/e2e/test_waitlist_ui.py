"""The waitlist in a real browser with axe (decision 0022): a new client joins on a
phone (390×844), a cancelled time is offered to them by e-mail and they take it; staff
see the list and offer a time by hand. Set ``SCREENSHOT_DIR`` to keep screenshots."""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from clinic.booking.models import Appointment
from clinic.booking.services import BookingRequest, appointment_book, appointment_cancel
from tests.e2e.conftest import assert_accessible
from tests.factories import ClientFactory, RoomFactory, practitioner_for
from waitlist.models import WaitlistEntry, WaitlistOffer
from waitlist.services import waitlist_join

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
    return {
        "clinic": clinic,
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=clinic, name="Room 1"),
    }


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[-1]


def test_a_client_joins_on_a_phone_and_takes_a_freed_time(page, portal, reception):
    clinic = portal["clinic"]
    day = timezone.localdate(timezone=clinic.zone) + timedelta(days=2)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/book/harbour/")
    page.get_by_role("link", name="Join the waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Join the waitlist")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Sent without dates: the form says so and keeps what was typed.
    page.get_by_label("First name").fill("Nora")
    page.get_by_label("Last name").fill("Quinn")
    page.get_by_label("Date of birth").fill("1988-04-02")
    page.get_by_label("E-mail").fill("nora.quinn@mail.example")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_value("Nora")
    assert_accessible(page)
    _shot(page, "waitlist-join-error-phone.png")

    page.get_by_label("From").fill(day.isoformat())
    page.get_by_label("To").fill((day + timedelta(days=3)).isoformat())
    _shot(page, "waitlist-join-phone.png")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    expect(page.get_by_role("status")).to_contain_text("waitlist")
    assert WaitlistEntry.objects.get().status == "waiting"

    # Someone else's appointment on that day is cancelled: Nora is offered the time.
    start = datetime.combine(day, time(10, 0), tzinfo=clinic.zone)
    other = ClientFactory(clinic=clinic, first_name="Cancels", last_name="Soon")
    booked = appointment_book(
        clinic=clinic,
        actor=reception.user,
        request=BookingRequest(
            client=other,
            practitioner=portal["practitioner"],
            room=portal["room"],
            device=None,
            start=start,
            end=start + timedelta(minutes=30),
            kind="consultation",
        ),
    )
    appointment_cancel(appointment=booked, actor=reception.user, reason="Client is ill.")
    offer = WaitlistOffer.objects.get()
    message = [m for m in mail.outbox if "come free" in m.subject][-1]
    assert message.to == ["nora.quinn@mail.example"]
    leave = re.search(r"https?://\S+/book/waitlist/\S+/", message.body).group(0)

    page.goto(_path(leave))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your place on the waitlist")
    expect(page.get_by_text("A time is offered to you")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "waitlist-offer-phone.png")

    page.get_by_role("link", name="Take this time").click()
    page.get_by_role("button", name="Confirm my booking").click()
    expect(page.get_by_role("status")).to_contain_text("confirmed")
    assert_accessible(page)
    _shot(page, "waitlist-taken-phone.png")
    offer.refresh_from_db()
    assert offer.status == "booked" and offer.appointment.status == "booked"
    assert Appointment.objects.filter(start=start, status="booked").count() == 1


def test_staff_see_the_waitlist_and_offer_a_time_by_hand(page, portal, reception, signed_in):
    clinic = portal["clinic"]
    day = timezone.localdate(timezone=clinic.zone) + timedelta(days=3)
    waiter = ClientFactory(clinic=clinic, first_name="Ada", last_name="Waits")
    waitlist_join(
        clinic=clinic,
        client=waiter,
        kind="consultation",
        date_from=day,
        date_to=day + timedelta(days=2),
    )
    signed_in(reception)
    page.goto("/waitlist/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Waitlist")
    expect(page.get_by_role("row", name=re.compile("Waits, Ada"))).to_be_visible()
    assert_accessible(page)
    _shot(page, "waitlist-staff.png")

    page.get_by_role("link", name="Offer a slot").click()
    page.get_by_label("Day").fill(day.isoformat())
    page.get_by_role("button", name="Show free times").click()
    page.get_by_role("radio").first.check()
    assert_accessible(page)
    _shot(page, "waitlist-staff-offer.png")
    page.get_by_role("button", name="Offer this time").click()
    expect(page.get_by_role("status")).to_contain_text("offered to Ada Waits")
    expect(page.get_by_role("cell", name=re.compile("Waiting for the client"))).to_be_visible()
    assert_accessible(page)
    _shot(page, "waitlist-staff-offered.png")
    offer = WaitlistOffer.objects.get()
    assert offer.offered_by == reception.user and offer.appointment.status == "held"
    assert any(m.to == [waiter.email] and "come free" in m.subject for m in mail.outbox)
