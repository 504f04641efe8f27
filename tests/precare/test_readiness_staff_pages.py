"""Reception sees the readiness check where it works: the calendar, Today, the appointment.

DOMAIN.md §6: a blocking answer flags the appointment; "reception sees it on Today, the
calendar and the appointment". Each badge says its state in words (not colour only).
The appointment page shows, prints and revokes the client's readiness link (decision 0018).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from clinic.booking.models import Appointment
from common.models import AuditEvent
from precare import readiness
from precare.models import ReadinessLink
from tests.factories import ClientFactory, screening_for
from tests.screening.answers import all_no_answers

pytestmark = pytest.mark.django_db

# The conftest clock: Monday 2 March 2026 08:00 GMT.
TODAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # today: the readiness check is due
WEDNESDAY_10 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # 50 hours ahead: not due yet


@pytest.fixture
def another_client(clinic, reception):
    """A second screened client (one client cannot have two treatments within 28 days)."""

    def make():
        client = ClientFactory(clinic=clinic)
        screening_for(client, actor=reception.user)
        return client

    return make


@pytest.fixture
def booking(book):
    def do(start: datetime, **kwargs) -> Appointment:
        data = book(start.isoformat(), (start + timedelta(hours=1)).isoformat(), **kwargs)
        return Appointment.objects.select_related("clinic", "client").get(pk=data["id"])

    return do


def block_of(html: str, appointment: Appointment) -> str:
    """The calendar block (the link) of one appointment."""
    match = re.search(
        rf'<a class="cal-appt[^"]*" href="[^"]*" data-appointment="{appointment.pk}">(.*?)</a>',
        html,
        re.S,
    )
    assert match is not None, "the appointment has no block on the calendar"
    return match.group(1)


def words(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def calendar(web, who, day: str) -> str:
    response = web(who).get(f"/calendar/?date={day}&view=day&by=practitioner")
    assert response.status_code == 200
    return response.content.decode()


# --- the calendar ---------------------------------------------------------------------------


def test_a_blocked_readiness_is_an_alert_on_the_calendar_block_in_words(
    web, reception, booking, answer
):
    appointment = booking(TODAY_10)
    answer(appointment, all_no_answers(isotretinoin_current=True))
    block = block_of(calendar(web, reception, "2026-03-02"), appointment)
    assert 'data-readiness="blocked"' in block
    assert "badge--danger" in block
    assert "Flagged" in words(block)
    assert "readiness answers block the treatment, call the client" in words(block)


def test_changed_answers_are_needs_review_on_the_calendar(web, reception, booking, answer):
    appointment = booking(TODAY_10)
    answer(appointment, all_no_answers(diabetes="controlled"))
    block = block_of(calendar(web, reception, "2026-03-02"), appointment)
    assert 'data-readiness="changed"' in block
    assert "readiness answers changed, needs review" in words(block)


def test_confirmed_and_awaited_readiness_read_in_words_and_not_due_shows_nothing(
    web, reception, booking, answer, another_client
):
    confirmed = booking(TODAY_10)
    answer(confirmed, unchanged=True)
    awaited = booking(TODAY_10 + timedelta(hours=3), client=another_client())
    html = calendar(web, reception, "2026-03-02")
    assert "Readiness confirmed" in words(block_of(html, confirmed))
    assert "Readiness awaited" in words(block_of(html, awaited))
    later = booking(WEDNESDAY_10, client=another_client())
    assert "data-readiness" not in block_of(calendar(web, reception, "2026-03-04"), later)


def test_a_consultation_has_no_readiness_badge(web, reception, booking):
    consultation = booking(TODAY_10, kind="consultation")
    assert "data-readiness" not in block_of(calendar(web, reception, "2026-03-02"), consultation)


def test_the_calendar_reads_every_appointments_readiness_in_one_query(
    booking, answer, another_client, django_assert_num_queries
):
    appointments = [booking(TODAY_10)] + [
        booking(TODAY_10 + timedelta(hours=h), client=another_client()) for h in (2, 4)
    ]
    answer(appointments[0], unchanged=True)
    fresh = list(Appointment.objects.filter(pk__in=[a.pk for a in appointments]))
    with django_assert_num_queries(1):
        marks = readiness.readiness_for_many(fresh)
    assert {a.pk: marks[a.pk].status for a in appointments} == {
        appointments[0].pk: "confirmed",
        appointments[1].pk: "pending",
        appointments[2].pk: "pending",
    }


# --- Today and the appointment page ------------------------------------------------------------


def test_today_names_the_readiness_flag(web, reception, booking, answer):
    appointment = booking(TODAY_10)
    answer(appointment, all_no_answers(isotretinoin_current=True))
    html = web(reception).get("/").content.decode()
    assert 'data-readiness="blocked"' in html
    assert "Readiness flagged" in words(html)


def test_the_appointment_page_shows_the_badge_in_its_title(web, reception, booking, answer):
    appointment = booking(TODAY_10)
    answer(appointment, all_no_answers(isotretinoin_current=True))
    html = web(reception).get(f"/appointments/{appointment.pk}/").content.decode()
    title = html[
        html.index('<div class="title-row">') : html.index("</div>", html.index("title-row"))
    ]
    assert "Readiness flagged" in words(title)


# --- the readiness link on the appointment page ---------------------------------------------


def test_reception_shows_the_link_to_print_and_it_opens_the_clients_page(
    web, reception, booking, client
):
    appointment = booking(WEDNESDAY_10)
    page = web(reception).get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Show or print the readiness link" in page
    assert "Revoke link" not in page  # nothing to revoke yet
    response = web(reception).post(f"/appointments/{appointment.pk}/readiness-link/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    link = ReadinessLink.objects.get(appointment=appointment)
    url = readiness.page_url_for(link)
    assert f'value="{url}"' in response.content.decode()
    assert AuditEvent.objects.filter(
        object_type="readiness_link", action="create", object_id=str(link.pk)
    ).exists()
    page = web(reception).get(f"/appointments/{appointment.pk}/").content.decode()
    assert 'data-readiness-link="open"' in page
    assert "Revoke link" in page
    client.logout()
    assert client.get(url.replace("http://127.0.0.1:8000", "")).status_code == 200


def test_showing_the_link_twice_gives_the_same_link(web, reception, booking):
    appointment = booking(WEDNESDAY_10)
    for _ in range(2):
        web(reception).post(f"/appointments/{appointment.pk}/readiness-link/")
    assert ReadinessLink.objects.filter(appointment=appointment).count() == 1


def test_revoking_stops_the_link_and_the_next_one_is_new(web, reception, booking, client):
    appointment = booking(WEDNESDAY_10)
    old = readiness.readiness_link_for(appointment)
    old_path = f"/readiness/{readiness.token_for(old)}/"
    response = web(reception).post(
        f"/appointments/{appointment.pk}/readiness-link/revoke/", follow=True
    )
    assert response.status_code == 200
    assert "The readiness link was revoked" in response.content.decode()
    old.refresh_from_db()
    assert old.revoked_at is not None
    assert AuditEvent.objects.filter(
        object_type="readiness_link", action="update", object_id=str(old.pk)
    ).exists()
    assert 'data-readiness-link="none"' in response.content.decode()
    client.logout()
    assert client.get(old_path).status_code == 404
    assert readiness.readiness_link_for(appointment).pk != old.pk


def test_another_clinics_appointment_has_no_link_to_show_or_revoke(web, other_manager, booking):
    appointment = booking(WEDNESDAY_10)
    readiness.readiness_link_for(appointment)
    assert (
        web(other_manager).post(f"/appointments/{appointment.pk}/readiness-link/").status_code
        == 404
    )
    assert (
        web(other_manager)
        .post(f"/appointments/{appointment.pk}/readiness-link/revoke/")
        .status_code
        == 404
    )
    assert ReadinessLink.objects.filter(revoked_at__isnull=False).count() == 0


def test_a_consultation_or_a_past_appointment_has_no_link_to_show(web, reception, booking, clock):
    consultation = booking(WEDNESDAY_10, kind="consultation")
    response = web(reception).post(f"/appointments/{consultation.pk}/readiness-link/", follow=True)
    assert "Only a treatment has a readiness check." in response.content.decode()
    treatment = booking(WEDNESDAY_10 + timedelta(hours=2))  # consultations do not count
    clock.move_to(WEDNESDAY_10 + timedelta(hours=3))
    response = web(reception).post(f"/appointments/{treatment.pk}/readiness-link/", follow=True)
    assert "its readiness check is closed" in response.content.decode()
    assert not ReadinessLink.objects.exists()


def test_a_get_is_not_a_way_to_make_a_link(web, reception, booking):
    appointment = booking(WEDNESDAY_10)
    response = web(reception).get(f"/appointments/{appointment.pk}/readiness-link/")
    assert response.status_code == 405
    assert not ReadinessLink.objects.exists()
