"""The waitlist (issue 14 item 3; decision 0022): joining from the public page, a freed
time offered to the first client the gates accept, the offer's hold passing to the next,
one booking per freed slot, the client's links, and the staff list."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from clinic.booking.models import Appointment
from clinic.booking.services import (
    BookingRequest,
    appointment_book,
    appointment_cancel,
    holds_release_expired,
)
from clinic.models import Client
from common.models import AuditEvent
from tests.factories import (
    ClientFactory,
    DeviceFactory,
    RoomFactory,
    appointment_for,
    plan_for,
    practitioner_for,
    screening_for,
)
from tests.public_pages import (  # the two fixtures apply to this module
    PageClient,
    PublicClient,
    committed,
    empty_cache,  # noqa: F401
    run_after_commit,  # noqa: F401
    uncommitted_dropped,
)
from waitlist import links
from waitlist.models import WaitlistEntry, WaitlistOffer
from waitlist.services import offer_freed_slot, waitlist_join

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 08:00 in London (UTC+0 in winter).
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SLOT = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday 10:00 London


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def portal_clinic(clinic):
    clinic.slug = "harbour"
    clinic.portal_enabled = True
    clinic.portal_treatments = True
    clinic.save()
    return clinic


@pytest.fixture
def setup(portal_clinic, practitioner):
    return {
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=portal_clinic, name="Room 1"),
        "device": DeviceFactory(clinic=portal_clinic),
    }


def join_body(**overrides):
    body = {
        "kind": "consultation",
        "date_from": "2026-03-03",
        "date_to": "2026-03-06",
        "first_name": "Nora",
        "last_name": "Quinn",
        "date_of_birth": "1988-04-02",
        "email": "nora.quinn@mail.example",
        "phone": "+44 7700 900555",
    }
    body.update(overrides)
    return body


def join(body=None, slug="harbour", **extra):
    return PublicClient().post(
        f"/api/portal/{slug}/waitlist/", body or join_body(), format="json", **extra
    )


def waiting(clinic, first_name: str, **entry) -> WaitlistEntry:
    client = ClientFactory(clinic=clinic, first_name=first_name, last_name="Waits")
    return waitlist_join(
        clinic=clinic,
        client=client,
        kind=entry.pop("kind", "consultation"),
        date_from=entry.pop("date_from", date(2026, 3, 3)),
        date_to=entry.pop("date_to", date(2026, 3, 6)),
        **entry,
    )


def booked_consultation(setup, staff, start=SLOT) -> Appointment:
    who = ClientFactory(clinic=setup["room"].clinic, first_name="Cancels", last_name="Soon")
    return appointment_book(
        clinic=setup["room"].clinic,
        actor=staff.user,
        request=BookingRequest(
            client=who,
            practitioner=setup["practitioner"],
            room=setup["room"],
            device=None,
            start=start,
            end=start + timedelta(minutes=30),
            kind="consultation",
        ),
    )


def cancel(appointment, staff) -> None:
    appointment_cancel(appointment=appointment, actor=staff.user, reason="Client is ill.")
    committed()


def offer_mail_to(address: str):
    found = [m for m in mail.outbox if address in m.to and "come free" in m.subject]
    assert found, [(m.to, m.subject) for m in mail.outbox]
    return found[-1]


def manage_token(message) -> str:
    match = re.search(r"/book/manage/([^/\s\"]+)/", message.body)
    assert match, message.body
    return match.group(1)


def entry_token(message) -> str:
    match = re.search(r"/book/waitlist/([^/\s\"]+)/", message.body)
    assert match, message.body
    return match.group(1)


# --- a freed time goes to the first waiting client -------------------------------------


def test_a_cancelled_consultation_is_offered_to_the_oldest_waiting_client(setup, reception):
    first = waiting(setup["room"].clinic, "Ada")
    waiting(setup["room"].clinic, "Bea")
    appointment = booked_consultation(setup, reception)
    cancel(appointment, reception)

    offer = WaitlistOffer.objects.get()
    assert offer.entry == first and offer.status == "open"
    hold = offer.appointment
    assert hold.status == "held" and hold.start == SLOT and hold.client == first.client
    assert hold.hold_expires_at == NOW + timedelta(minutes=30)  # the clinic's default
    first.refresh_from_db()
    assert first.status == "offered"
    message = offer_mail_to(first.client.email)
    assert "/book/manage/" in message.body and "/book/waitlist/" in message.body


def test_a_time_outside_the_dates_or_with_another_practitioner_is_not_offered(
    setup, reception, practitioner
):
    clinic = setup["room"].clinic
    waiting(clinic, "Late", date_from=date(2026, 3, 10), date_to=date(2026, 3, 12))
    from clinic.booking.models import Practitioner
    from tests.factories import MembershipFactory

    other = Practitioner.objects.create(
        clinic=clinic,
        membership=MembershipFactory(clinic=clinic, role="practitioner"),
        display_name="Dr Other",
    )
    waiting(clinic, "Picky", practitioner=other)
    cancel(booked_consultation(setup, reception), reception)
    assert not WaitlistOffer.objects.exists()


@pytest.fixture
def courses(setup, practitioner):
    """Two clients waiting for their course's next session: the first one's screening
    refuses treatment (a bleeding disorder), the second's accepts it."""
    clinic = setup["room"].clinic
    refused = ClientFactory(clinic=clinic, first_name="Refused", last_name="First")
    accepted = ClientFactory(clinic=clinic, first_name="Accepted", last_name="Second")
    screening_for(refused, actor=practitioner.user, bleeding_disorder=True)
    screening_for(accepted, actor=practitioner.user, planned_date=date(2026, 3, 4))
    entries = []
    for who in (refused, accepted):
        entries.append(
            waitlist_join(
                clinic=clinic,
                client=who,
                kind="treatment",
                date_from=date(2026, 3, 3),
                date_to=date(2026, 3, 6),
                treatment_plan=plan_for(who),
            )
        )
    return entries


