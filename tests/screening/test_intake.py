"""Online intake for a new client (DOMAIN.md §6 "Online intake", API.md
``/api/clients/{id}/intake-link/``, ``/api/portal/intake/{token}/``, decision 0020).

A signed, expiring (14 days), single-purpose, revocable link opens a page with the
client's details and the whole questionnaire; the answers are stored as a client-submitted
screening that staff confirm before it can be used for a treatment booking.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from rest_framework.test import APIClient

from clinic.booking.decision import treatment_decision
from clinic.messaging import kinds
from clinic.messaging.models import OutgoingMessage
from common.models import AuditEvent
from tests.factories import ClientFactory, screening_for
from tests.screening.answers import all_no_answers
from treatments.screening import intake
from treatments.screening.defaults import DEFAULT_RULE_SET
from treatments.screening.models import IntakeLink, Screening, ScreeningConfirmation
from treatments.screening.services import screening_confirm

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; London is on GMT
QUESTIONS = DEFAULT_RULE_SET["questions"]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def new_client(clinic):
    """A client reception has just added: never screened."""
    return ClientFactory(
        clinic=clinic, first_name="Nadia", last_name="Osei", phone="+44 7700 900456"
    )


@pytest.fixture
def link(new_client, reception):
    return intake.intake_link_send(client=new_client, actor=reception.user).link


@pytest.fixture
def anonymous():
    return APIClient()


def page(link_or_token) -> str:
    token = link_or_token if isinstance(link_or_token, str) else intake.token_for(link_or_token)
    return f"/intake/{token}/"


def portal(link_or_token) -> str:
    token = link_or_token if isinstance(link_or_token, str) else intake.token_for(link_or_token)
    return f"/api/portal/intake/{token}/"


def form_data(answers: dict, action: str = "", **details) -> dict[str, str]:
    """What the browser posts: the client's details, these API-shaped answers and the
    button pressed (``check`` or ``send``)."""
    types = {q["code"]: q["type"] for q in QUESTIONS}
    data = {
        "client-first_name": "Nadia",
        "client-last_name": "Osei",
        "client-date_of_birth": "1990-05-17",
        "client-phone": "+44 7700 900456",
        "client-email": "nadia.osei@mail.example",
        "client-email_consent": "on",
    }
    data.update({f"client-{name}": value for name, value in details.items()})
    if action:
        data["action"] = action
    for code, value in answers.items():
        if types[code] == "boolean":
            data[f"q-{code}"] = "yes" if value else "no"
        elif types[code] == "date":
            if value is None:
                data[f"never-{code}"] = "on"
            else:
                data[f"q-{code}"] = value
        else:
            data[f"q-{code}"] = value
    return data


def denied():
    return AuditEvent.objects.filter(object_type="intake_link", outcome="denied")


# --- the link: signed, expiring, single-purpose, revocable ---


def test_an_open_link_opens_the_page_with_the_clients_details(client, link, new_client):
    response = client.get(page(link))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Harbour Skin Clinic" in html
    assert 'value="Nadia"' in html and 'value="+44 7700 900456"' in html
    for question in QUESTIONS:  # the whole questionnaire, the staff form's include
        assert f'data-question="{question["code"]}"' in html
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    read = AuditEvent.objects.get(object_type="client", action="read", client_id=new_client.pk)
    assert read.channel == "link" and read.actor is None
    assert intake.token_for(link) not in read.path


@pytest.mark.parametrize("how", ["page", "api"])
def test_a_tampered_link_is_not_found_and_audited_as_denied(client, anonymous, link, how):
    token = intake.token_for(link)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = client.get(page(tampered)) if how == "page" else anonymous.get(portal(tampered))
    assert response.status_code == 404
    event = denied().get()
    assert event.detail["reason"] == "bad signature"
    assert tampered not in event.path and token not in event.path


def test_a_readiness_token_for_the_same_id_does_not_open_intake(client, link):
    other_salt = signing.Signer(salt="precare.readiness").sign(str(link.pk))
    assert client.get(page(other_salt)).status_code == 404
    assert denied().get().detail["reason"] == "bad signature"


def test_the_link_expires_after_14_days(client, anonymous, link, clock):
    clock.move_to(NOW + timedelta(days=14) - timedelta(minutes=1))
    assert client.get(page(link)).status_code == 200
    clock.move_to(NOW + timedelta(days=14))
    assert client.get(page(link)).status_code == 404
    assert anonymous.post(
        portal(link), {"answers": all_no_answers()}, format="json"
    ).status_code == 404  # fmt: skip
    events = list(denied())
    assert [e.detail for e in events] == [{"reason": "expired", "expired": True}] * 2
    assert {e.object_id for e in events} == {str(link.pk)}
    assert not Screening.objects.exists()


def test_a_revoked_link_is_not_found(client, link, reception):
    intake.intake_link_revoke(link=link, actor=reception.user)
    assert client.get(page(link)).status_code == 404
    assert denied().get().detail["reason"] == "revoked"


def test_a_new_link_revokes_the_clients_earlier_open_one(client, link, new_client, reception):
    newer = intake.intake_link_send(client=new_client, actor=reception.user).link
    assert client.get(page(link)).status_code == 404
    assert client.get(page(newer)).status_code == 200
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_one_link_one_submission(client, anonymous, link):
    first = anonymous.post(portal(link), {"answers": all_no_answers()}, format="json")
    assert first.status_code == 201, first.json()
    second = anonymous.post(portal(link), {"answers": all_no_answers()}, format="json")
    assert second.status_code == 404
    assert client.get(page(link)).status_code == 404
    assert client.post(page(link), form_data(all_no_answers(), action="send")).status_code == 404
    assert Screening.objects.count() == 1
    assert {e.detail["reason"] for e in denied()} == {"already submitted"}


# --- the JSON twin ---


def test_the_api_shows_the_details_and_the_whole_questionnaire(anonymous, link):
    response = anonymous.get(portal(link))
    assert response.status_code == 200
    body = response.json()
    assert body["client"] == {
        "first_name": "Nadia",
        "last_name": "Osei",
        "date_of_birth": "1990-05-17",
        "phone": "+44 7700 900456",
        "email": "nadia.osei@mail.example",
        "email_consent": True,
    }
    assert body["clinic"]["name"] == "Harbour Skin Clinic"
    assert [q["code"] for q in body["questions"]] == [q["code"] for q in QUESTIONS]
    assert body["planned_date"] == "2026-03-02"
    assert response["Cache-Control"] == "private, no-store"


def test_missing_answers_are_named_and_nothing_is_stored(anonymous, link, new_client):
    answers = all_no_answers()
    del answers["bleeding_disorder"], answers["diabetes"]
    response = anonymous.post(
        portal(link), {"client": {"phone": "+44 7700 900999"}, "answers": answers}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body["fields"]) == {"answers.bleeding_disorder", "answers.diabetes"}
    assert not Screening.objects.exists()
    new_client.refresh_from_db()
    assert new_client.phone == "+44 7700 900456"  # the details wait for the answers
    assert anonymous.get(portal(link)).status_code == 200  # the link still opens


def test_bad_details_are_a_400_naming_the_field(anonymous, link):
    response = anonymous.post(
        portal(link),
        {"client": {"email": "not an address"}, "answers": all_no_answers()},
        format="json",
    )
    assert response.status_code == 400
    assert "client" in str(response.json()["fields"])
    assert not Screening.objects.exists()


def test_submitting_stores_a_client_screening_and_the_corrected_details(
    anonymous, link, new_client
):
    response = anonymous.post(
        portal(link),
        {
            "client": {"phone": "+44 7700 900999", "email_consent": False},
            "answers": all_no_answers(anticoagulant_use=True),
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["source"] == "client" and body["outcome"] == "caution"
    assert body["confirmed"] is False
    screening = Screening.objects.get(pk=body["screening"])
    assert screening.client_submitted and screening.taken_by is None
    assert screening.planned_date == date(2026, 3, 2)  # today in the clinic's zone
    new_client.refresh_from_db()
    assert new_client.phone == "+44 7700 900999" and new_client.email_consent is False
    update = AuditEvent.objects.get(object_type="client", action="update")
    assert update.channel == "link" and update.actor is None
    assert update.detail == {"fields": ["email_consent", "phone"]}  # names, never values
    created = AuditEvent.objects.get(object_type="screening", action="create")
    assert created.channel == "link"
    link.refresh_from_db()
    assert link.screening == screening and link.submitted_at == NOW


# --- the one booking decision ---


def test_submitted_answers_are_not_usable_for_a_treatment_until_confirmed(
    anonymous, link, new_client, practitioner
):
    anonymous.post(portal(link), {"answers": all_no_answers()}, format="json")
    on = date(2026, 3, 10)
    before = treatment_decision(client=new_client, on_date=on)
    assert not before.bookable
    assert "not confirmed" in before.reason
    screening = Screening.objects.get()
    screening_confirm(screening=screening, actor=practitioner.user, role="practitioner")
    assert treatment_decision(client=new_client, on_date=on).bookable


def test_blocking_answers_block_without_anyone_confirming(anonymous, link, new_client):
    response = anonymous.post(
        portal(link), {"answers": all_no_answers(bleeding_disorder=True)}, format="json"
    )
    assert response.json()["outcome"] == "contraindicated"
    assert "will call you" in response.json()["message"]
    decision = treatment_decision(client=new_client, on_date=date(2026, 3, 10))
    assert not decision.bookable and "contraindicated" in decision.reason


# --- staff: the link ---


def test_reception_sends_a_link_that_is_emailed(api, reception, new_client):
    response = api(reception).post(f"/api/clients/{new_client.pk}/intake-link/")
    assert response.status_code == 200, response.json()
    body = response.json()
    link = IntakeLink.objects.get()
    assert body["url"] == intake.page_url_for(link)
    assert body["emailed"] is True
    assert body["expires_at"] == "2026-03-16T09:00:00Z"
    message = OutgoingMessage.objects.get(kind="intake_link")
    assert message.client == new_client and message.context == {"link_id": link.pk}
    content = kinds.get("intake_link").render(message)
    assert body["url"] in content.text and body["url"] in content.html
    assert content.to == ["nadia.osei@mail.example"]
    assert "Monday 16 March 2026, 09:00" in content.text
    created = AuditEvent.objects.get(object_type="intake_link", action="create")
    assert created.actor == reception.user


def test_a_client_without_an_email_gets_no_email_but_the_link(api, reception, new_client):
    new_client.email = ""
    new_client.save()
    body = api(reception).post(f"/api/clients/{new_client.pk}/intake-link/").json()
    assert body["emailed"] is False and "no e-mail address" in body["not_emailed_reason"]
    assert "/intake/" in body["url"]
    assert not OutgoingMessage.objects.filter(kind="intake_link").exists()


def test_the_email_is_not_sent_once_the_link_is_used(api, reception, anonymous, new_client):
    url = api(reception).post(f"/api/clients/{new_client.pk}/intake-link/").json()["url"]
    anonymous.post(
        "/api/portal/intake/" + url.rstrip("/").rsplit("/", 1)[-1] + "/",
        {"answers": all_no_answers()},
        format="json",
    )
    message = OutgoingMessage.objects.get(kind="intake_link")
    assert kinds.cancel_reason(message, now=NOW) == "The intake link is already submitted."


@pytest.mark.parametrize("persona", ["reception", "practitioner", "manager"])
def test_every_role_may_send_a_link(api, request, persona, new_client):
    response = api(request.getfixturevalue(persona)).post(
        f"/api/clients/{new_client.pk}/intake-link/"
    )
    assert response.status_code == 200


def test_another_clinics_client_is_not_found(api, other_manager, new_client, anonymous):
    response = api(other_manager).post(f"/api/clients/{new_client.pk}/intake-link/")
    assert response.status_code == 404
    assert anonymous.post(f"/api/clients/{new_client.pk}/intake-link/").status_code == 401
    assert not IntakeLink.objects.exists()


# --- the booking confirmation ---


@pytest.fixture
def resources(practitioner, clinic):
    from tests.factories import DeviceFactory, RoomFactory, practitioner_for

    return {
        "practitioner": practitioner_for(practitioner.membership),
        "room": RoomFactory(clinic=clinic),
        "device": DeviceFactory(clinic=clinic),
    }


def _book(api, reception, resources, client, start: str, kind: str = "consultation"):
    response = api(reception).post(
        "/api/appointments/",
        {
            "client": client.pk,
            "practitioner": resources["practitioner"].pk,
            "room": resources["room"].pk,
            "device": resources["device"].pk,
            "start": start,
            "end": start.replace("10:00", "10:30"),
            "kind": kind,
        },
    )
    assert response.status_code == 201, response.json()
    return OutgoingMessage.objects.get(
        kind="appointment_booked", appointment_id=response.json()["id"]
    )


def test_the_first_booking_confirmation_of_an_unscreened_client_carries_the_link(
    api, reception, resources, new_client, client
):
    message = _book(api, reception, resources, new_client, "2026-03-04T10:00:00Z")
    content = kinds.get("appointment_booked").render(message)
    link = IntakeLink.objects.get(client=new_client)
    url = intake.page_url_for(link)
    assert url in content.text and f'href="{url}"' in content.html
    assert "answer our health questions" in content.text
    assert link.created_by is None and link.expires_at == NOW + timedelta(days=14)
    # Sending again (a retry) carries the same link.
    assert url in kinds.get("appointment_booked").render(message).text
    assert IntakeLink.objects.count() == 1
    assert client.get(page(link)).status_code == 200
    # A second booking is not the first: its confirmation has no link.
    second = _book(api, reception, resources, new_client, "2026-03-05T10:00:00Z")
    assert "/intake/" not in kinds.get("appointment_booked").render(second).text


def test_a_screened_client_gets_no_intake_link(api, reception, resources, new_client):
    screening_for(new_client, actor=reception.user)
    message = _book(api, reception, resources, new_client, "2026-03-04T10:00:00Z")
    assert "/intake/" not in kinds.get("appointment_booked").render(message).text
    assert not IntakeLink.objects.exists()


# --- the page (no JavaScript needed) ---


def test_checking_shows_the_outcome_and_stores_nothing(client, link):
    response = client.post(
        page(link), form_data(all_no_answers(bleeding_disorder=True), action="check")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-outcome="contraindicated"' in html
    assert not Screening.objects.exists()
    evaluation = AuditEvent.objects.get(object_type="screening_evaluation")
    assert evaluation.channel == "link" and evaluation.actor is None


def test_sending_from_the_page_thanks_the_client_and_says_what_happens_next(
    client, link, new_client
):
    response = client.post(
        page(link), form_data(all_no_answers(), action="send", phone="+44 7700 900111")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "What happens next" in html and "confirms them before your treatment" in html
    assert response["Cache-Control"] == "private, no-store"
    screening = Screening.objects.get()
    assert screening.client_submitted and screening.outcome == "clear"
    new_client.refresh_from_db()
    assert new_client.phone == "+44 7700 900111"


def test_a_page_missing_answers_shows_them_at_the_questions(client, link):
    answers = all_no_answers()
    del answers["keloid_tendency"]
    response = client.post(page(link), form_data(answers, action="send"))
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="question-keloid_tendency-error"[^>]*>\s*Answer this question', html)
    assert not Screening.objects.exists()


def test_a_bad_date_of_birth_is_a_form_error(client, link):
    response = client.post(
        page(link), form_data(all_no_answers(), action="send", date_of_birth="1990-02-31")
    )
    assert response.status_code == 400
    assert 'id="id_client-date_of_birth_error"' in response.content.decode()
    assert not Screening.objects.exists()


def test_the_live_outcome_is_the_staff_forms_rendering(client, link):
    response = client.post(
        f"/intake/{intake.token_for(link)}/live/",
        form_data(all_no_answers(anticoagulant_use=True)),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-outcome="caution"' in html and 'id="live-status"' in html
    assert response["Cache-Control"] == "private, no-store"


def test_the_live_outcome_uses_the_date_of_birth_as_entered(client, link):
    response = client.post(
        f"/intake/{intake.token_for(link)}/live/",
        form_data(all_no_answers(), date_of_birth="2012-01-01"),
    )
    assert 'data-outcome="contraindicated"' in response.content.decode()  # a minor


def test_the_live_route_refuses_a_bad_link(client, link):
    assert client.post("/intake/nonsense/live/", form_data({})).status_code == 404
    assert denied().count() == 1


# --- staff pages: the client page and the screening's confirm button ---


def test_the_client_page_sends_shows_and_revokes_the_link(web, reception, new_client, client):
    staff = web(reception)
    html = staff.get(f"/clients/{new_client.pk}/").content.decode()
    assert "Send intake link" in html
    response = staff.post(f"/clients/{new_client.pk}/intake-link/")
    assert response.status_code == 200
    link = IntakeLink.objects.get()
    sent = response.content.decode()
    assert intake.page_url_for(link) in sent
    assert "An e-mail with this link is on its way" in sent
    html = staff.get(f"/clients/{new_client.pk}/").content.decode()
    assert 'data-intake-state="open"' in html and "Revoke the link" in html
    revoke = staff.post(f"/clients/{new_client.pk}/intake-link/{link.pk}/revoke/")
    assert revoke.status_code == 302
    html = staff.get(f"/clients/{new_client.pk}/").content.decode()
    assert 'data-intake-state="revoked"' in html
    staff.logout()
    assert client.get(page(link)).status_code == 404


def test_another_clinic_cannot_send_or_revoke(web, other_manager, link, new_client):
    staff = web(other_manager)
    assert staff.post(f"/clients/{new_client.pk}/intake-link/").status_code == 404
    assert staff.post(f"/clients/{new_client.pk}/intake-link/{link.pk}/revoke/").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None and IntakeLink.objects.count() == 1


@pytest.fixture
def submitted(anonymous, link):
    anonymous.post(portal(link), {"answers": all_no_answers()}, format="json")
    return Screening.objects.get()


def test_a_practitioner_confirms_the_clients_answers_on_the_screening_page(
    web, practitioner, submitted
):
    staff = web(practitioner)
    html = staff.get(f"/screenings/{submitted.pk}/").content.decode()
    assert "Submitted by the client via link" in html
    assert "Confirm these answers" in html
    response = staff.post(f"/screenings/{submitted.pk}/confirm/", {"note": "Called her."})
    assert response.status_code == 302
    confirmation = ScreeningConfirmation.objects.get(screening=submitted)
    assert confirmation.confirmed_by == practitioner.user and confirmation.note == "Called her."
    html = staff.get(f"/screenings/{submitted.pk}/").content.decode()
    assert "Confirm these answers" not in html and "Confirmed" in html
    # A second press (another tab) is refused with the service's reason.
    again = staff.post(f"/screenings/{submitted.pk}/confirm/", {"note": ""})
    assert again.status_code == 409
    assert "already been confirmed" in again.content.decode()


def test_reception_sees_no_confirm_button_and_may_not_confirm(web, reception, submitted):
    staff = web(reception)
    html = staff.get(f"/screenings/{submitted.pk}/").content.decode()
    assert "Submitted by the client via link" in html
    assert "Confirm these answers" not in html
    assert staff.post(f"/screenings/{submitted.pk}/confirm/").status_code == 403
    assert not ScreeningConfirmation.objects.exists()


def test_an_expired_screening_is_refused_with_the_reason(web, practitioner, submitted, clock):
    clock.move_to(NOW + timedelta(days=31))
    response = web(practitioner).post(f"/screenings/{submitted.pk}/confirm/")
    assert response.status_code == 409
    assert "screen the client again" in response.content.decode()


def test_a_staff_screening_has_no_confirm_button(web, practitioner, new_client):
    screening = screening_for(new_client, actor=practitioner.user)
    html = web(practitioner).get(f"/screenings/{screening.pk}/").content.decode()
    assert "Confirm these answers" not in html
    assert web(practitioner).post(f"/screenings/{screening.pk}/confirm/").status_code == 409
