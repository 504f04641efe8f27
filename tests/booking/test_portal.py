"""Online booking by clients (issue 14; decision 0021): the public page, holds, the
client's link (confirm, move, cancel), abuse limits, and the gates on every path."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from rest_framework.test import APIClient

from clinic.booking import links
from clinic.booking.models import Appointment, BookingLink
from clinic.booking.services import BookingRequest, appointment_book, holds_release_expired
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
)
from tests.screening.answers import all_no_answers
from treatments.screening import intake
from treatments.screening.models import IntakeLink

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 08:00 in London (UTC+0 in winter).
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SLOT = "2026-03-04T10:00:00Z"  # Wednesday 10:00 London


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client():
    return PageClient()


@pytest.fixture
def portal_clinic(clinic):
    clinic.slug = "harbour"
    clinic.portal_enabled = True
    clinic.save()
    return clinic


@pytest.fixture
def setup(portal_clinic, practitioner):
    return {
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=portal_clinic, name="Room 1"),
        "device": DeviceFactory(clinic=portal_clinic),
    }


def public() -> APIClient:
    return PublicClient()


def request_body(**overrides):
    body = {
        "first_name": "Nora",
        "last_name": "Quinn",
        "date_of_birth": "1988-04-02",
        "email": "nora.quinn@mail.example",
        "phone": "+44 7700 900555",
        "start": SLOT,
    }
    body.update(overrides)
    return body


def ask(body=None, slug="harbour", **extra):
    return public().post(
        f"/api/portal/{slug}/bookings/", body or request_body(), format="json", **extra
    )


def token_from_last_mail() -> str:
    """The token of the link in the last e-mail sent (the client's confirmation link)."""
    match = re.search(r"/book/manage/([^/\s\"]+)/", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


# --- the clinic's page: on, off, unknown -----------------------------------------------


def test_a_clinic_with_online_booking_off_has_no_public_page(clinic, setup):
    clinic.portal_enabled = False
    clinic.save()
    assert public().get("/api/portal/harbour/services/").status_code == 404
    assert public().get("/book/harbour/").status_code == 404
    assert ask().status_code == 404
    assert not Appointment.objects.exists()


def test_an_unknown_slug_answers_the_same_404(setup):
    response = public().get("/api/portal/nowhere/services/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert public().get("/book/nowhere/").status_code == 404


def test_services_offer_a_consultation_and_treatments_only_when_the_clinic_allows(portal_clinic):
    kinds = [s["kind"] for s in public().get("/api/portal/harbour/services/").json()]
    assert kinds == ["consultation"]
    portal_clinic.portal_treatments = True
    portal_clinic.save()
    services = public().get("/api/portal/harbour/services/").json()
    assert [s["kind"] for s in services] == ["consultation", "treatment"]
    assert services[1]["needs_link"] is True


# --- slots ---------------------------------------------------------------------------


def slots(**query):
    params = {"kind": "consultation", "date_from": "2026-03-04", "date_to": "2026-03-04"}
    params.update(query)
    return public().get("/api/portal/harbour/slots/", params)


def test_slots_come_from_working_hours_without_practitioner_names(setup):
    response = slots()
    assert response.status_code == 200
    body = response.json()
    starts = [s["start"] for s in body]
    assert starts[0] == "2026-03-04T09:00:00Z"  # 09:00 London, working hours 09–17
    assert starts[-1] == "2026-03-04T16:30:00Z"  # the last 30 minutes before 17:00
    assert all(s["practitioner"] is None and s["practitioner_id"] is None for s in body)
    assert setup["practitioner"].display_name not in response.content.decode()


def test_slots_name_practitioners_when_the_clinic_allows(portal_clinic, setup):
    portal_clinic.portal_show_practitioners = True
    portal_clinic.save()
    body = slots().json()
    assert {s["practitioner"] for s in body} == {setup["practitioner"].display_name}


def test_slots_leave_out_appointments_and_time_off_as_staff_availability_does(setup):
    other = ClientFactory(clinic=setup["room"].clinic)
    appointment_for(
        other,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=None,
        kind="consultation",
        start=datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
        minutes=60,
    )
    starts = {s["start"] for s in slots().json()}
    assert "2026-03-04T10:00:00Z" not in starts
    assert "2026-03-04T10:30:00Z" not in starts
    assert "2026-03-04T09:30:00Z" in starts and "2026-03-04T11:00:00Z" in starts
    # Nothing about the other client is in the answer.
    assert other.last_name not in slots().content.decode()


def test_slots_refuse_the_past_a_long_range_and_treatments(setup):
    assert slots(date_from="2026-03-01", date_to="2026-03-01").status_code == 400
    assert slots(date_to="2026-03-30").status_code == 400
    assert slots(kind="treatment").status_code == 400
    assert slots(date_from="not-a-date").status_code == 400


def test_slots_on_the_spring_clock_change_follow_the_wall_clock(portal_clinic, setup):
    # Sunday 29 March 2026: London moves to BST; 09:00 local is 08:00 UTC.
    with time_machine.travel(datetime(2026, 3, 27, 8, 0, tzinfo=UTC), tick=False):
        body = slots(date_from="2026-03-29", date_to="2026-03-29").json()
    assert body[0]["start"] == "2026-03-29T08:00:00Z"
    assert body[-1]["end"] == "2026-03-29T16:00:00Z"


# --- a request: one answer for everyone, the hold, the e-mail ---------------------------


def test_a_request_holds_the_slot_and_emails_a_confirmation_link(setup):
    response = ask()
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "check_your_email"
    held = Appointment.objects.get()
    assert held.status == "held" and held.source == "online" and held.kind == "consultation"
    assert held.hold_expires_at == NOW + timedelta(minutes=15)
    assert held.client.email == "nora.quinn@mail.example"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nora.quinn@mail.example"]
    assert "/book/manage/" in mail.outbox[0].body
    # The held slot is no longer offered to anyone.
    assert SLOT.replace("+00:00", "Z") not in {s["start"] for s in slots().json()}


def test_known_and_unknown_emails_get_the_same_answer(portal_clinic, setup):
    known = ClientFactory(clinic=portal_clinic, email="amelia@mail.example")
    first = ask(request_body(email="amelia@mail.example"))
    second = ask(request_body(email="stranger@mail.example", start="2026-03-04T11:00:00Z"))
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    # The known client is not duplicated: the request is theirs, for them to confirm.
    assert Client.objects.filter(email__iexact="amelia@mail.example").count() == 1
    assert Appointment.objects.get(start="2026-03-04T10:00:00Z").client == known
    # Their stored details are not changed by what a requester typed.
    known.refresh_from_db()
    assert known.first_name != "Nora"


def test_the_honeypot_gets_the_same_answer_and_nothing_is_done(setup):
    plain = ask(request_body(email="a@mail.example", start="2026-03-04T11:00:00Z"))
    bot = ask(request_body(website="http://spam.example"))
    assert bot.status_code == plain.status_code == 202
    assert bot.json() == plain.json()
    assert Appointment.objects.count() == 1
    assert not Client.objects.filter(email="nora.quinn@mail.example").exists()


def test_requests_are_limited_per_email(setup, settings):
    settings.PORTAL_REQUESTS_PER_EMAIL = 2
    starts = ["2026-03-04T09:00:00Z", "2026-03-04T11:00:00Z", "2026-03-04T13:00:00Z"]
    answers = [ask(request_body(start=s)).status_code for s in starts]
    assert answers == [202, 202, 429]
    refused = ask(request_body(start="2026-03-04T14:00:00Z"))
    assert refused.json()["code"] == "rate_limited"
    # An hour later the address may ask again.
    with time_machine.travel(NOW + timedelta(hours=1, minutes=1), tick=False):
        cache.clear()  # the local-memory cache does not follow the frozen clock
        assert ask(request_body(start="2026-03-04T15:00:00Z")).status_code == 202


def test_requests_are_limited_per_address_whatever_the_email(setup, settings):
    settings.PORTAL_REQUESTS_PER_ADDRESS = 2
    answers = [
        ask(
            request_body(email=f"p{i}@mail.example", start=f"2026-03-04T{9 + i:02d}:00:00Z")
        ).status_code
        for i in range(3)
    ]
    assert answers == [202, 202, 429]


def test_a_taken_slot_is_refused_with_409(setup):
    assert ask().status_code == 202
    again = ask(request_body(email="second@mail.example"))
    assert again.status_code == 409
    assert again.json()["code"] == "slot_unavailable"
    assert "nora" not in again.content.decode().lower()


def test_bad_input_is_a_400_not_a_500(setup):
    assert ask(request_body(email="not-an-email")).status_code == 400
    assert ask(request_body(start="yesterday")).status_code == 400
    assert ask(request_body(date_of_birth="2090-01-01")).status_code == 400
    assert ask(request_body(start="2026-03-04T10:07:00Z")).status_code == 409  # not a slot


# --- the hold expires by itself -------------------------------------------------------


def test_an_unconfirmed_hold_frees_the_slot_after_fifteen_minutes(setup, frozen_clock):
    ask()
    frozen_clock.move_to(NOW + timedelta(minutes=14))
    assert "2026-03-04T10:00:00Z" not in {s["start"] for s in slots().json()}
    frozen_clock.move_to(NOW + timedelta(minutes=15))
    # Readers treat it as free at once, before any sweep ran.
    assert "2026-03-04T10:00:00Z" in {s["start"] for s in slots().json()}
    assert holds_release_expired() == 1
    held = Appointment.objects.get()
    assert held.status == "cancelled" and held.hold_expires_at is None
    assert AuditEvent.objects.filter(
        object_type="appointment", object_id=str(held.pk), channel="task"
    ).exists()


def test_an_expired_hold_not_yet_swept_does_not_stop_staff_booking_the_slot(
    setup, reception, frozen_clock
):
    ask()
    frozen_clock.move_to(NOW + timedelta(minutes=20))
    walk_in = ClientFactory(clinic=setup["room"].clinic)
    booked = appointment_book(
        clinic=setup["room"].clinic,
        actor=reception.user,
        request=BookingRequest(
            client=walk_in,
            practitioner=setup["practitioner"],
            room=setup["room"],
            device=None,
            start=datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
            end=datetime(2026, 3, 4, 10, 30, tzinfo=UTC),
            kind="consultation",
        ),
    )
    assert booked.status == "booked"
    assert Appointment.objects.filter(status="held").count() == 0


def test_confirming_after_the_hold_expired_is_refused(setup, frozen_clock):
    ask()
    token = token_from_last_mail()
    frozen_clock.move_to(NOW + timedelta(minutes=16))
    response = public().post(f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json")
    assert response.status_code == 404
    assert Appointment.objects.get().status != "booked"


# --- the link: confirm, see, move, cancel ---------------------------------------------


def test_confirming_books_the_appointment_and_sends_the_calendar_file(setup):
    ask()
    token = token_from_last_mail()
    response = public().post(f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "booked"
    appointment = Appointment.objects.get()
    assert appointment.status == "booked" and appointment.hold_expires_at is None
    confirmation = mail.outbox[-1]
    ics = next(content for name, content, _ in confirmation.attachments if name.endswith(".ics"))
    ics_text = ics.decode() if isinstance(ics, bytes) else ics
    assert f"UID:{appointment.uid}@needlework" in ics_text
    assert "/book/manage/" in confirmation.body  # move or cancel from the confirmation
    event = AuditEvent.objects.filter(
        object_type="appointment", object_id=str(appointment.pk), detail__status="booked"
    ).get()
    assert event.channel == "link" and event.actor_id is None and event.detail["by"] == "client"


def test_a_tampered_or_unknown_token_is_a_404_and_audited_as_denied(setup):
    ask()
    token = token_from_last_mail()
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert public().get(f"/api/portal/bookings/{tampered}/").status_code == 404
    assert public().get("/book/manage/1:nonsense/").status_code == 404
    # A readiness link's token (another salt) opens nothing here.
    from django.core import signing

    other_salt = signing.Signer(salt="precare.readiness").sign(str(BookingLink.objects.get().pk))
    assert public().get(f"/api/portal/bookings/{other_salt}/").status_code == 404
    assert AuditEvent.objects.filter(object_type="booking_link", outcome="denied").count() == 3


def confirmed(setup):
    ask()
    token = token_from_last_mail()
    public().post(f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json")
    return token


def test_the_client_moves_their_booking_and_the_calendar_event_is_updated(setup):
    token = confirmed(setup)
    before = Appointment.objects.get()
    response = public().post(
        f"/api/portal/bookings/{token}/",
        {"action": "reschedule", "start": "2026-03-05T14:00:00Z"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    moved = Appointment.objects.get()
    assert moved.start == datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
    assert moved.sequence == before.sequence + 1
    ics = mail.outbox[-1].attachments[0][1]
    ics_text = ics.decode() if isinstance(ics, bytes) else ics
    assert f"UID:{moved.uid}@needlework" in ics_text and f"SEQUENCE:{moved.sequence}" in ics_text
    (event,) = [
        e
        for e in AuditEvent.objects.filter(object_type="appointment", object_id=str(moved.pk))
        if "start" in e.detail.get("fields", [])
    ]
    assert event.channel == "link" and event.detail["by"] == "client"


def test_the_client_cancels_their_booking(setup):
    token = confirmed(setup)
    response = public().delete(f"/api/portal/bookings/{token}/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert Appointment.objects.get().status == "cancelled"
    ics = mail.outbox[-1].attachments[0][1]
    assert "METHOD:CANCEL" in (ics.decode() if isinstance(ics, bytes) else ics)
    # The link has done its work.
    assert public().get(f"/api/portal/bookings/{token}/").status_code == 404


def test_inside_the_notice_period_the_client_is_asked_to_call(setup, frozen_clock):
    token = confirmed(setup)
    # The consultation is Wednesday 10:00 UTC; 24 h notice ends Tuesday 10:00 UTC.
    frozen_clock.move_to(datetime(2026, 3, 3, 9, 59, tzinfo=UTC))
    assert public().get(f"/api/portal/bookings/{token}/").json()["can_change"] is True
    frozen_clock.move_to(datetime(2026, 3, 3, 10, 0, tzinfo=UTC))
    assert public().get(f"/api/portal/bookings/{token}/").json()["can_change"] is False
    refused = public().delete(f"/api/portal/bookings/{token}/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "inside_notice_period"
    assert "+44 20 7946 0000" in refused.json()["detail"]
    moved = public().post(
        f"/api/portal/bookings/{token}/",
        {"action": "reschedule", "start": "2026-03-05T14:00:00Z"},
        format="json",
    )
    assert moved.status_code == 409
    assert Appointment.objects.get().status == "booked"
    page = public().get(f"/book/manage/{token}/")
    assert "please call" in page.content.decode()


def test_the_notice_period_counts_real_hours_across_the_clock_change(portal_clinic, setup):
    # Monday 30 March 10:00 BST = 09:00 UTC; 24 hours earlier is Sunday 09:00 UTC, which
    # is 10:00 BST on the day the clocks went forward.
    with time_machine.travel(datetime(2026, 3, 27, 8, 0, tzinfo=UTC), tick=False) as clock:
        ask(request_body(start="2026-03-30T09:00:00Z"))
        token = token_from_last_mail()
        public().post(f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json")
        clock.move_to(datetime(2026, 3, 29, 8, 59, tzinfo=UTC))
        assert public().get(f"/api/portal/bookings/{token}/").json()["can_change"] is True
        clock.move_to(datetime(2026, 3, 29, 9, 0, tzinfo=UTC))
        assert public().get(f"/api/portal/bookings/{token}/").json()["can_change"] is False


def test_staff_booking_confirmations_carry_the_link_when_online_booking_is_on(
    setup, reception, client_record
):
    appointment_book(
        clinic=setup["room"].clinic,
        actor=reception.user,
        request=BookingRequest(
            client=client_record,
            practitioner=setup["practitioner"],
            room=setup["room"],
            device=None,
            start=datetime(2026, 3, 4, 10, 0, tzinfo=UTC),
            end=datetime(2026, 3, 4, 10, 30, tzinfo=UTC),
            kind="consultation",
        ),
    )
    committed()
    assert "/book/manage/" in mail.outbox[-1].body
    assert Appointment.objects.get().source == "staff"


# --- the public page ------------------------------------------------------------------


def test_the_page_books_a_consultation_without_javascript(setup, client):
    page = client.get("/book/harbour/?date=2026-03-04")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Book a consultation at Harbour Skin Clinic" in html
    assert 'value="2026-03-04T10:00:00+00:00"' in html
    form = {
        **request_body(),
        "start": "2026-03-04T10:00:00+00:00",
        "website": "",
    }
    done = client.post("/book/harbour/?date=2026-03-04", form)
    assert done.status_code == 200
    assert "Check your e-mail" in done.content.decode()
    assert Appointment.objects.get().status == "held"


def test_the_page_shows_a_form_error_for_missing_details(setup, client):
    response = client.post("/book/harbour/", {"start": "2026-03-04T10:00:00+00:00"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Appointment.objects.exists()


def test_the_manage_page_confirms_by_post_only(setup, client):
    ask()
    token = token_from_last_mail()
    page = client.get(f"/book/manage/{token}/")
    assert page.status_code == 200
    assert Appointment.objects.get().status == "held"  # a link scanner's GET confirms nothing
    assert page["Cache-Control"] == "private, no-store"
    client.post(f"/book/manage/{token}/", {"action": "confirm"})
    assert Appointment.objects.get().status == "booked"


# --- concurrency: two clients, one slot --------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_slot_give_one_hold(clinic, practitioner):
    import threading

    from django.db import connection

    clinic.slug = "harbour"
    clinic.portal_enabled = True
    clinic.save()
    practitioner_for(practitioner.membership)
    RoomFactory(clinic=clinic)
    threads_count = 8
    barrier = threading.Barrier(threads_count)
    results: list[int] = []
    lock = threading.Lock()

    def attempt(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            response = ask(request_body(email=f"c{i}@mail.example"), REMOTE_ADDR=f"10.0.0.{i}")
            with lock:
                results.append(response.status_code)
        finally:
            connection.close()

    with time_machine.travel(NOW, tick=True):
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(threads_count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(results) == [202] + [409] * (threads_count - 1)
    assert Appointment.objects.filter(status="held").count() == 1


# --- a returning client's next session: only dates the one decision accepts ---------------


@pytest.fixture
def course(portal_clinic, setup, practitioner, client_record):
    portal_clinic.portal_treatments = True
    portal_clinic.save()
    plan = plan_for(client_record)  # 4 weeks apart (fine lines)
    return plan


def course_token(plan) -> str:
    from clinic.booking.portal import course_link_for

    return links.token_for(course_link_for(plan=plan))


def test_a_course_link_offers_treatment_times_to_a_screened_client(course, practitioner, client):
    screening_for(course.client, actor=practitioner.user, planned_date=date(2026, 3, 4))
    page = client.get(f"/book/manage/{course_token(course)}/?date=2026-03-04")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="2026-03-04T09:00:00+00:00"' in html
    done = client.post(
        f"/book/manage/{course_token(course)}/", {"start": "2026-03-04T09:00:00+00:00"}
    )
    assert done.status_code == 200, done.content.decode()
    held = Appointment.objects.get()
    assert held.kind == "treatment" and held.status == "held" and held.treatment_plan == course


def test_a_contraindicated_client_is_offered_no_treatment_dates(course, practitioner, client):
    screening_for(course.client, actor=practitioner.user, bleeding_disorder=True)
    html = client.get(f"/book/manage/{course_token(course)}/?date=2026-03-04").content.decode()
    assert 'name="start"' not in html
    refused = client.post(
        f"/book/manage/{course_token(course)}/", {"start": "2026-03-04T09:00:00+00:00"}
    )
    assert refused.status_code == 409
    assert not Appointment.objects.exists()


def test_a_deferred_client_is_offered_dates_from_the_end_of_the_deferral(
    course, practitioner, client
):
    # Botulinum toxin on 24 February: deferred until 10 March (14 days).
    screening_for(course.client, actor=practitioner.user, botulinum_toxin_last="2026-02-24")
    path = f"/book/manage/{course_token(course)}/"
    refused = client.get(f"{path}?date=2026-03-09").content.decode()
    assert 'name="start"' not in refused and "This date is not offered" in refused
    assert (
        'value="2026-03-10T09:00:00+00:00"'
        in client.get(f"{path}?date=2026-03-10").content.decode()
    )
    # The refusal holds on a POST as well (a hand-made request for a refused date).
    assert client.post(path, {"start": "2026-03-09T09:00:00+00:00"}).status_code == 409
    assert not Appointment.objects.exists()


def test_dates_inside_the_course_interval_are_not_offered(course, practitioner, setup, client):
    screening_for(course.client, actor=practitioner.user, planned_date=date(2026, 3, 4))
    appointment_for(
        course.client,
        practitioner=setup["practitioner"],
        room=setup["room"],
        device=setup["device"],
        start=datetime(2026, 2, 20, 10, 0, tzinfo=UTC),
        treatment_plan=course,
    )
    path = f"/book/manage/{course_token(course)}/"
    # 28 days after 20 February is 20 March: nothing before it.
    assert 'name="start"' not in client.get(f"{path}?date=2026-03-19").content.decode()
    assert (
        'value="2026-03-20T09:00:00+00:00"'
        in client.get(f"{path}?date=2026-03-20").content.decode()
    )


def test_a_client_whose_screening_expires_first_is_sent_to_update_it(course, practitioner, client):
    # Screened on 2 March: valid 30 days, so not for dates in April.
    screening_for(course.client, actor=practitioner.user, planned_date=date(2026, 3, 2))
    html = client.get(f"/book/manage/{course_token(course)}/?date=2026-04-06").content.decode()
    assert "health questions need updating" in html
    assert 'name="start"' not in html
    # The page sends them to the online intake (decision 0020): the link opens the
    # questionnaire for this client, and a second visit offers the same link.
    intake_path = re.search(r'href="(?:https?://[^/"]+)?(/intake/[^/"]+/)"', html).group(1)
    intake_page = client.get(intake_path)
    assert intake_page.status_code == 200
    assert course.client.first_name in intake_page.content.decode()
    again = client.get(f"/book/manage/{course_token(course)}/?date=2026-04-06").content.decode()
    assert intake_path in again
    assert IntakeLink.objects.filter(client=course.client).count() == 1


def test_a_client_whose_new_answers_await_staff_is_not_sent_to_answer_again(
    course, practitioner, client
):
    screening_for(course.client, actor=practitioner.user, planned_date=date(2026, 3, 2))
    html = client.get(f"/book/manage/{course_token(course)}/?date=2026-04-06").content.decode()
    intake_path = re.search(r'href="(?:https?://[^/"]+)?(/intake/[^/"]+/)"', html).group(1)
    answered = intake.intake_submit(
        link=intake.link_from_token(intake_path.split("/")[2]),
        details={},
        raw_answers=all_no_answers(),
    )
    assert answered.screening.source == "client"
    html = client.get(f"/book/manage/{course_token(course)}/?date=2026-04-06").content.decode()
    assert "We have your latest answers" in html
    assert "/intake/" not in html
    assert 'name="start"' not in html  # unconfirmed answers book no treatment


# --- staff see online bookings ------------------------------------------------------------


def test_online_bookings_are_marked_on_the_calendar_and_the_appointment(setup, reception, web):
    ask()
    held = Appointment.objects.get()
    staff = web(reception)
    calendar = staff.get("/calendar/?date=2026-03-04").content.decode()
    assert "cal-appt--online" in calendar and "Awaiting the client" in calendar
    detail = staff.get(f"/appointments/{held.pk}/").content.decode()
    assert "Online booking" in detail


def test_today_marks_online_bookings_and_leaves_out_expired_holds(setup, reception, web):
    with time_machine.travel(datetime(2026, 3, 4, 7, 0, tzinfo=UTC), tick=False) as clock:
        ask(request_body(start="2026-03-04T10:00:00Z"))
        ask(request_body(email="late@mail.example", start="2026-03-04T12:00:00Z"))
        token = re.search(r"/book/manage/([^/\s\"]+)/", mail.outbox[0].body).group(1)
        public().post(f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json")
        clock.move_to(datetime(2026, 3, 4, 7, 20, tzinfo=UTC))  # the second hold expired
        today = web(reception).get("/").content.decode()
    assert today.count("data-online") == 1
    assert "Online booking" in today


def test_a_booking_cannot_be_moved_into_the_notice_period(setup, frozen_clock):
    token = confirmed(setup)
    # Now Monday 08:00 UTC: with 24 h notice the soonest new time is Tuesday 08:00;
    # Monday 10:00 is free (working hours start at 09:00) but too soon.
    too_soon = public().post(
        f"/api/portal/bookings/{token}/",
        {"action": "reschedule", "start": "2026-03-02T10:00:00Z"},  # free, but too soon
        format="json",
    )
    assert too_soon.status_code == 409
    assert too_soon.json()["code"] == "inside_notice_period"
    fine = public().post(
        f"/api/portal/bookings/{token}/",
        {"action": "reschedule", "start": "2026-03-03T09:00:00Z"},
        format="json",
    )
    assert fine.status_code == 200, fine.json()


def test_another_clinics_practitioner_reads_like_a_missing_one(setup, other_clinic, other_manager):
    from tests.factories import practitioner_for as make_practitioner

    theirs = make_practitioner(other_manager.membership)
    with_theirs = ask(request_body(practitioner=theirs.pk))
    with_nobody = ask(request_body(practitioner=999_999))
    assert with_theirs.status_code == with_nobody.status_code == 400
    assert with_theirs.json() == with_nobody.json()
    assert not Appointment.objects.exists()


def test_moving_a_course_session_asks_the_gates_again(course, practitioner, client):
    screening_for(course.client, actor=practitioner.user, planned_date=date(2026, 3, 4))
    path = f"/book/manage/{course_token(course)}/"
    client.post(path, {"start": "2026-03-05T09:00:00+00:00"})
    token = token_from_last_mail()
    assert (
        public()
        .post(f"/api/portal/bookings/{token}/", {"action": "confirm"}, format="json")
        .status_code
        == 200
    )
    # The client then tells the clinic about a filler on 1 March: deferred 28 days.
    screening_for(course.client, actor=practitioner.user, dermal_filler_last="2026-03-01")
    moved = public().post(
        f"/api/portal/bookings/{token}/",
        {"action": "reschedule", "start": "2026-03-06T09:00:00Z"},
        format="json",
    )
    assert moved.status_code == 409
    assert moved.json()["code"] == "screening_blocks_treatment"
    assert Appointment.objects.get().start == datetime(2026, 3, 5, 9, 0, tzinfo=UTC)