def freed_treatment(setup, staff) -> Appointment:
    who = ClientFactory(clinic=setup["room"].clinic, first_name="Booked", last_name="Before")
    appointment = appointment_for(
        who,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=SLOT,
    )
    cancel(appointment, staff)
    return appointment


def test_the_offer_skips_a_client_the_gates_refuse(setup, reception, courses):
    refused, accepted = courses
    freed_treatment(setup, reception)
    offer = WaitlistOffer.objects.get()
    assert offer.entry == accepted
    assert offer.appointment.kind == "treatment"
    assert offer.appointment.device == setup["device"]
    assert offer.appointment.treatment_plan == accepted.treatment_plan
    refused.refresh_from_db()
    assert refused.status == "waiting"


def test_no_one_accepted_leaves_the_time_free(setup, reception, courses, practitioner):
    courses[1].delete()
    freed_treatment(setup, reception)
    assert not WaitlistOffer.objects.exists()
    assert not Appointment.objects.filter(status="held").exists()


def test_an_unconfirmed_offer_passes_to_the_next_client(setup, reception, frozen_clock):
    clinic = setup["room"].clinic
    first = waiting(clinic, "Ada")
    second = waiting(clinic, "Bea")
    cancel(booked_consultation(setup, reception), reception)
    assert WaitlistOffer.objects.get().entry == first

    frozen_clock.move_to(NOW + timedelta(minutes=29))
    assert holds_release_expired() == 0
    frozen_clock.move_to(NOW + timedelta(minutes=31))
    assert holds_release_expired() == 1
    committed()

    expired = WaitlistOffer.objects.get(entry=first)
    assert expired.status == "expired"
    first.refresh_from_db()
    assert first.status == "waiting"  # still on the list for another time
    passed = WaitlistOffer.objects.get(entry=second)
    assert passed.status == "open" and passed.appointment.start == SLOT
    assert passed.expires_at == NOW + timedelta(minutes=31 + 30)
    offer_mail_to(second.client.email)

    # The second lets it pass too: no one else waits (the first had this time already).
    frozen_clock.move_to(NOW + timedelta(minutes=62))
    holds_release_expired()
    committed()
    assert WaitlistOffer.objects.filter(status="open").count() == 0
    assert not Appointment.objects.filter(status="held", hold_expires_at__gt=NOW).exists()


def test_the_offer_hold_follows_the_clinic_setting(setup, reception):
    clinic = setup["room"].clinic
    clinic.portal_offer_hold_minutes = 120
    clinic.save()
    waiting(clinic, "Ada")
    cancel(booked_consultation(setup, reception), reception)
    assert WaitlistOffer.objects.get().expires_at == NOW + timedelta(minutes=120)


