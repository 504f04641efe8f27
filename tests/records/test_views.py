"""The staff pages for treatment sessions: start gates, in-treatment form, sign, amend, lot
trace."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.template import Context, Template

from clinic.booking.models import Appointment
from clinic.models import Role
from clinic.roles import ABILITIES, Ability
from common.models import AuditEvent
from tests.factories import (
    PASSWORD,
    ClientFactory,
    DeviceFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    consent_text_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)
from treatments.records.models import SessionAmendment, SessionStatus, TreatmentSession

pytestmark = pytest.mark.django_db

# 10:00 in London (UTC in November) on a Friday.
NOW = "2026-11-20 10:00:00+00:00"


#: When the tests record a session started at 10:00: after its end (10:10), within the
#: idle timeout of the signed-in page.
RECORDED = "2026-11-20 10:12:00+00:00"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Setup:
    clinic: object
    client: object
    performer: object  # Practitioner row
    room: object
    device: object
    plan: object
    appointment: object


def _today_at(clinic, hour: int, minute: int = 0) -> datetime:
    day = clinic.local_today()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=clinic.zone)


def _setup(clinic, client, membership, *, screened=True, consented=True, hour=10, days=0) -> Setup:
    performer = practitioner_for(membership)
    room = RoomFactory(clinic=clinic, name="Room 1")
    device = DeviceFactory(clinic=clinic, name="SkinPen", serial_number="SP-777")
    plan = plan_for(client)
    if screened:
        screening_for(client, actor=membership.user)
    if consented:
        consent_for(client, witnessed_by=membership.user, text=consent_text_for(clinic))
    appointment = appointment_for(
        client,
        practitioner=performer,
        room=room,
        device=device,
        start=_today_at(clinic, hour) + timedelta(days=days),
        treatment_plan=plan,
    )
    return Setup(clinic, client, performer, room, device, plan, appointment)


@pytest.fixture
def ready(clinic, client_record, practitioner) -> Setup:
    return _setup(clinic, client_record, practitioner.membership)


def _start(web, persona, setup: Setup, **extra) -> TreatmentSession:
    response = web(persona).post(f"/appointments/{setup.appointment.pk}/session/", extra)
    assert response.status_code == 302, response.content.decode()[:2000]
    return TreatmentSession.objects.get(appointment=setup.appointment)


def record_data(areas=(), products=(), **fields) -> dict[str, str]:
    """What the browser posts from the record form."""
    data = {
        "areas-TOTAL_FORMS": str(len(areas)),
        "areas-INITIAL_FORMS": "0",
        "areas-MIN_NUM_FORMS": "0",
        "areas-MAX_NUM_FORMS": "30",
        "products-TOTAL_FORMS": str(len(products)),
        "products-INITIAL_FORMS": "0",
        "products-MIN_NUM_FORMS": "0",
        "products-MAX_NUM_FORMS": "30",
        "action": "save",
    }
    for i, row in enumerate(areas):
        for key, value in row.items():
            data[f"areas-{i}-{key}"] = value
    for i, row in enumerate(products):
        for key, value in row.items():
            data[f"products-{i}-{key}"] = value
    data.update(fields)
    return data


def complete_data(setup: Setup, **overrides) -> dict[str, str]:
    fields = {
        "device": str(setup.device.pk),
        "cartridge": "12-pin nano",
        "cartridge_lot": "LOT-77",
        "needle_count": "12",
        "endpoint_reached": "erythema",
        "pain_score": "4",
        "ended_at": "10:10",
        **overrides,
    }
    return record_data(
        areas=[{"area": "cheeks_chin", "skin": "thin", "depth_mm": "1.0", "passes": "3"}],
        **fields,
    )


def text(response) -> str:
    return unescape(response.content.decode())


# --- start ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["reception", "practitioner", "manager"])
def test_start_page_renders_for_each_role(request, web, ready, role):
    persona = request.getfixturevalue(role)
    response = web(persona).get(f"/appointments/{ready.appointment.pk}/session/")
    assert response.status_code == 200
    body = text(response)
    assert "Start the session for Amelia Hughes" in body
    if role == "reception":
        assert "A practitioner or a manager starts the session." in body
        assert 'type="submit"' not in body.split('id="start-title"')[1]
    else:
        assert "Start session</button>" in body


def test_start_blocked_lists_exactly_what_is_missing(web, clinic, client_record, practitioner):
    setup = _setup(clinic, client_record, practitioner.membership, screened=False, consented=False)
    consent_text_for(clinic)  # a published consent text the client has not signed
    page = web(practitioner).get(f"/appointments/{setup.appointment.pk}/session/")
    body = text(page)
    assert page.status_code == 200
    assert 'data-blocker="screening_missing"' in body
    assert 'data-blocker="consent_missing"' in body
    for code in ("plan_missing", "appointment_not_today", "screening_review_missing"):
        assert f'data-blocker="{code}"' not in body
    assert f'href="/clients/{client_record.pk}/screenings/new/"' in body
    assert "disabled" in body.split('id="start-title"')[1]

    response = web(practitioner).post(f"/appointments/{setup.appointment.pk}/session/", {})
    assert response.status_code == 409
    assert 'data-blocker="screening_missing"' in text(response)
    assert not TreatmentSession.objects.exists()


def _gate_state(body: str, code: str) -> str:
    item = body.split(f'data-gate="{code}"', 1)[1].split("</li>", 1)[0]
    return re.search(r'class="gate__state">([^<]*)<', item).group(1)


def test_the_review_gate_is_done_only_after_a_caution_result_was_reviewed(
    web, clinic, client_record, practitioner
):
    from treatments.screening.models import ScreeningReview

    setup = _setup(clinic, client_record, practitioner.membership, screened=False)
    url = f"/appointments/{setup.appointment.pk}/session/"
    assert _gate_state(text(web(practitioner).get(url)), "review") == "After the screening"

    screening_for(client_record, actor=practitioner.user)  # clear
    body = text(web(practitioner).get(url))
    assert _gate_state(body, "review") == "Not needed"
    assert _gate_state(body, "screening") == "Done"

    caution = screening_for(client_record, actor=practitioner.user, anticoagulant_use=True)
    assert _gate_state(text(web(practitioner).get(url)), "review") == "Missing"

    ScreeningReview.objects.create(
        screening=caution, reviewed_by=practitioner.user, note="Stopped aspirin a week ago."
    )
    assert _gate_state(text(web(practitioner).get(url)), "review") == "Done"


def test_undo_check_in_is_not_offered_once_the_session_has_started(web, ready, practitioner):
    from clinic.booking.services import appointment_set_status
    from common.errors import Conflict

    appointment = ready.appointment
    page = f"/appointments/{appointment.pk}/"
    appointment_set_status(appointment=appointment, actor=practitioner.user, status="checked_in")
    assert "Undo check-in" in text(web(practitioner).get(page))

    _start(web, practitioner, ready)

    assert "Undo check-in" not in text(web(practitioner).get(page))
    appointment = Appointment.objects.get(pk=appointment.pk)
    with pytest.raises(Conflict):
        appointment_set_status(appointment=appointment, actor=practitioner.user, status="booked")
    assert Appointment.objects.get(pk=appointment.pk).status == "checked_in"


def test_start_needs_reconfirmation_of_an_earlier_screening(
    web, clinic, client_record, practitioner
):
    with time_machine.travel("2026-11-13 10:00:00+00:00", tick=False):
        screening_for(client_record, actor=practitioner.user)
    setup = _setup(clinic, client_record, practitioner.membership, screened=False)
    url = f"/appointments/{setup.appointment.pk}/session/"
    body = text(web(practitioner).get(url))
    assert 'data-blocker="screening_not_confirmed_today"' in body
    assert "Client confirms the screening answers are unchanged today" in body

    refused = web(practitioner).post(url, {})
    assert refused.status_code == 409
    assert "then tick this box" in text(refused)
    assert not TreatmentSession.objects.exists()

    session = _start(web, practitioner, setup, screening_reconfirmed="on")
    assert session.screening_reconfirmed_at is not None


def test_start_opens_the_record_form_with_the_plans_areas(web, ready, practitioner):
    response = web(practitioner).post(f"/appointments/{ready.appointment.pk}/session/", {})
    session = TreatmentSession.objects.get(appointment=ready.appointment)
    assert response["Location"] == f"/sessions/{session.pk}/record/"
    page = web(practitioner).get(response["Location"])
    body = text(page)
    assert page.status_code == 200
    assert "data-session-form" in body
    assert 'value="forehead" selected' in body
    assert "Limit 0.5 mm" in body  # forehead, thin skin, fine lines: min(1.0, 0.5)
    assert "Previous session" in body and "first session of the plan" in body
    assert "Session 1 of 4" in body
    # Once started, the start page sends people to the session.
    again = web(practitioner).get(f"/appointments/{ready.appointment.pk}/session/")
    assert again["Location"] == f"/sessions/{session.pk}/"


def test_reception_cannot_start_or_record(web, ready, reception, practitioner):
    url = f"/appointments/{ready.appointment.pk}/session/"
    assert web(reception).post(url, {}).status_code == 403
    session = _start(web, practitioner, ready)
    assert web(reception).get(f"/sessions/{session.pk}/record/").status_code == 403
    assert web(reception).get(f"/sessions/{session.pk}/").status_code == 200


def test_the_pages_follow_the_record_ability_of_the_roles_table(
    web, ready, reception, practitioner, monkeypatch
):
    """No role list of their own: give the ability to reception alone and the pages follow."""
    monkeypatch.setitem(ABILITIES, Ability.RECORD, frozenset({Role.RECEPTION}))
    start_page = text(web(practitioner).get(f"/appointments/{ready.appointment.pk}/session/"))
    assert "A practitioner or a manager starts the session." in start_page
    assert (
        web(practitioner).post(f"/appointments/{ready.appointment.pk}/session/").status_code == 403
    )
    session = _start(web, reception, ready)
    assert web(reception).get(f"/sessions/{session.pk}/record/").status_code == 200
    assert "Continue recording" in text(web(reception).get(f"/sessions/{session.pk}/"))
    assert "Continue recording" not in text(web(practitioner).get(f"/sessions/{session.pk}/"))


# --- recording ---------------------------------------------------------------------------


def test_depth_over_limit_without_justification_keeps_what_was_typed(web, ready, practitioner):
    session = _start(web, practitioner, ready)
    before = list(session.areas.values_list("area", "depth_mm"))
    data = record_data(
        areas=[
            {"area": "forehead", "skin": "thin", "depth_mm": "0.75", "passes": "2"},
            {"area": "cheeks_chin", "skin": "thin", "depth_mm": "1.0", "passes": "3"},
        ],
        cartridge_lot="LOT-TYPED-1",
        notes="Client tolerated well",
        pain_score="6",
    )
    response = web(practitioner).post(f"/sessions/{session.pk}/record/", data)
    assert response.status_code == 400
    body = text(response)
    assert "Nothing was saved." in body
    assert "0.75 mm is deeper than the 0.5 mm maximum for forehead" in body
    assert 'value="0.75"' in body and 'value="LOT-TYPED-1"' in body
    assert "Client tolerated well" in body
    assert re.search(r'<input[^>]*value="6"[^>]*checked', body)
    session.refresh_from_db()
    assert session.cartridge_lot == ""
    assert session.notes == ""
    assert list(session.areas.values_list("area", "depth_mm")) == before


def test_depth_over_limit_with_justification_is_saved(web, ready, practitioner):
    session = _start(web, practitioner, ready)
    data = record_data(
        areas=[
            {
                "area": "forehead",
                "skin": "thin",
                "depth_mm": "0.75",
                "passes": "2",
                "justification": "Thick photo-damaged skin, agreed with the client.",
            }
        ]
    )
    response = web(practitioner).post(f"/sessions/{session.pk}/record/", data)
    assert response.status_code == 302
    area = session.areas.get()
    assert (area.area, area.depth_mm, area.limit_mm) == (
        "forehead",
        Decimal("0.75"),
        Decimal("0.5"),
    )


def test_vitamin_c_during_needling_is_a_form_error(web, ready, practitioner):
    session = _start(web, practitioner, ready)
    data = record_data(
        areas=[{"area": "cheeks_chin", "skin": "thin", "depth_mm": "1.0", "passes": "3"}],
        products=[
            {"product": "Hyaluronic serum", "lot": "H1", "timing": "during"},
            {"product": "Brightening serum", "lot": "C9", "timing": "during", "is_vitamin_c": "on"},
        ],
    )
    response = web(practitioner).post(f"/sessions/{session.pk}/record/", data)
    assert response.status_code == 400
    body = text(response)
    assert "never applied to needled skin" in body
    assert 'value="Brightening serum"' in body
    assert 'class="product-row product-row--error"' in body
    assert not session.products.exists()


def test_save_keeps_the_session_in_progress(web, ready, practitioner, frozen_clock):
    session = _start(web, practitioner, ready)
    frozen_clock.move_to(RECORDED)
    data = complete_data(
        ready,
        adverse_events=["redness", "pinpoint_bleeding"],
        anaesthetic_product="EMLA 5%",
        anaesthetic_applied_at="09:20",
        anaesthetic_removed_at="09:50",
    )
    data["products-TOTAL_FORMS"] = "1"
    data.update({"products-0-product": "Hyaluronic serum", "products-0-timing": "during"})
    response = web(practitioner).post(f"/sessions/{session.pk}/record/", data)
    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{session.pk}/record/"
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    assert (session.cartridge_lot, session.needle_count, session.pain_score) == ("LOT-77", 12, 4)
    assert session.device_serial == "SP-777"
    assert session.adverse_events == ["redness", "pinpoint_bleeding"]
    assert session.ended_at == _today_at(ready.clinic, 10, 10)
    assert session.anaesthetic_applied_at == _today_at(ready.clinic, 9, 20)
    assert list(session.areas.values_list("area", flat=True)) == ["cheeks_chin"]
    assert session.products.get().product == "Hyaluronic serum"


def test_bad_end_time_is_a_field_error_not_a_500(web, ready, practitioner):
    session = _start(web, practitioner, ready)
    response = web(practitioner).post(
        f"/sessions/{session.pk}/record/", complete_data(ready, ended_at="09:00")
    )
    assert response.status_code == 400
    assert "The end must be after the start of the session." in text(response)


def test_an_end_time_later_than_now_is_a_form_error_on_the_end(
    web, ready, practitioner, frozen_clock
):
    session = _start(web, practitioner, ready)
    frozen_clock.move_to(RECORDED)  # 10:12
    response = web(practitioner).post(
        f"/sessions/{session.pk}/record/", complete_data(ready, ended_at="10:40")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The end of the session cannot be later than now" in text(response)
    # shown under the end-time field itself
    under_the_field = r'id="id_ended_at".*?<p class="error">The end of the session cannot'
    assert re.search(under_the_field, page, re.S)
    session.refresh_from_db()
    assert session.ended_at is None


def test_the_error_summary_links_each_error_to_its_field(web, ready, practitioner):
    session = _start(web, practitioner, ready)
    data = complete_data(ready, pain_score="11", ended_at="09:00")
    data["areas-0-depth_mm"] = "7"
    response = web(practitioner).post(f"/sessions/{session.pk}/record/", data)
    assert response.status_code == 400
    summary = response.content.decode().split('class="alert alert--error error-summary"')[1]
    summary = summary.split("</div>")[0]
    assert "Nothing was saved." in summary
    assert 'href="#id_areas-0-depth_mm"' in summary
    assert re.search(r'href="#id_pain_score(_0)?">', summary)


def test_signing_a_record_that_ends_in_the_future_shows_the_end_time_error(
    web, ready, practitioner, frozen_clock
):
    session = _start(web, practitioner, ready)
    frozen_clock.move_to(RECORDED)
    web(practitioner).post(f"/sessions/{session.pk}/record/", complete_data(ready))
    TreatmentSession.objects.filter(pk=session.pk).update(ended_at=_today_at(ready.clinic, 11, 30))
    response = web(practitioner).post(f"/sessions/{session.pk}/sign/", {"password": PASSWORD})
    assert response.status_code == 400
    assert "The end of the session cannot be later than now" in text(response)
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS


# --- signing -----------------------------------------------------------------------------


def test_only_the_performing_practitioner_signs(web, ready, practitioner, manager):
    session = _start(web, practitioner, ready)
    web(practitioner).post(f"/sessions/{session.pk}/record/", complete_data(ready))
    assert web(manager).get(f"/sessions/{session.pk}/sign/").status_code == 403
    assert web(manager).post(f"/sessions/{session.pk}/sign/").status_code == 403
    record = web(manager).get(f"/sessions/{session.pk}/record/")
    assert "Save and sign" not in text(record)
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS


def test_sign_confirm_then_read_only_record(web, ready, practitioner, frozen_clock):
    session = _start(web, practitioner, ready)
    frozen_clock.move_to(RECORDED)
    saved = web(practitioner).post(
        f"/sessions/{session.pk}/record/", {**complete_data(ready), "action": "sign"}
    )
    assert saved["Location"] == f"/sessions/{session.pk}/sign/"
    confirm = web(practitioner).get(saved["Location"])
    assert confirm.status_code == 200
    assert "Once signed, the record is read-only." in text(confirm)
    assert 'autocomplete="current-password"' in confirm.content.decode()
    signed = web(practitioner).post(f"/sessions/{session.pk}/sign/", {"password": PASSWORD})
    assert signed["Location"] == f"/sessions/{session.pk}/"
    session.refresh_from_db()
    assert session.status == SessionStatus.SIGNED
    page = text(web(practitioner).get(f"/sessions/{session.pk}/"))
    assert f"Signed by {practitioner.user.full_name} at 10:12" in page
    assert "data-session-form" not in page
    assert f'action="/sessions/{session.pk}/amend/"' in page
    assert 'data-history="signed"' in page
    # The form is closed now.
    again = web(practitioner).get(f"/sessions/{session.pk}/record/")
    assert again["Location"] == f"/sessions/{session.pk}/"
    refused = web(practitioner).post(f"/sessions/{session.pk}/record/", complete_data(ready))
    assert refused.status_code == 302
    assert Appointment.objects.get(pk=ready.appointment.pk).status == "completed"


def test_signing_an_incomplete_record_shows_what_is_missing(web, ready, practitioner):
    session = _start(web, practitioner, ready)
    response = web(practitioner).post(f"/sessions/{session.pk}/sign/", {"password": PASSWORD})
    assert response.status_code == 400
    body = text(response)
    assert "Not signed." in body
    assert "Cartridge lot is required before signing." in body
    assert "End time is required before signing." in body
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS


def _sign_attempts(practitioner) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            actor=practitioner.user,
            outcome=AuditEvent.Outcome.DENIED,
            object_type="treatment_session",
        ).order_by("pk")
    )


def test_signing_needs_the_practitioners_password(web, ready, practitioner, frozen_clock):
    session = _start(web, practitioner, ready)
    frozen_clock.move_to(RECORDED)
    web(practitioner).post(f"/sessions/{session.pk}/record/", complete_data(ready))

    wrong = web(practitioner).post(f"/sessions/{session.pk}/sign/", {"password": "not-it-at-all"})
    assert wrong.status_code == 400
    html = wrong.content.decode()
    assert "That is not your password. Nothing was done." in text(wrong)
    assert 'aria-invalid="true"' in html
    assert "not-it-at-all" not in html
    missing = web(practitioner).post(f"/sessions/{session.pk}/sign/", {})
    assert missing.status_code == 400
    assert "Type your password to confirm." in text(missing)
    nul = web(practitioner).post(f"/sessions/{session.pk}/sign/", {"password": "a\x00b"})
    assert nul.status_code == 400
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    assert session.signed_at is None
    assert Appointment.objects.get(pk=ready.appointment.pk).status != "completed"
    # The wrong password is on the audit trail as a denied attempt (never the password).
    [event] = _sign_attempts(practitioner)
    assert event.object_id == str(session.pk)
    assert event.client_id == ready.client.pk
    assert event.clinic_id == ready.clinic.pk
    assert event.detail == {"reason": "wrong_password", "for": "session_sign"}
    assert "not-it-at-all" not in str(event.detail)

    signed = web(practitioner).post(f"/sessions/{session.pk}/sign/", {"password": PASSWORD})
    assert signed.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.SIGNED


def test_wrong_signing_passwords_lock_the_account_like_sign_in(
    web, ready, practitioner, settings, client, frozen_clock
):
    settings.LOGIN_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT = 3
    session = _start(web, practitioner, ready)
    frozen_clock.move_to(RECORDED)
    web(practitioner).post(f"/sessions/{session.pk}/record/", complete_data(ready))
    url = f"/sessions/{session.pk}/sign/"
    browser = web(practitioner)  # signed in once: a new sign-in would forget the failures
    for _ in range(3):
        browser.post(url, {"password": "guess-guess-guess"})
    locked = browser.post(url, {"password": PASSWORD})
    assert locked.status_code == 429
    assert "Signing in is locked after too many failed attempts" in text(locked)
    session.refresh_from_db()
    assert session.status == SessionStatus.IN_PROGRESS
    reasons = [e.detail["reason"] for e in _sign_attempts(practitioner)]
    assert reasons == ["wrong_password", "wrong_password", "locked_out", "locked_out"]
    # The same lock as the sign-in page's: the account cannot sign in either.
    client.logout()
    login = client.post("/login/", {"username": practitioner.user.email, "password": PASSWORD})
    assert login.status_code != 302


def test_a_right_signing_password_forgets_earlier_wrong_ones(
    web, ready, practitioner, settings, frozen_clock
):
    from axes.models import AccessAttempt

    session = _start(web, practitioner, ready)
    frozen_clock.move_to(RECORDED)
    url = f"/sessions/{session.pk}/sign/"
    browser = web(practitioner)
    browser.post(url, {"password": "guess-guess-guess"})
    assert AccessAttempt.objects.filter(username=practitioner.user.email.lower()).exists()
    browser.post(url, {"password": PASSWORD})  # incomplete record: not signed
    assert not AccessAttempt.objects.filter(username=practitioner.user.email.lower()).exists()


def test_amendment_changes_the_lot_and_keeps_the_history(web, ready, practitioner, manager):
    session = treatment_session_for(
        ready.appointment,
        plan=ready.plan,
        screening=screening_for(ready.client, actor=practitioner.user),
        consent=consent_for(ready.client, witnessed_by=practitioner.user),
        signed=True,
    )
    url = f"/sessions/{session.pk}/amend/"
    missing_reason = web(manager).post(url, {"field": "cartridge_lot", "value": "LOT-B2"})
    assert missing_reason.status_code == 400
    assert "This field is required." in text(missing_reason)
    response = web(manager).post(
        url, {"reason": "Lot misread from the pouch", "field": "cartridge_lot", "value": "LOT-B2"}
    )
    assert response.status_code == 302
    amendment = SessionAmendment.objects.get(session=session)
    assert amendment.changes == {"cartridge_lot": {"from": "LOT-A1", "to": "LOT-B2"}}
    body = text(web(manager).get(f"/sessions/{session.pk}/"))
    assert "Reason: Lot misread from the pouch" in body
    assert "<del>LOT-A1</del> → <ins>LOT-B2</ins>" in body
    assert "Amended</span>" in body


def test_reception_sees_the_signed_record_without_amendment_form(
    web, ready, practitioner, reception
):
    session = treatment_session_for(
        ready.appointment,
        plan=ready.plan,
        screening=screening_for(ready.client, actor=practitioner.user),
        consent=consent_for(ready.client, witnessed_by=practitioner.user),
        signed=True,
    )
    body = text(web(reception).get(f"/sessions/{session.pk}/"))
    assert "Signed by" in body
    assert "Add an amendment" not in body
    assert web(reception).post(f"/sessions/{session.pk}/amend/", {"reason": "x"}).status_code == 403


# --- lists on other pages ---------------------------------------------------------------


def test_client_page_and_plan_partial_list_the_sessions(web, ready, practitioner):
    session = _start(web, practitioner, ready)
    body = text(web(practitioner).get(f"/clients/{ready.client.pk}/"))
    assert "Treatment sessions" in body
    assert f'href="/sessions/{session.pk}/"' in body
    html = Template('{% include "plans/_plan_sessions.html" %}').render(
        Context({"plan": ready.plan})
    )
    assert "1 of 4" in html and "Forehead 0.5" in html


# --- lot trace --------------------------------------------------------------------------


def _other_clinic_session(other_clinic, other_manager, lot: str) -> TreatmentSession:
    client = ClientFactory(clinic=other_clinic)
    setup = _setup(other_clinic, client, other_manager.membership, hour=9)
    return treatment_session_for(
        setup.appointment,
        plan=setup.plan,
        screening=client.screenings.first(),
        consent=client.consents.first(),
        cartridge_lot=lot,
        signed=True,
    )


def test_lot_trace_lists_only_own_clinic_and_downloads_csv(
    web, ready, practitioner, reception, other_clinic, other_manager
):
    ours = treatment_session_for(
        ready.appointment,
        plan=ready.plan,
        screening=screening_for(ready.client, actor=practitioner.user),
        consent=consent_for(ready.client, witnessed_by=practitioner.user),
        cartridge_lot="LOT-RECALL",
        signed=True,
    )
    theirs = _other_clinic_session(other_clinic, other_manager, "LOT-RECALL")
    page = web(reception).get("/lot-trace/?lot=LOT-RECALL")
    body = text(page)
    assert page.status_code == 200
    assert "1 session found" in body
    assert f'data-session="{ours.pk}"' in body and f'data-session="{theirs.pk}"' not in body
    assert "Download CSV" in body

    export = web(reception).get("/lot-trace/export.csv?lot=LOT-RECALL")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("text/csv")
    assert export["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][0] == "session"
    assert [r[0] for r in rows[1:]] == [str(ours.pk)]

    by_serial = text(web(reception).get("/lot-trace/?serial=SP-777"))
    assert f'data-session="{ours.pk}"' in by_serial
    nothing = text(web(reception).get("/lot-trace/?lot=NOPE"))
    assert "No session of this clinic used that lot or device." in nothing
    both = text(web(reception).get("/lot-trace/?lot=A&serial=B"))
    assert "not both" in both
    assert web(reception).get("/lot-trace/").status_code == 200
    assert "Lot trace" in text(web(reception).get("/lot-trace/"))


def test_the_former_recall_address_moves_permanently_to_lot_trace(web, reception):
    moved = web(reception).get("/recalls/?lot=LOT-1&serial=")
    assert moved.status_code == 301
    assert moved["Location"] == "/lot-trace/?lot=LOT-1&serial="
    export = web(reception).get("/recalls/export.csv?lot=LOT-1")
    assert export.status_code == 301
    assert export["Location"] == "/lot-trace/export.csv?lot=LOT-1"


def test_the_lot_trace_page_shows_what_used_the_lot(web, ready, practitioner, reception):
    from treatments.records.models import SessionProduct

    session = treatment_session_for(
        ready.appointment,
        plan=ready.plan,
        screening=screening_for(ready.client, actor=practitioner.user),
        consent=consent_for(ready.client, witnessed_by=practitioner.user),
        cartridge_lot="LOT-C1",
        signed=True,
    )
    SessionProduct.objects.create(
        session=session, product="Hyaluronic serum", lot="HA-77", timing="during", position=0
    )
    body = text(web(reception).get("/lot-trace/?lot=ha-77"))
    assert f'data-session="{session.pk}"' in body
    assert 'data-use="product"' in body and "Serum or product: Hyaluronic serum" in body


def test_other_clinic_gets_404(web, ready, practitioner, other_manager):
    session = _start(web, practitioner, ready)
    other = web(other_manager)
    assert other.get(f"/appointments/{ready.appointment.pk}/session/").status_code == 404
    assert other.post(f"/appointments/{ready.appointment.pk}/session/", {}).status_code == 404
    for suffix in ("", "record/", "sign/"):
        assert other.get(f"/sessions/{session.pk}/{suffix}").status_code == 404
    assert other.post(f"/sessions/{session.pk}/record/", complete_data(ready)).status_code == 404
    assert other.post(f"/sessions/{session.pk}/amend/", {"reason": "x"}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, ready):
    assert client.get("/lot-trace/").status_code == 302
    assert client.get(f"/appointments/{ready.appointment.pk}/session/").status_code == 302


def test_start_for_tomorrow_is_blocked(web, clinic, client_record, practitioner):
    setup = _setup(clinic, client_record, practitioner.membership, days=1)
    body = text(web(practitioner).get(f"/appointments/{setup.appointment.pk}/session/"))
    assert 'data-blocker="appointment_not_today"' in body


def test_photo_upload_with_the_record(web, ready, practitioner, settings, tmp_path, frozen_clock):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import tiny_png

    settings.MEDIA_ROOT = str(tmp_path)
    session = _start(web, practitioner, ready)
    frozen_clock.move_to(RECORDED)
    data = complete_data(ready)
    data["photo_before"] = SimpleUploadedFile("before.png", tiny_png(), content_type="image/png")
    response = web(practitioner).post(f"/sessions/{session.pk}/record/", data)
    assert response.status_code == 302
    photo = session.photos.get()
    assert photo.kind == "before"
    body = text(web(practitioner).get(f"/sessions/{session.pk}/"))
    assert f'src="/api/sessions/{session.pk}/photos/{photo.pk}/"' in body

    data = complete_data(ready)
    data["photo_after"] = SimpleUploadedFile("after.png", b"not an image", content_type="image/png")
    refused = web(practitioner).post(f"/sessions/{session.pk}/record/", data)
    assert refused.status_code == 400
    assert "The file is not a photo." in text(refused)
    assert session.photos.count() == 1
