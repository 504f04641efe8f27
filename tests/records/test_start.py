"""Starting a session: the start gates and the defaults a new record starts from.

DOMAIN.md §1 (validity), §2; decision 0005.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from clinic.booking.models import AppointmentStatus
from common.errors import Conflict, PermissionDenied
from common.models import AuditEvent
from tests.factories import consent_text_for, treatment_session_for
from tests.records.conftest import NOW
from treatments.consent.models import ConsentText
from treatments.records import selectors as session_selectors
from treatments.records.models import SessionArea, SessionStatus, TreatmentSession
from treatments.screening.models import ScreeningReview

pytestmark = pytest.mark.django_db


def codes(blockers):
    return [b.code for b in blockers]


# --- start gates ------------------------------------------------------------------


def test_every_gate_passes_and_the_session_starts(ready):
    assert ready.check() == []
    session = ready.start()
    assert session.status == SessionStatus.IN_PROGRESS
    assert session.started_at == NOW
    assert session.practitioner == ready.performer
    assert session.plan == ready.plan
    assert session.device == ready.device
    assert session.device_serial == "SP-00777"
    assert session.screening.client == ready.client
    assert session.consent.client == ready.client
    assert session.screening_reconfirmed_at is None
    ready.appointment.refresh_from_db()
    assert ready.appointment.status == AppointmentStatus.CHECKED_IN
    assert AuditEvent.objects.filter(
        object_type="treatment_session", object_id=str(session.pk), action="create"
    ).exists()


def test_no_screening_blocks_with_screening_missing(scene):
    scene.consent()
    blockers = scene.check()
    assert codes(blockers) == ["screening_missing"]
    assert "no screening" in blockers[0].detail
    assert blockers[0].action == "screen_client"


def test_screening_from_five_days_ago_not_reconfirmed_blocks(scene, clock):
    clock.move_to(NOW - timedelta(days=5))
    scene.screen()
    clock.move_to(NOW)
    scene.consent()
    blockers = scene.check(reconfirmed=False)
    assert codes(blockers) == ["screening_not_confirmed_today"]
    assert "15 November 2026" in blockers[0].detail
    with pytest.raises(Conflict) as refused:
        scene.start(reconfirmed=False)
    assert refused.value.code == "session_start_blocked"
    assert [m["code"] for m in refused.value.extra["missing"]] == ["screening_not_confirmed_today"]
    assert not TreatmentSession.objects.exists()


def test_screening_from_five_days_ago_reconfirmed_today_allows(scene, clock):
    clock.move_to(NOW - timedelta(days=5))
    scene.screen()
    clock.move_to(NOW)
    scene.consent()
    assert scene.check(reconfirmed=True) == []
    session = scene.start(reconfirmed=True)
    assert session.screening_reconfirmed_at == NOW


def test_screening_taken_today_needs_no_reconfirmation(ready):
    assert ready.check(reconfirmed=False) == []
    assert ready.start(reconfirmed=False).screening_reconfirmed_at is None


def test_screening_older_than_thirty_days_is_missing(scene, clock):
    clock.move_to(NOW - timedelta(days=30))
    scene.screen()
    clock.move_to(NOW)
    scene.consent()
    assert codes(scene.check(reconfirmed=True)) == ["screening_missing"]


def test_caution_without_review_blocks(scene):
    scene.screen(anticoagulant_use=True)
    scene.consent()
    blockers = scene.check()
    assert codes(blockers) == ["screening_review_missing"]
    assert blockers[0].findings[0]["rule"] == "ANTICOAGULANT"


def test_caution_reviewed_by_a_practitioner_allows(scene):
    screening = scene.screen(anticoagulant_use=True)
    ScreeningReview.objects.create(
        screening=screening, reviewed_by=scene.user, note="Stopped aspirin a week ago."
    )
    scene.consent()
    assert scene.check() == []
    assert scene.start().screening == screening


def test_deferral_blocks_with_the_findings(scene):
    scene.screen(pregnant_or_breastfeeding=True)
    scene.consent()
    blockers = scene.check(reconfirmed=True)
    assert codes(blockers) == ["screening_blocks_treatment"]
    assert [f["rule"] for f in blockers[0].findings] == ["PREGNANCY"]


def test_no_consent_blocks_with_consent_missing(scene):
    scene.screen()
    blockers = scene.check()
    assert codes(blockers) == ["consent_missing"]
    assert "sign consent version 1" in blockers[0].detail


def test_consent_to_v1_when_v2_is_current_is_outdated(scene):
    scene.screen()
    v1 = consent_text_for(scene.clinic)
    scene.consent(text=v1)
    ConsentText.objects.create(
        clinic=scene.clinic, version=2, title=v1.title, body=v1.body + " More.", risks=v1.risks
    )
    blockers = scene.check()
    assert codes(blockers) == ["consent_outdated"]
    assert "version 1" in blockers[0].detail and "version 2" in blockers[0].detail


def test_consent_to_the_current_text_passes_after_an_older_one(scene):
    scene.screen()
    v1 = consent_text_for(scene.clinic)
    scene.consent(text=v1)
    v2 = ConsentText.objects.create(
        clinic=scene.clinic, version=2, title=v1.title, body=v1.body, risks=v1.risks
    )
    current = scene.consent(text=v2)
    assert scene.check() == []
    assert scene.start().consent == current


def test_no_plan_blocks_with_plan_missing(ready):
    appointment = ready.book(NOW + timedelta(hours=2), treatment_plan=None)
    ready.plan.status = "stopped"
    ready.plan.save()
    assert codes(ready.check(appointment=appointment)) == ["plan_missing"]


def test_the_clients_active_plan_is_used_when_the_appointment_names_none(ready):
    appointment = ready.book(NOW + timedelta(hours=2), treatment_plan=None)
    assert ready.start(appointment=appointment).plan == ready.plan


def test_appointment_gates(ready):
    tomorrow = ready.book(NOW + timedelta(days=1))
    assert codes(ready.check(appointment=tomorrow)) == ["appointment_not_today"]
    cancelled = ready.book(NOW + timedelta(hours=2), status=AppointmentStatus.CANCELLED)
    assert codes(ready.check(appointment=cancelled)) == ["appointment_not_active"]
    no_show = ready.book(NOW + timedelta(hours=3), status=AppointmentStatus.NO_SHOW)
    assert codes(ready.check(appointment=no_show)) == ["appointment_not_active"]
    consultation = ready.book(NOW + timedelta(hours=4), kind="consultation")
    assert codes(ready.check(appointment=consultation)) == ["appointment_not_treatment"]


def test_a_started_appointment_cannot_start_again(ready):
    ready.start()
    assert codes(ready.check()) == ["already_started"]
    with pytest.raises(Conflict):
        ready.start()
    assert TreatmentSession.objects.count() == 1


def test_reception_cannot_start_a_session(ready, reception):
    with pytest.raises(PermissionDenied):
        ready.start(actor=reception.user)
    assert not TreatmentSession.objects.exists()


def test_a_manager_can_start_a_session(ready, manager):
    assert ready.start(actor=manager.user).created_by == manager.user


def test_all_blockers_are_listed_together(scene):
    appointment = scene.book(NOW + timedelta(days=2))
    with pytest.raises(Conflict) as refused:
        scene.start(appointment=appointment)
    assert refused.value.status_code == 409
    assert [m["code"] for m in refused.value.extra["missing"]] == [
        "appointment_not_today",
        "screening_missing",
        "consent_missing",
    ]
    assert all(m["detail"] for m in refused.value.extra["missing"])


# --- defaults -------------------------------------------------------------------------


def test_first_session_takes_areas_and_depths_from_the_plan(ready):
    session = ready.start()
    rows = [(a.area, a.skin, a.depth_mm, a.passes, a.limit_mm) for a in session.areas.all()]
    # Fine lines: indication max 1.0 mm; thin-skin maxima: forehead 0.5, periorbital 0.25,
    # cheeks and chin 1.0.
    assert rows == [
        ("forehead", "thin", Decimal("0.5"), 3, Decimal("0.5")),
        ("periorbital", "thin", Decimal("0.25"), 3, Decimal("0.25")),
        ("cheeks_chin", "thin", Decimal("1.0"), 3, Decimal("1.0")),
    ]
    assert session.cartridge == "" and session.needle_count is None


def test_next_session_copies_the_last_signed_session_of_the_plan(ready):
    earlier = ready.book(NOW - timedelta(days=28), status=AppointmentStatus.COMPLETED)
    previous = treatment_session_for(
        earlier,
        plan=ready.plan,
        screening=ready.client.screenings.first(),
        consent=ready.client.consents.first(),
        signed=True,
        cartridge="36-pin nano",
        needle_count=36,
    )
    previous.areas.all().delete()
    SessionArea.objects.create(
        session=previous,
        area="cheeks_chin",
        skin="thick",
        depth_mm=Decimal("0.75"),
        passes=4,
        limit_mm=Decimal("1.0"),
    )
    session = ready.start()
    assert session.cartridge == "36-pin nano"
    assert session.needle_count == 36
    assert [(a.area, a.skin, a.depth_mm, a.passes) for a in session.areas.all()] == [
        ("cheeks_chin", "thick", Decimal("0.75"), 4)
    ]
    assert session_selectors.session_previous(session=session) == previous


# --- client-submitted answers (DOMAIN.md §6) ------------------------------------------


def _client_submits(scene, **answers):
    from tests.screening.answers import all_no_answers
    from treatments.screening.models import ScreeningSource
    from treatments.screening.services import screening_take

    return screening_take(
        client=scene.client,
        actor=None,
        planned_date=scene.appointment.start.date(),
        raw_answers=all_no_answers(**answers),
        source=ScreeningSource.CLIENT,
    )


def test_a_blocking_client_answer_refuses_the_start(ready):
    _client_submits(ready, pregnant_or_breastfeeding=True)
    blockers = ready.check()
    assert codes(blockers) == ["screening_blocks_treatment"]
    assert [f["rule"] for f in blockers[0].findings] == ["PREGNANCY"]


def test_unconfirmed_client_answers_alone_do_not_let_a_session_start(scene):
    _client_submits(scene)
    scene.consent()
    blockers = scene.check()
    assert codes(blockers) == ["screening_unconfirmed"]
    assert "not confirmed" in blockers[0].detail


def test_a_new_staff_screening_after_the_client_answer_lets_it_start(ready, clock):
    _client_submits(ready, pregnant_or_breastfeeding=True)
    clock.shift(timedelta(minutes=5))
    ready.screen()
    assert ready.check() == []