def test_confirming_the_offer_books_it_once(setup, reception):
    entry = waiting(setup["room"].clinic, "Ada")
    cancel(booked_consultation(setup, reception), reception)
    token = manage_token(offer_mail_to(entry.client.email))
    for _ in range(2):  # a second tap changes nothing
        answer = PublicClient().post(
            f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json"
        )
        assert answer.status_code == 200, answer.content
        assert answer.json()["status"] == "booked"
    offer = WaitlistOffer.objects.get()
    entry.refresh_from_db()
    assert offer.status == "booked" and entry.status == "booked"
    assert Appointment.objects.filter(start=SLOT, status="booked").count() == 1


def test_declining_from_the_link_passes_the_time_on_and_keeps_the_place(setup, reception):
    clinic = setup["room"].clinic
    first = waiting(clinic, "Ada")
    second = waiting(clinic, "Bea")
    cancel(booked_consultation(setup, reception), reception)
    token = entry_token(offer_mail_to(first.client.email))
    page = PageClient().get(f"/book/waitlist/{token}/")
    assert page.status_code == 200 and "Decline this time" in page.content.decode()
    declined = PageClient().post(f"/book/waitlist/{token}/", {"action": "decline"})
    assert declined.status_code == 200
    assert WaitlistOffer.objects.get(entry=first).status == "declined"
    first.refresh_from_db()
    assert first.status == "waiting"
    assert WaitlistOffer.objects.get(entry=second).status == "open"


def test_leaving_the_waitlist_from_the_link_releases_an_open_offer(setup, reception):
    clinic = setup["room"].clinic
    first = waiting(clinic, "Ada")
    cancel(booked_consultation(setup, reception), reception)
    token = entry_token(offer_mail_to(first.client.email))
    assert PageClient().post(f"/book/waitlist/{token}/", {"action": "leave"}).status_code == 200
    first.refresh_from_db()
    assert first.status == "withdrawn"
    assert WaitlistOffer.objects.get().appointment.status == "cancelled"
    # The link is spent: it opens nothing now.
    assert PageClient().get(f"/book/waitlist/{token}/").status_code == 404


def test_a_tampered_or_spent_link_is_a_404_audited_as_denied(setup):
    entry = waiting(setup["room"].clinic, "Ada")
    token = links.token_for(entry)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert PageClient().get(f"/book/waitlist/{tampered}/").status_code == 404
    assert PageClient().get("/book/waitlist/1:nonsense/").status_code == 404
    entry.status = "withdrawn"
    entry.save()
    assert PageClient().post(f"/book/waitlist/{token}/", {"action": "leave"}).status_code == 404
    denied = AuditEvent.objects.filter(object_type="waitlist_entry", outcome="denied")
    assert denied.count() == 3
    assert str(entry.pk) in set(denied.values_list("object_id", flat=True))
    assert not any(token in (e.path or "") for e in denied)


def test_an_expired_offer_link_is_a_404(setup, reception, frozen_clock):
    entry = waiting(setup["room"].clinic, "Ada")
    cancel(booked_consultation(setup, reception), reception)
    token = manage_token(offer_mail_to(entry.client.email))
    frozen_clock.move_to(NOW + timedelta(minutes=31))
    answer = PublicClient().post(
        f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json"
    )
    assert answer.status_code == 404
    assert not Appointment.objects.filter(status="booked", start=SLOT).exists()


# --- joining from the public page ---------------------------------------------------------


def test_known_and_unknown_emails_get_the_same_answer(setup, client_record):
    unknown = join()
    known = join(join_body(email=client_record.email, first_name="Someone", last_name="Else"))
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    # The known address's record is untouched; the entry is theirs.
    client_record.refresh_from_db()
    assert client_record.first_name == "Amelia"
    assert WaitlistEntry.objects.filter(client=client_record, kind="consultation").exists()
    assert Client.objects.filter(email="nora.quinn@mail.example").count() == 1
    # Each address gets its own confirmation, with the link to leave.
    assert {m.to[0] for m in mail.outbox} == {"nora.quinn@mail.example", client_record.email}
    assert all("/book/waitlist/" in m.body for m in mail.outbox)


def test_the_honeypot_gets_the_same_answer_and_nothing_is_stored(setup):
    plain = join(join_body(email="a@mail.example")).json()
    trapped = join(join_body(email="b@mail.example", website="http://spam.example"))
    assert trapped.status_code == 202 and trapped.json() == plain
    assert not Client.objects.filter(email="b@mail.example").exists()
    assert WaitlistEntry.objects.count() == 1


