"""The readiness check 48 hours before a treatment (DOMAIN.md §6, decision 0018; API.md
``/api/portal/readiness/{token}/``, ``/api/appointments/{id}/readiness-link/``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from clinic.booking.models import AppointmentStatus
from common.models import AuditEvent
from precare import readiness
from precare.models import ReadinessLink, ReadinessResponse
from tests.factories import screening_for
from tests.screening.answers import all_no_answers
from treatments.screening.models import Screening

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # the conftest clock
START = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday, London on GMT


@pytest.fixture
def booked(book):
    from clinic.booking.models import Appointment

    data = book(START.isoformat(), (START + timedelta(hours=1)).isoformat())
    return Appointment.objects.select_related("clinic", "client").get(pk=data["id"])


def token_of(appointment):
    return readiness.token_for(readiness.readiness_link_for(appointment))


def portal(api_client, token):
    return f"/api/portal/readiness/{token}/"


@pytest.fixture
def anonymous():
    from rest_framework.test import APIClient

    return APIClient()


def denied_events():
    return AuditEvent.objects.filter(object_type="readiness_link", outcome="denied")


# --- staff: the link ---------------------------------------------------------------------


def test_reception_gets_the_page_link(api, reception, booked):
    response = api(reception).post(f"/api/appointments/{booked.pk}/readiness-link/")
    assert response.status_code == 200
    url = response.json()["url"]
    assert "/readiness/" in url
    assert url == readiness.page_url_for(ReadinessLink.objects.get())
    again = api(reception).post(f"/api/appointments/{booked.pk}/readiness-link/")
    assert again.json()["url"] == url  # the same link the e-mail carries
    assert AuditEvent.objects.filter(object_type="readiness_link", action="create").count() == 2


def test_another_clinics_appointment_has_no_link(api, other_manager, booked):
    response = api(other_manager).post(f"/api/appointments/{booked.pk}/readiness-link/")
    assert response.status_code == 404
    assert not ReadinessLink.objects.exists()


def test_the_48_hour_email_carries_the_page_link(client, booked):
    schedule = booked.precare
    url = readiness.readiness_url(schedule)
    assert url is not None and "/readiness/" in url
    assert url == readiness.readiness_url(schedule)
    assert client.get(_path(url)).status_code == 200


# --- the client: GET and POST -------------------------------------------------------------


def test_the_client_sees_the_questions_and_their_last_answers(anonymous, booked):
    response = anonymous.get(portal(anonymous, token_of(booked)))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["client_first_name"] == booked.client.first_name
    assert body["answers"] == Screening.objects.get().answers
    assert len(body["questions"]) == 26
    assert body["readiness"]["status"] == "not_due"  # 50 hours ahead
    assert response["Cache-Control"] == "private, no-store"
    read = AuditEvent.objects.get(object_type="appointment_readiness", action="read")
    assert read.channel == "link"
    assert token_of(booked) not in read.path


def test_nothing_has_changed_is_a_confirmation(api, reception, anonymous, booked):
    response = anonymous.post(
        portal(anonymous, token_of(booked)), {"unchanged": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "confirmed"
    assert response.json()["outcome"] == "clear"
    assert ReadinessResponse.objects.get().status == "confirmed"
    assert Screening.objects.count() == 1
    detail = api(reception).get(f"/api/appointments/{booked.pk}/readiness/").json()
    assert detail["status"] == "confirmed"


def test_changed_clear_answers_keep_the_appointment(anonymous, booked):
    answers = all_no_answers(raised_lesions_in_area=False)
    response = anonymous.post(
        portal(anonymous, token_of(booked)), {"answers": answers}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "changed"
    new = Screening.objects.order_by("-id").first()
    assert new.source == "client" and new.taken_by is None
    assert new.planned_date == START.date()


def test_a_caution_answer_stays_booked_and_needs_a_practitioner(anonymous, booked):
    from clinic.booking.decision import appointment_decision

    response = anonymous.post(
        portal(anonymous, token_of(booked)),
        {"answers": all_no_answers(anticoagulant_use=True)},
        format="json",
    )
    assert response.json()["status"] == "changed"
    assert response.json()["outcome"] == "caution"
    decision = appointment_decision(appointment=booked)
    assert decision.bookable
    assert "screening_review" in [t.code for t in decision.to_do]


def test_a_blocking_answer_flags_never_cancels(api, reception, anonymous, booked):
    from clinic.booking.decision import appointment_decision

    response = anonymous.post(
        portal(anonymous, token_of(booked)),
        {"answers": all_no_answers(isotretinoin_current=True)},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "blocked"
    assert body["outcome"] == "defer"
    assert [f["rule"] for f in body["findings"]] == ["ISO_CURRENT"]
    assert "will call" in body["message"]
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED
    assert not appointment_decision(appointment=booked).bookable
    assert api(reception).get(f"/api/appointments/{booked.pk}/readiness/").json()["status"] == (
        "blocked"
    )


def test_clear_answers_after_a_block_never_clear_it(anonymous, booked):
    from clinic.booking.decision import appointment_decision

    url = portal(anonymous, token_of(booked))
    anonymous.post(url, {"answers": all_no_answers(isotretinoin_current=True)}, format="json")
    anonymous.post(url, {"answers": all_no_answers()}, format="json")
    assert not appointment_decision(appointment=booked).bookable


def test_a_staff_screening_afterwards_resolves_the_flag(api, reception, anonymous, booked, clock):
    url = portal(anonymous, token_of(booked))
    anonymous.post(url, {"answers": all_no_answers(isotretinoin_current=True)}, format="json")
    clock.shift(timedelta(minutes=10))
    screening_for(booked.client, actor=reception.user, planned_date=START.date())
    detail = api(reception).get(f"/api/appointments/{booked.pk}/readiness/").json()
    assert detail["status"] == "changed"


def test_incomplete_answers_are_a_400_with_the_questions(anonymous, booked):
    answers = all_no_answers()
    del answers["bleeding_disorder"]
    response = anonymous.post(
        portal(anonymous, token_of(booked)), {"answers": answers}, format="json"
    )
    assert response.status_code == 400
    assert "answers.bleeding_disorder" in response.json()["fields"]
    assert Screening.objects.count() == 1


def test_neither_or_both_is_a_400(anonymous, booked):
    url = portal(anonymous, token_of(booked))
    assert anonymous.post(url, {}, format="json").status_code == 400
    both = {"unchanged": True, "answers": all_no_answers()}
    assert anonymous.post(url, both, format="json").status_code == 400


def test_readiness_status_not_due_then_pending(api, reception, booked, clock):
    clock.move_to(START - timedelta(hours=48, seconds=1))
    assert api(reception).get(f"/api/appointments/{booked.pk}/readiness/").json()["status"] == (
        "not_due"
    )
    clock.move_to(START - timedelta(hours=48))
    assert api(reception).get(f"/api/appointments/{booked.pk}/readiness/").json()["status"] == (
        "pending"
    )


# --- links that no longer open ---------------------------------------------------------------


def test_the_link_opens_until_the_start_and_not_at_it(anonymous, booked, clock):
    token = token_of(booked)
    clock.move_to(START - timedelta(seconds=1))
    assert anonymous.get(portal(anonymous, token)).status_code == 200
    clock.move_to(START)
    assert anonymous.get(portal(anonymous, token)).status_code == 404
    event = denied_events().get()
    assert event.detail["expired"] is True
    assert event.object_id == str(ReadinessLink.objects.get().pk)


def test_a_tampered_link_is_404_and_audited(anonymous, booked):
    token = token_of(booked)
    assert anonymous.get(portal(anonymous, token[:-2] + "xx")).status_code == 404
    assert anonymous.post(portal(anonymous, "1:abc"), {"unchanged": True}).status_code == 404
    assert denied_events().count() == 2
    assert not ReadinessResponse.objects.exists()


def test_a_revoked_link_is_404(anonymous, booked, reception):
    link = readiness.readiness_link_for(booked)
    readiness.readiness_link_revoke(link=link, actor=reception.user)
    assert anonymous.get(portal(anonymous, readiness.token_for(link))).status_code == 404
    assert denied_events().get().detail["reason"] == "revoked"
    assert readiness.readiness_link_for(booked).pk != link.pk


def test_a_cancelled_or_moved_appointment_closes_the_link(anonymous, booked, reception):
    from clinic.booking.services import appointment_cancel

    token = token_of(booked)
    appointment_cancel(appointment=booked, actor=reception.user, reason="Client asked")
    assert anonymous.get(portal(anonymous, token)).status_code == 404


def test_a_token_of_another_kind_does_not_open_it(anonymous, booked):
    from aftercare.links import page_token

    assert anonymous.get(portal(anonymous, page_token(booked.pk))).status_code == 404


# --- the page -------------------------------------------------------------------------------


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[-1]


def test_the_page_shows_last_answers_and_confirms(client, booked):
    path = _path(readiness.page_url_for(readiness.readiness_link_for(booked)))
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Nothing has changed" in html
    assert "<script" not in html.split("<main")[1]  # the page needs no JavaScript
    checked = re.search(r'<input[^>]*name="q-bleeding_disorder"[^>]*value="no"[^>]*>', html)
    assert checked is not None and "checked" in checked.group(0)
    assert page["Cache-Control"] == "private, no-store"
    done = client.post(path, {"choice": "unchanged"})
    assert done.status_code == 200
    assert "Thank you for confirming" in done.content.decode()
    assert ReadinessResponse.objects.get().status == "confirmed"


def test_the_page_sends_changed_answers_and_says_the_clinic_will_call(client, booked):
    path = _path(readiness.page_url_for(readiness.readiness_link_for(booked)))
    form = {
        f"q-{code}": ("yes" if value is True else "no")
        for code, value in all_no_answers().items()
        if isinstance(value, bool)
    }
    for code, value in all_no_answers().items():
        if value is None:
            form[f"never-{code}"] = "on"
        elif not isinstance(value, bool):
            form[f"q-{code}"] = value
    form["q-isotretinoin_current"] = "yes"
    form["choice"] = "changed"
    done = client.post(path, form)
    assert done.status_code == 200, done.content.decode()[:2000]
    assert "will call you" in done.content.decode()
    assert ReadinessResponse.objects.get().status == "blocked"


def test_the_page_refuses_a_half_answered_questionnaire(client, booked):
    path = _path(readiness.page_url_for(readiness.readiness_link_for(booked)))
    response = client.post(path, {"choice": "changed", "q-isotretinoin_current": "yes"})
    assert response.status_code == 400
    assert "Answer this question." in response.content.decode()
    assert not ReadinessResponse.objects.exists()


def test_the_page_of_a_tampered_link_is_404(client, booked):
    assert client.get("/readiness/1:nope/").status_code == 404
    assert denied_events().count() == 1


def test_the_appointment_shows_its_readiness(api, reception, anonymous, booked, clock):
    detail = api(reception).get(f"/api/appointments/{booked.pk}/").json()
    assert detail["readiness"] == {
        "status": "not_due",
        "screening": None,
        "outcome": None,
        "findings": [],
    }
    anonymous.post(
        portal(anonymous, token_of(booked)),
        {"answers": all_no_answers(pregnant_or_breastfeeding=True)},
        format="json",
    )
    readiness_now = api(reception).get(f"/api/appointments/{booked.pk}/").json()["readiness"]
    assert readiness_now["status"] == "blocked"
    assert readiness_now["outcome"] == "defer"
    assert readiness_now["screening"] == Screening.objects.order_by("-id").first().pk
    assert [f["rule"] for f in readiness_now["findings"]] == ["PREGNANCY"]
