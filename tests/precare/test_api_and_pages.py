"""The preparation schedule for staff: the API, the appointment page, the template page."""

from __future__ import annotations

import pytest

from common.models import AuditEvent
from precare.models import PrecareTemplate
from precare.services import precare_template_current
from tests.factories import sign_off_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]

START, END = "2026-03-30T09:00:00Z", "2026-03-30T10:00:00Z"


def test_the_api_lists_every_moment_with_its_status_and_the_pdf(api, reception, book):
    appointment = book(START, END)
    response = api(reception).get(f"/api/appointments/{appointment['id']}/precare/")
    assert response.status_code == 200
    data = response.json()
    assert [(i["kind"], i["due_at"], i["status"], i["channel"]) for i in data["items"]] == [
        ("precare_booking", "2026-03-02T08:00:00Z", "sent", "email"),
        ("precare_14d", "2026-03-16T09:00:00Z", "pending", "email"),
        ("precare_7d", "2026-03-23T09:00:00Z", "pending", "email"),
        ("readiness_check", "2026-03-28T09:00:00Z", "pending", "email"),
        ("precare_day_before", "2026-03-29T17:00:00Z", "pending", "email"),
    ]
    assert data["pdf_url"] == f"/precare/appointments/{appointment['id']}/pdf/"
    assert data["rule_set_version"] == 1
    retinoids = next(d for d in data["dated"] if d["rule_code"] == "RETINOIDS_ACIDS")
    assert retinoids["from_date"] == "2026-03-23"
    assert AuditEvent.objects.filter(
        object_type="precare_schedule", action="read", client_id=appointment["client"]
    ).exists()


def test_a_moment_past_at_booking_is_listed_as_not_sent(api, reception, book):
    appointment = book("2026-03-06T10:00:00Z", "2026-03-06T11:00:00Z")
    items = api(reception).get(f"/api/appointments/{appointment['id']}/precare/").json()["items"]
    statuses = {i["kind"]: (i["status"], i["channel"]) for i in items}
    assert statuses["precare_14d"] == ("not_sent_past", None)
    assert statuses["precare_7d"] == ("not_sent_past", None)


def test_a_consultation_answers_an_empty_schedule(api, reception, book):
    appointment = book(START, END, kind="consultation")
    data = api(reception).get(f"/api/appointments/{appointment['id']}/precare/").json()
    assert data["items"] == [] and data["pdf_url"] is None


def test_another_clinics_appointment_is_not_found(api, other_manager, book):
    appointment = book(START, END)
    response = api(other_manager).get(f"/api/appointments/{appointment['id']}/precare/")
    assert response.status_code == 404
    assert api(other_manager).get("/api/appointments/999999/precare/").status_code == 404


def test_the_pdf_download_is_staff_only_and_clinic_scoped(web, reception, other_manager, book):
    appointment = book(START, END)
    url = f"/precare/appointments/{appointment['id']}/pdf/"
    response = web(reception).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(object_type="precare_pdf", action="export").exists()
    assert web(other_manager).get(url).status_code == 404


def test_the_appointment_page_shows_the_schedule(web, reception, book):
    appointment = book("2026-03-06T10:00:00Z", "2026-03-06T11:00:00Z")
    html = web(reception).get(f"/appointments/{appointment['id']}/").content.decode()
    assert "Preparation" in html
    assert "Not sent: past at booking" in html
    assert "Has anything changed?" in html
    assert f"/precare/appointments/{appointment['id']}/pdf/" in html


def test_the_template_page_shows_the_moments_and_the_dated_rules(web, reception, clock):
    html = web(reception).get("/precare/").content.decode()
    assert "48 hours before the start" in html
    assert "RETINOIDS_ACIDS" in html and "7 days" in html
    assert "/precare/publish/" not in html  # reception may not publish
    assert web(reception).get("/precare/publish/").status_code == 403


def test_a_manager_publishes_a_new_version_used_by_later_bookings(
    web, manager, clinic, book, smtp_server, clock
):
    current = precare_template_current(clinic=clinic)
    page = web(manager)
    assert page.get("/precare/publish/").status_code == 200
    form = {
        "base_version": current.version,
        "text_precare_booking": "Welcome! Please prepare as below.",
        "text_precare_14d": "Two weeks to go.",
        "text_precare_7d": "One week to go.",
        "text_readiness_check": "Has anything changed since your screening?",
        "text_precare_day_before": "See you tomorrow; come 15 minutes early.",
        "bring": "Your sunscreen\nA hat",
        "tell": "A cold sore",
        "note": "Shorter texts",
    }
    response = page.post("/precare/publish/", form)
    assert response.status_code == 302
    latest = PrecareTemplate.objects.filter(clinic=clinic).latest("version")
    assert latest.version == 2
    assert latest.parsed().bring == ["Your sunscreen", "A hat"]
    sign_off_for(clinic, preparation=2)  # a new version needs the director's sign-off
    book(START, END)
    sheet = next(m for m in smtp_server.messages if "precare" in m["Message-ID"])
    assert "Welcome! Please prepare as below." in sheet.get_body(("plain",)).get_content()


def test_publishing_an_empty_text_is_a_form_error(web, manager, clinic, clock):
    current = precare_template_current(clinic=clinic)
    response = web(manager).post(
        "/precare/publish/", {"base_version": current.version, "text_precare_booking": ""}
    )
    assert response.status_code == 400
    assert PrecareTemplate.objects.filter(clinic=clinic).count() == 1