def test_joining_is_rate_limited_per_email_and_per_address(setup, settings):
    settings.PORTAL_REQUESTS_PER_EMAIL = 2
    settings.PORTAL_REQUESTS_PER_ADDRESS = 3
    assert [join(REMOTE_ADDR="10.0.0.1").status_code for _ in range(3)] == [202, 202, 429]
    assert join(join_body(email="x@mail.example"), REMOTE_ADDR="10.0.0.1").status_code == 429
    assert join(join_body(email="y@mail.example"), REMOTE_ADDR="10.0.0.2").status_code == 202


def test_new_clients_wait_only_for_a_consultation(setup):
    answer = join(join_body(kind="treatment"))
    assert answer.status_code == 400
    assert "course" in answer.json()["fields"]
    assert not WaitlistEntry.objects.exists()


def test_bad_input_is_a_400_not_a_500(setup):
    assert join(join_body(date_to="2026-03-01", date_from="2026-03-05")).status_code == 400
    assert join(join_body(date_from="2026-02-01", date_to="2026-02-05")).status_code == 400
    assert join(join_body(date_to="2026-09-01")).status_code == 400
    assert join(join_body(date_from="nonsense")).status_code == 400
    assert join({"kind": "consultation"}).status_code == 400
    assert join(join_body(practitioner=10**30)).status_code == 400
    assert not WaitlistEntry.objects.exists()


def test_a_clinic_without_online_booking_has_no_waitlist(clinic, setup):
    clinic.portal_enabled = False
    clinic.save()
    assert join().status_code == 404
    assert join(slug="nowhere").status_code == 404
    assert PageClient().get("/book/harbour/waitlist/").status_code == 404


def test_a_returning_client_waits_for_their_course_by_its_link(setup, client_record):
    from clinic.booking import links as booking_links
    from clinic.booking.portal import course_link_for

    plan = plan_for(client_record)
    token = booking_links.token_for(course_link_for(plan=plan))
    answer = join(
        {"kind": "treatment", "date_from": "2026-03-03", "date_to": "2026-03-20", "course": token}
    )
    assert answer.status_code == 202, answer.content
    entry = WaitlistEntry.objects.get()
    assert entry.client == client_record and entry.treatment_plan == plan
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = join(
        {
            "kind": "treatment",
            "date_from": "2026-03-03",
            "date_to": "2026-03-20",
            "course": tampered,
        }
    )
    assert refused.status_code == 404
    assert AuditEvent.objects.filter(object_type="booking_link", outcome="denied").exists()


def test_the_page_joins_without_javascript_and_shows_form_errors(setup):
    page = PageClient().get("/book/harbour/")
    assert "/book/harbour/waitlist/" in page.content.decode()
    form = PageClient().get("/book/harbour/waitlist/")
    assert form.status_code == 200
    bad = PageClient().post("/book/harbour/waitlist/", {"date_from": "2026-03-03"})
    assert bad.status_code == 400 and "Please correct" in bad.content.decode()
    body = join_body()
    body.pop("kind")
    done = PageClient().post("/book/harbour/waitlist/", body)
    assert done.status_code == 200 and "waitlist" in done.content.decode()
    assert WaitlistEntry.objects.get().client.email == "nora.quinn@mail.example"


# --- staff -------------------------------------------------------------------------------


def test_staff_see_their_clinic_waitlist_with_offers(
    setup, reception, other_manager, api, other_clinic
):
    clinic = setup["room"].clinic
    entry = waiting(clinic, "Ada")
    other_client = ClientFactory(clinic=other_clinic)
    theirs = waitlist_join(
        clinic=other_clinic,
        client=other_client,
        kind="consultation",
        date_from=date(2026, 3, 3),
        date_to=date(2026, 3, 5),
    )
    cancel(booked_consultation(setup, reception), reception)
    listed = api(reception).get("/api/waitlist/")
    assert listed.status_code == 200
    rows = listed.json()["results"]
    assert [r["id"] for r in rows] == [entry.pk]
    assert rows[0]["status"] == "offered" and rows[0]["offers"][0]["status"] == "open"
    assert AuditEvent.objects.filter(object_type="waitlist_entry", action="list").exists()
    # Another clinic's manager sees only their own, and ours reads as nothing.
    assert [r["id"] for r in api(other_manager).get("/api/waitlist/").json()["results"]] == [
        theirs.pk
    ]
    assert api(other_manager).delete(f"/api/waitlist/{entry.pk}/").status_code == 404
    assert (
        api(other_manager)
        .post(f"/api/waitlist/{entry.pk}/offers/", {"start": SLOT.isoformat()}, format="json")
        .status_code
        == 404
    )
    assert api().get("/api/waitlist/").status_code in (401, 403)


