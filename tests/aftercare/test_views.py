"""The client's aftercare page (signed link), the staff API and table, the cached PDF."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.template import Context, Template

from aftercare import links, pdf
from aftercare.models import AftercareSchedule
from aftercare.schedules import aftercare_schedule_session
from clinic.messaging import links as links_messaging
from clinic.messaging.models import OutgoingMessage
from common.models import AuditEvent
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
ENDED = datetime(2026, 3, 26, 16, 0, tzinfo=LONDON)


@pytest.fixture
def clock():
    with time_machine.travel(ENDED + timedelta(minutes=5), tick=False) as traveller:
        yield traveller


@pytest.fixture
def schedule(clock, signed_session, client_record) -> AftercareSchedule:
    return aftercare_schedule_session(session=signed_session(client_record, ended_at=ENDED))


def page_path(schedule) -> str:
    return "/aftercare/" + links.page_token(schedule.pk) + "/"


# --- the client's page ------------------------------------------------------------------------


def test_the_signed_link_opens_the_clients_timeline_without_login(client, schedule, clock):
    path = page_path(schedule)
    OutgoingMessage.objects.filter(session_id=schedule.session_id, kind="aftercare_24h").update(
        status="sent", sent_at=datetime(2026, 3, 27, 16, tzinfo=UTC)
    )
    clock.move_to(datetime(2026, 3, 28, 12, tzinfo=UTC))

    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Your aftercare, Amelia" in html
    assert "Harbour Skin Clinic" in html and schedule.clinic.phone in html
    assert "Next: Morning sun protection" in html  # day 3, the next thing to come
    assert html.count("is-done") == 3  # 0 h, +24 h, day 2
    assert html.count("is-upcoming") == 9
    assert "Sun 29 Mar, 09:00" in html  # local time (BST), not UTC
    assert "A cold-sore outbreak" in html
    assert path + "pdf/" in html
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert AuditEvent.objects.filter(
        action="read", object_type="aftercare_schedule", channel="link",
        client_id=schedule.client_id,
    ).exists()  # fmt: skip


def test_the_client_downloads_the_pdf_from_the_page(client, schedule):
    response = client.get(page_path(schedule) + "pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert 'filename="aftercare-2026-03-26.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "2" + token[1:] if not token.startswith("2") else "3" + token[1:],
        lambda token: "nonsense",
    ],
)
def test_a_tampered_link_is_404_and_audited(client, schedule, mangle):
    token = mangle(links.page_token(schedule.pk))

    for suffix in ("", "pdf/"):
        assert client.get(f"/aftercare/{token}/{suffix}").status_code == 404

    denied = AuditEvent.objects.filter(outcome="denied", channel="link")
    assert denied.count() == 2
    assert denied.first().detail["expired"] is False


def test_an_expired_link_is_404_and_audited(client, schedule, clock, settings):
    path = page_path(schedule)
    # UTC arithmetic: adding days to a London time is wall-clock arithmetic (DST!).
    clock.move_to(ENDED.astimezone(UTC) + settings.AFTERCARE_LINK_MAX_AGE + timedelta(minutes=6))

    assert client.get(path).status_code == 404
    event = AuditEvent.objects.get(outcome="denied", channel="link")
    assert event.detail == {"reason": "expired", "expired": True}


def test_a_page_token_cannot_be_used_to_unsubscribe_and_the_reverse(client, schedule):
    page = links.page_token(schedule.pk)
    unsubscribe = links_messaging.unsubscribe_token(schedule.client_id, "aftercare_day14")
    assert client.post(f"/aftercare/unsubscribe/{page}/").status_code == 404
    assert client.get(f"/aftercare/{unsubscribe}/").status_code == 404


def test_a_kind_that_cannot_be_opted_out_of_cannot_be_unsubscribed(client, schedule):
    token = links_messaging.unsubscribe_token(schedule.client_id, "aftercare_day3")
    assert client.post(f"/aftercare/unsubscribe/{token}/").status_code == 404
    assert OutgoingMessage.objects.get(dedupe_key__endswith=":day3").status == "pending"


# --- staff ------------------------------------------------------------------------------------


def test_staff_see_each_moment_and_its_status(api, reception, schedule):
    OutgoingMessage.objects.filter(session_id=schedule.session_id, kind="aftercare_day7").update(
        status="cancelled", cancelled_reason="Test reason."
    )

    response = api(reception).get(f"/api/sessions/{schedule.session_id}/aftercare/")

    assert response.status_code == 200
    data = response.json()
    assert data["pdf_url"].endswith(f"/api/sessions/{schedule.session_id}/aftercare/pdf/")
    assert data["timezone"] == "Europe/London" and data["template_version"] == 1
    items = data["items"]
    assert len(items) == 12
    assert {"kind", "due_at", "status", "channel"} <= set(items[0])
    day3 = next(i for i in items if i["code"] == "day3")
    assert day3["kind"] == "aftercare_day3"
    assert day3["due_at"] == "2026-03-29T08:00:00Z"
    assert day3["due_local"] == "2026-03-29T09:00:00+01:00"
    assert day3["status"] == "pending" and day3["channel"] == "email"
    day7 = next(i for i in items if i["code"] == "day7")
    assert day7["status"] == "cancelled" and day7["cancelled_reason"] == "Test reason."
    assert AuditEvent.objects.filter(object_type="aftercare_schedule", action="read").exists()


def test_another_clinics_staff_get_404(api, other_manager, schedule):
    response = api(other_manager).get(f"/api/sessions/{schedule.session_id}/aftercare/")
    assert response.status_code == 404


def test_an_unsigned_or_unknown_session_is_404_and_anonymous_is_refused(api, reception, schedule):
    assert api(reception).get("/api/sessions/999999/aftercare/").status_code == 404
    assert api().get(f"/api/sessions/{schedule.session_id}/aftercare/").status_code in (401, 403)


def test_staff_download_the_pdf_and_another_clinic_cannot(web, reception, other_manager, schedule):
    url = f"/aftercare/sessions/{schedule.session_id}/pdf/"
    response = web(reception).get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert web(other_manager).get(url).status_code == 404


def test_the_session_page_tag_renders_the_schedule_table(schedule, reception):
    OutgoingMessage.objects.filter(session_id=schedule.session_id, kind="aftercare_24h").update(
        status="failed", last_error="SMTPServerDisconnected: gone"
    )
    html = Template("{% load aftercare_tags %}{% session_aftercare session %}").render(
        Context({"session": schedule.session, "membership": reception.membership})
    )
    assert "Day-3 check-in" in html
    assert "Sun 29 Mar 2026, 09:00" in html  # due, in the client's local time
    assert "SMTPServerDisconnected" in html
    assert "data-aftercare-resend" in html and "/resend/" in html
    assert f"/aftercare/sessions/{schedule.session_id}/pdf/" in html


def test_the_tag_says_so_when_the_session_is_not_signed_yet(schedule):
    class Unsigned:
        pk = 10**9

    html = Template("{% load aftercare_tags %}{% session_aftercare session %}").render(
        Context({"session": Unsigned()})
    )
    assert "created when the session is signed" in html


# --- the PDF ----------------------------------------------------------------------------------


def test_the_pdf_is_rendered_once_per_content_and_stored_privately(
    schedule, monkeypatch, private_media
):
    calls = []
    real = pdf.html_to_pdf
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: calls.append(1) or real(html))

    first = pdf.aftercare_pdf(schedule_id=schedule.pk)
    second = pdf.aftercare_pdf(schedule_id=schedule.pk)

    assert first == second and len(calls) == 1
    schedule.refresh_from_db()
    assert (private_media / schedule.pdf_file.name).exists()
    assert schedule.pdf_key.startswith("v1-")
    # A change of content (the clinic's phone number) renders a new file.
    schedule.clinic.phone = "+44 20 7946 9999"
    schedule.clinic.save()
    pdf.aftercare_pdf(schedule_id=schedule.pk)
    assert len(calls) == 2


def test_the_pdf_embeds_the_shipped_font(schedule, tmp_path):
    import subprocess

    path = tmp_path / "a.pdf"
    path.write_bytes(pdf.aftercare_pdf(schedule_id=schedule.pk))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True).stdout
    rows = fonts.decode().splitlines()[2:]
    assert rows and all("Needlework" in row and " yes " in row for row in rows), rows


def test_the_pdf_task_goes_to_the_pdf_queue(settings):
    route = settings.CELERY_TASK_ROUTES["aftercare.tasks.render_aftercare_pdf"]
    assert route == {"queue": "pdf"}


def test_a_client_in_another_zone_sees_their_own_local_times(client, clock, signed_session, clinic):
    record = ClientFactory(clinic=clinic, timezone="America/New_York")
    schedule = aftercare_schedule_session(session=signed_session(record, ended_at=ENDED))
    html = client.get(page_path(schedule)).content.decode()
    assert "Sun 29 Mar, 09:00" in html and "America/New_York" in html


def test_link_visits_are_audited_by_the_schedules_id_never_the_token(client, schedule):
    token = links.page_token(schedule.pk)

    assert client.get(f"/aftercare/{token}/").status_code == 200
    assert client.get(f"/aftercare/{token}/pdf/").status_code == 200
    assert client.get(f"/aftercare/{token}x/").status_code == 404

    events = AuditEvent.objects.filter(channel="link")
    assert events.count() == 3
    for event in events:
        assert token not in event.path
        assert token not in str(event.detail)
        assert event.path.startswith("/aftercare/{token}/")
    read = events.get(action="read", outcome="allowed")
    assert (read.object_type, read.object_id) == ("aftercare_schedule", str(schedule.pk))
    assert events.get(action="export").object_id == str(schedule.pk)


def test_an_unsubscribe_link_is_audited_without_its_token(client, schedule):
    token = links_messaging.unsubscribe_token(schedule.client_id, "aftercare_day14")

    assert client.post(f"/aftercare/unsubscribe/{token}/").status_code == 200

    events = AuditEvent.objects.exclude(path="")
    assert events.exists()
    assert all(token not in event.path for event in events)


# --- cancelling from the session page ----------------------------------------------------


def test_the_session_page_offers_cancelling_to_those_who_may(schedule, practitioner, reception):
    def render(persona):
        return Template("{% load aftercare_tags %}{% session_aftercare session %}").render(
            Context({"session": schedule.session, "membership": persona.membership})
        )

    url = f"/sessions/{schedule.session_id}/aftercare/cancel/"
    assert url in render(practitioner)
    assert url not in render(reception)


def test_cancel_page_confirms_with_a_reason_then_cancels(web, practitioner, schedule):
    url = f"/sessions/{schedule.session_id}/aftercare/cancel/"
    page = web(practitioner).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Cancel the aftercare of Amelia" in html
    assert "Day-3 check-in" in html  # what will not be sent
    assert 'name="reason"' in html
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"pending"}

    blank = web(practitioner).post(url, {"reason": "  "})
    assert blank.status_code == 400
    assert "This field is required." in blank.content.decode()
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"pending"}

    done = web(practitioner).post(url, {"reason": "The client moved abroad."})
    assert done.status_code == 302
    assert done["Location"] == f"/sessions/{schedule.session_id}/#aftercare"
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"cancelled"}
    schedule.refresh_from_db()
    assert schedule.cancelled_reason == "The client moved abroad."
    assert AuditEvent.objects.filter(
        object_type="aftercare_schedule", action="update", actor_id=practitioner.user.pk
    ).exists()
    # Afterwards the page sends the member back to the session.
    assert web(practitioner).get(url).status_code == 302


def test_reception_may_not_cancel_and_another_clinic_gets_404(
    web, reception, other_manager, schedule
):
    url = f"/sessions/{schedule.session_id}/aftercare/cancel/"
    assert web(reception).get(url).status_code == 403
    assert web(reception).post(url, {"reason": "x"}).status_code == 403
    assert web(other_manager).get(url).status_code == 404
    assert web(other_manager).post(url, {"reason": "x"}).status_code == 404
    assert set(OutgoingMessage.objects.values_list("status", flat=True)) == {"pending"}


def test_a_skipped_moment_shows_why_on_the_session_page(signed_session, client_record, reception):
    with time_machine.travel(ENDED + timedelta(hours=8), tick=False):
        schedule = aftercare_schedule_session(session=signed_session(client_record, ended_at=ENDED))
        html = Template("{% load aftercare_tags %}{% session_aftercare session %}").render(
            Context({"session": schedule.session, "membership": reception.membership})
        )
    assert "Skipped (too late)" in html
    assert "Too late: it was due 8 hours ago" in html