def test_staff_offer_a_free_time_by_hand(setup, reception, api):
    entry = waiting(setup["room"].clinic, "Ada")
    answer = api(reception).post(
        f"/api/waitlist/{entry.pk}/offers/", {"start": "2026-03-04T11:00:00Z"}, format="json"
    )
    assert answer.status_code == 201, answer.content
    offer = WaitlistOffer.objects.get()
    assert offer.offered_by == reception.user and offer.appointment.status == "held"
    committed()
    offer_mail_to(entry.client.email)
    # Offered already: a second time is a 409; a taken time is a 409 too.
    again = api(reception).post(
        f"/api/waitlist/{entry.pk}/offers/", {"start": "2026-03-04T12:00:00Z"}, format="json"
    )
    assert again.status_code == 409
    other = waiting(setup["room"].clinic, "Bea")
    taken = api(reception).post(
        f"/api/waitlist/{other.pk}/offers/", {"start": "2026-03-04T11:00:00Z"}, format="json"
    )
    assert taken.status_code == 409
    assert (
        api(reception)
        .post(f"/api/waitlist/{other.pk}/offers/", {"start": "nonsense"}, format="json")
        .status_code
        == 400
    )


def test_the_staff_page_lists_entries_and_offers_a_slot(setup, reception, web):
    entry = waiting(setup["room"].clinic, "Ada")
    staff = web(reception)
    page = staff.get("/waitlist/")
    assert page.status_code == 200 and "Ada" in page.content.decode()
    chooser = staff.get(f"/waitlist/?entry={entry.pk}&date=2026-03-04").content.decode()
    assert 'name="start"' in chooser
    value = f"2026-03-04T09:00:00+00:00|{setup['practitioner'].pk}"
    assert value in chooser
    done = staff.post(f"/waitlist/{entry.pk}/offer/", {"start": value})
    assert done.status_code == 302
    assert WaitlistOffer.objects.get().appointment.start == datetime(2026, 3, 4, 9, tzinfo=UTC)
    assert staff.post(f"/waitlist/{entry.pk}/offer/", {"start": "junk"}).status_code == 302


def test_managers_set_the_offer_hold_in_the_clinic_settings(manager, api, portal_clinic):
    answer = api(manager).patch("/api/clinic/", {"portal_offer_hold_minutes": 45}, format="json")
    assert answer.status_code == 200, answer.content
    portal_clinic.refresh_from_db()
    assert portal_clinic.portal_offer_hold_minutes == 45
    too_long = api(manager).patch(
        "/api/clinic/", {"portal_offer_hold_minutes": 2000}, format="json"
    )
    assert too_long.status_code == 400


# --- one freed slot, one booking (PostgreSQL) -------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_and_requests_give_one_booking(clinic, practitioner, reception):
    import threading

    from django.db import connection

    clinic.slug = "harbour"
    clinic.portal_enabled = True
    clinic.save()
    setup = {
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=clinic),
    }
    first = waiting(clinic, "Ada")
    second = waiting(clinic, "Bea")
    freed = booked_consultation(setup, reception)
    # Offered twice at once (a hook run twice, a retried task): one offer only.
    appointment_cancel(appointment=freed, actor=reception.user, reason="Ill.")
    uncommitted_dropped()
    offers: list = []
    barrier = threading.Barrier(4)

    def offer_once() -> None:
        try:
            barrier.wait(timeout=30)
            offers.append(offer_freed_slot(freed_id=freed.pk))
        finally:
            connection.close()

    # And meanwhile, new clients ask the public page for the same time.
    statuses: list[int] = []

    def ask(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            statuses.append(
                PublicClient()
                .post(
                    "/api/portal/harbour/bookings/",
                    {
                        "first_name": "New",
                        "last_name": f"Client{i}",
                        "date_of_birth": "1990-01-01",
                        "email": f"new{i}@mail.example",
                        "start": SLOT.isoformat(),
                    },
                    format="json",
                    REMOTE_ADDR=f"10.0.1.{i}",
                )
                .status_code
            )
        finally:
            connection.close()

    with time_machine.travel(NOW, tick=True):
        threads = [threading.Thread(target=offer_once) for _ in range(2)] + [
            threading.Thread(target=ask, args=(i,)) for i in range(2)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        live = Appointment.objects.filter(start=SLOT, status__in=["held", "booked"])
        assert live.count() == 1
        assert WaitlistOffer.objects.count() == len([o for o in offers if o is not None]) <= 1

        # Two confirmations of the one hold at the same moment: one booking.
        hold = live.get()
        from clinic.booking import links as booking_links

        token = booking_links.token_for(booking_links.link_for_appointment(hold))
        results: list[int] = []
        barrier2 = threading.Barrier(4)

        def confirm() -> None:
            try:
                barrier2.wait(timeout=30)
                results.append(
                    PublicClient()
                    .post(f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json")
                    .status_code
                )
            finally:
                connection.close()

        threads = [threading.Thread(target=confirm) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert results == [200] * 4
    assert Appointment.objects.filter(start=SLOT, status="booked").count() == 1
    assert Appointment.objects.filter(start=SLOT, status="held").count() == 0
    if WaitlistOffer.objects.exists():
        offer = WaitlistOffer.objects.get()
        assert offer.status == "booked" and offer.entry in (first, second)


def test_the_course_page_leads_to_its_waitlist_page(setup, client_record):
    from clinic.booking import links as booking_links
    from clinic.booking.portal import course_link_for

    plan = plan_for(client_record)
    token = booking_links.token_for(course_link_for(plan=plan))
    course_page = PageClient().get(f"/book/manage/{token}/").content.decode()
    assert f"/book/waitlist/course/{token}/" in course_page
    form = PageClient().get(f"/book/waitlist/course/{token}/")
    assert form.status_code == 200 and 'name="email"' not in form.content.decode()
    done = PageClient().post(
        f"/book/waitlist/course/{token}/", {"date_from": "2026-03-03", "date_to": "2026-03-20"}
    )
    assert done.status_code == 200
    entry = WaitlistEntry.objects.get()
    assert entry.kind == "treatment" and entry.treatment_plan == plan
    assert PageClient().get("/book/waitlist/course/1:nonsense/").status_code == 404


def test_entries_whose_dates_have_passed_leave_the_list(setup, frozen_clock):
    clinic = setup["room"].clinic
    soon = waiting(clinic, "Ada", date_from=date(2026, 3, 2), date_to=date(2026, 3, 3))
    later = waiting(clinic, "Bea")
    from waitlist.tasks import expire_past_entries

    assert expire_past_entries() == 0
    frozen_clock.move_to(datetime(2026, 3, 4, 0, 30, tzinfo=UTC))
    assert expire_past_entries() == 1
    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.status == "expired" and later.status == "waiting"


def test_the_gates_are_asked_again_when_the_client_confirms(
    setup, reception, courses, practitioner
):
    _refused, accepted = courses
    freed_treatment(setup, reception)
    offer = WaitlistOffer.objects.get()
    assert offer.entry == accepted
    # Before confirming, the client tells us of a bleeding disorder.
    screening_for(accepted.client, actor=practitioner.user, bleeding_disorder=True)
    token = manage_token(offer_mail_to(accepted.client.email))
    answer = PublicClient().post(
        f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json"
    )
    assert 400 <= answer.status_code < 500
    offer.refresh_from_db()
    assert offer.status == "open" and offer.appointment.status == "held"
    assert not Appointment.objects.filter(start=SLOT, status="booked").exists()


def test_a_longer_wish_that_does_not_fit_passes_to_a_shorter_one(setup, reception, practitioner):
    """The last half hour of the day: a treatment's hour does not fit, a consultation does."""
    clinic = setup["room"].clinic
    who = ClientFactory(clinic=clinic, first_name="Long", last_name="Wish")
    screening_for(who, actor=practitioner.user, planned_date=date(2026, 3, 4))
    waitlist_join(
        clinic=clinic,
        client=who,
        kind="treatment",
        date_from=date(2026, 3, 3),
        date_to=date(2026, 3, 6),
        treatment_plan=plan_for(who),
    )
    short = waiting(clinic, "Short")
    late = datetime(2026, 3, 4, 16, 30, tzinfo=UTC)
    cancel(booked_consultation(setup, reception, start=late), reception)
    offer = WaitlistOffer.objects.get()
    assert offer.entry == short and offer.appointment.start == late
