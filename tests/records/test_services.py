"""Treatment session records: start gates, defaults, editing rules, signing, amendments.

DOMAIN.md §1 (validity), §2 (what a record holds, depth limits, vitamin C), §4, §5;
decision 0005.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from clinic.booking.models import AppointmentStatus, Practitioner
from common.errors import ApplicationError, Conflict, PermissionDenied
from common.models import AuditEvent
from tests.factories import (
    DeviceFactory,
    MembershipFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    consent_text_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)
from treatments.consent.models import ConsentText
from treatments.plans.models import TreatmentPlan
from treatments.records import selectors as session_selectors
from treatments.records import services as session_services
from treatments.records.models import (
    SessionAmendment,
    SessionArea,
    SessionStatus,
    TreatmentSession,
)
from treatments.screening.models import ScreeningReview

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 10:00 in London, a Friday


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Scene:
    clinic: object
    client: object
    persona: object  # the practitioner persona (user, membership)
    performer: Practitioner
    room: object
    device: object
    plan: TreatmentPlan
    appointment: object

    @property
    def user(self):
        return self.persona.user

    def screen(self, **answers):
        return screening_for(self.client, actor=self.user, **answers)

    def consent(self, **kwargs):
        return consent_for(self.client, witnessed_by=self.user, **kwargs)

    def check(self, *, reconfirmed=False, appointment=None):
        return session_services.session_start_check(
            clinic=self.clinic,
            appointment=appointment or self.appointment,
            screening_reconfirmed=reconfirmed,
        )

    def start(self, *, reconfirmed=False, appointment=None, actor=None):
        return session_services.session_start(
            clinic=self.clinic,
            actor=actor or self.user,
            appointment=appointment or self.appointment,
            screening_reconfirmed=reconfirmed,
        )

    def book(self, start, **fields):
        fields.setdefault("treatment_plan", self.plan)
        return appointment_for(
            self.client,
            practitioner=self.performer,
            room=self.room,
            device=self.device,
            start=start,
            **fields,
        )


@pytest.fixture
def scene(clock, clinic, client_record, practitioner) -> Scene:
    """A client with a plan and a treatment appointment today; no screening, no consent."""
    performer = practitioner_for(practitioner.membership)
    room = RoomFactory(clinic=clinic)
    device = DeviceFactory(clinic=clinic, serial_number="SP-00777")
    plan = plan_for(client_record)
    appointment = appointment_for(
        client_record,
        practitioner=performer,
        room=room,
        device=device,
        start=NOW,
        treatment_plan=plan,
    )
    return Scene(clinic, client_record, practitioner, performer, room, device, plan, appointment)


@pytest.fixture
def ready(scene) -> Scene:
    """Every gate passes: screened today, consent signed to the current text."""
    scene.screen()
    scene.consent()
    return scene


def codes(blockers):
    return [b.code for b in blockers]


def complete(session, **overrides):
    data = {
        "cartridge": "12-pin nano",
        "cartridge_lot": "LOT-2026-11",
        "needle_count": 12,
        "endpoint_reached": "erythema",
        "pain_score": 3,
        "ended_at": NOW + timedelta(minutes=50),
        **overrides,
    }
    return data


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


# --- editing ------------------------------------------------------------------------


@pytest.fixture
def started(ready):
    return ready.start()


def test_update_sets_the_record_and_snapshots_the_device_serial(ready, started):
    other = DeviceFactory(clinic=ready.clinic, serial_number="DP-42")
    session = session_services.session_update(
        session=started,
        actor=ready.user,
        data={
            **complete(started),
            "device": other.pk,
            "adverse_events": ["redness", "pinpoint_bleeding"],
            "glogau": 2,
            "gais": 3,
        },
    )
    session.refresh_from_db()
    assert session.device == other and session.device_serial == "DP-42"
    assert session.cartridge_lot == "LOT-2026-11"
    assert session.adverse_events == ["redness", "pinpoint_bleeding"]
    assert (session.glogau, session.gais, session.pain_score) == (2, 3, 3)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain_score", 11),
        ("needle_count", 0),
        ("glogau", 5),
        ("goodman_baron", 0),
        ("gais", 6),
        ("adverse_events", ["redness", "sparkles"]),
        ("endpoint_reached", "glowing"),
        ("ended_at", NOW - timedelta(minutes=1)),
    ],
)
def test_update_refuses_out_of_range_values(ready, started, field, value):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started, actor=ready.user, data={field: value, "cartridge_lot": "NEW"}
        )
    assert refused.value.status_code == 400
    assert field in refused.value.fields
    started.refresh_from_db()
    assert started.cartridge_lot == ""  # nothing of the request was saved


def test_a_device_of_another_clinic_is_refused(ready, started, other_clinic):
    theirs = DeviceFactory(clinic=other_clinic)
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started, actor=ready.user, data={"device": theirs.pk}
        )
    assert "device" in refused.value.fields


def test_depth_above_the_limit_without_justification_is_refused_and_nothing_saved(ready, started):
    before = list(started.areas.values_list("area", "depth_mm"))
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={
                "cartridge_lot": "LOT-X",
                "areas": [
                    {"area": "cheeks_chin", "skin": "thin", "depth_mm": "0.75", "passes": 3},
                    {"area": "forehead", "skin": "thin", "depth_mm": "0.75", "passes": 3},
                ],
            },
        )
    assert refused.value.status_code == 400
    assert list(refused.value.fields) == ["areas.1.justification"]
    message = refused.value.fields["areas.1.justification"][0]
    assert "0.5 mm maximum for forehead" in message
    started.refresh_from_db()
    assert started.cartridge_lot == ""
    assert list(started.areas.values_list("area", "depth_mm")) == before


def test_depth_above_the_limit_with_justification_is_saved(ready, started):
    session_services.session_update(
        session=started,
        actor=ready.user,
        data={
            "areas": [
                {
                    "area": "forehead",
                    "skin": "thin",
                    "depth_mm": "0.75",
                    "passes": 2,
                    "justification": "Deep static lines; tolerated 0.75 mm last course.",
                }
            ]
        },
    )
    (area,) = started.areas.all()
    assert (area.area, area.depth_mm, area.limit_mm) == (
        "forehead",
        Decimal("0.75"),
        Decimal("0.5"),
    )
    assert area.justification.startswith("Deep static lines")


def test_areas_outside_the_protocol_or_twice_are_refused(ready, started):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={
                "areas": [
                    {"area": "elbow", "depth_mm": "0.5", "passes": 3},
                    {"area": "nose", "depth_mm": "0.25", "passes": 3},
                    {"area": "nose", "depth_mm": "0.25", "passes": 3},
                ]
            },
        )
    assert set(refused.value.fields) == {"areas.0.area", "areas.2.area"}


def test_vitamin_c_during_needling_is_refused(ready, started):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={
                "products": [
                    {"product": "Hyaluronic serum", "lot": "H1", "timing": "during"},
                    {"product": "Vitamin C serum 15%", "lot": "C7", "timing": "during"},
                ]
            },
        )
    assert refused.value.status_code == 400
    assert refused.value.code == "vitamin_c_during_needling"
    assert "never applied to needled skin" in refused.value.detail
    assert "products.1.timing" in refused.value.fields
    assert not started.products.exists()


def test_declared_vitamin_c_during_needling_is_refused(ready, started):
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={
                "products": [
                    {"product": "Brightening drops", "timing": "during", "is_vitamin_c": True}
                ]
            },
        )
    assert refused.value.code == "vitamin_c_during_needling"


def test_vitamin_c_after_needling_is_recorded(ready, started):
    session_services.session_update(
        session=started,
        actor=ready.user,
        data={
            "products": [
                {"product": "Hyaluronic serum", "lot": "H1", "timing": "during"},
                {"product": "L-ascorbic acid serum", "lot": "C7", "timing": "after"},
            ]
        },
    )
    rows = list(started.products.values_list("product", "timing", "is_vitamin_c"))
    assert rows == [
        ("Hyaluronic serum", "during", False),
        ("L-ascorbic acid serum", "after", True),
    ]


# --- signing --------------------------------------------------------------------------


@pytest.fixture
def aftercare_calls(monkeypatch):
    """Records what signing hands to aftercare (the aftercare module is another feature)."""
    import aftercare.schedules

    calls = []
    monkeypatch.setattr(
        aftercare.schedules,
        "aftercare_schedule_session",
        lambda *, session: calls.append((session.pk, session.status)),
    )
    return calls


def test_the_performing_practitioner_signs(ready, started, aftercare_calls, clock):
    session_services.session_update(session=started, actor=ready.user, data=complete(started))
    clock.move_to(NOW + timedelta(hours=1))
    session = session_services.session_sign(session=started, actor=ready.user)
    session.refresh_from_db()
    assert session.status == SessionStatus.SIGNED
    assert session.signed_by == ready.user
    assert session.signed_at == NOW + timedelta(hours=1)
    ready.appointment.refresh_from_db()
    assert ready.appointment.status == AppointmentStatus.COMPLETED
    assert aftercare_calls == [(session.pk, SessionStatus.SIGNED)]
    assert AuditEvent.objects.filter(
        object_type="treatment_session", object_id=str(session.pk), detail__event="sign"
    ).exists()


def test_another_practitioner_cannot_sign(ready, started, aftercare_calls, manager):
    session_services.session_update(session=started, actor=ready.user, data=complete(started))
    colleague = MembershipFactory(clinic=ready.clinic, role="practitioner")
    for actor in (colleague.user, manager.user):
        with pytest.raises(PermissionDenied):
            session_services.session_sign(session=started, actor=actor)
    started.refresh_from_db()
    assert started.status == SessionStatus.IN_PROGRESS
    assert aftercare_calls == []


def test_an_incomplete_record_cannot_be_signed(ready, started, aftercare_calls):
    session_services.session_update(
        session=started, actor=ready.user, data={"cartridge_lot": "LOT-1", "areas": []}
    )
    with pytest.raises(ApplicationError) as refused:
        session_services.session_sign(session=started, actor=ready.user)
    assert refused.value.status_code == 400
    assert refused.value.code == "session_incomplete"
    assert set(refused.value.fields) == {
        "needle_count",
        "areas",
        "endpoint_reached",
        "pain_score",
        "ended_at",
    }
    started.refresh_from_db()
    assert started.status == SessionStatus.IN_PROGRESS


@pytest.fixture
def signed(ready, started, aftercare_calls):
    session_services.session_update(session=started, actor=ready.user, data=complete(started))
    return session_services.session_sign(session=started, actor=ready.user)


def test_a_signed_record_is_read_only(ready, signed, aftercare_calls):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import tiny_png

    with pytest.raises(Conflict) as refused:
        session_services.session_update(session=signed, actor=ready.user, data={"notes": "x"})
    assert refused.value.code == "session_signed"
    with pytest.raises(Conflict) as again:
        session_services.session_sign(session=signed, actor=ready.user)
    assert again.value.code == "session_signed"
    with pytest.raises(Conflict):
        session_services.session_photo_add(
            session=signed,
            actor=ready.user,
            kind="after",
            upload=SimpleUploadedFile("a.png", tiny_png(), content_type="image/png"),
        )
    assert len(aftercare_calls) == 1


# --- amendments -----------------------------------------------------------------------


def test_an_in_progress_session_is_not_amended(ready, started):
    with pytest.raises(Conflict) as refused:
        session_services.session_amend(
            session=started, actor=ready.user, reason="typo", changes={"cartridge_lot": "B"}
        )
    assert refused.value.code == "session_not_signed"


def test_amendments_append_with_author_reason_and_changes(ready, signed, manager, clock):
    clock.move_to(NOW + timedelta(days=1))
    first = session_services.session_amend(
        session=signed,
        actor=ready.user,
        reason="Lot number misread from the box.",
        changes={"cartridge_lot": "LOT-2026-12", "pain_score": 4},
    )
    clock.move_to(NOW + timedelta(days=2))
    second = session_services.session_amend(
        session=signed,
        actor=manager.user,
        reason="Client reported mild itching on day 2.",
        note="Itching on day 2, resolved with emollient.",
        changes={"adverse_events": ["itching"]},
    )
    assert first.author == ready.user
    assert first.changes == {
        "cartridge_lot": {"from": "LOT-2026-11", "to": "LOT-2026-12"},
        "pain_score": {"from": 3, "to": 4},
    }
    assert second.changes == {"adverse_events": {"from": [], "to": ["itching"]}}
    signed.refresh_from_db()
    assert signed.cartridge_lot == "LOT-2026-12" and signed.pain_score == 4
    assert signed.status == SessionStatus.SIGNED
    session = session_selectors.session_get(clinic=ready.clinic, pk=signed.pk)
    history = session_selectors.session_history(session=session)
    assert [(e.kind, e.by) for e in history] == [
        ("started", ready.user.full_name),
        ("signed", ready.user.full_name),
        ("amended", ready.user.full_name),
        ("amended", manager.user.full_name),
    ]
    assert history[2].reason == "Lot number misread from the box."
    assert history[3].note.startswith("Itching")


def test_an_amendment_needs_a_reason_and_something_to_change(ready, signed):
    with pytest.raises(ApplicationError) as no_reason:
        session_services.session_amend(
            session=signed, actor=ready.user, reason=" ", changes={"cartridge_lot": "B"}
        )
    assert "reason" in no_reason.value.fields
    with pytest.raises(ApplicationError) as nothing:
        session_services.session_amend(session=signed, actor=ready.user, reason="Because")
    assert "note" in nothing.value.fields
    with pytest.raises(ApplicationError) as blanked:
        session_services.session_amend(
            session=signed, actor=ready.user, reason="Because", changes={"cartridge_lot": ""}
        )
    assert "changes.cartridge_lot" in blanked.value.fields
    with pytest.raises(ApplicationError) as rows:
        session_services.session_amend(
            session=signed, actor=ready.user, reason="Because", changes={"areas": []}
        )
    assert "changes.areas" in rows.value.fields
    assert not SessionAmendment.objects.exists()


def test_reception_cannot_amend(ready, signed, reception):
    with pytest.raises(PermissionDenied):
        session_services.session_amend(session=signed, actor=reception.user, reason="x", note="y")


def test_recall_finds_the_corrected_lot_and_flags_the_original(ready, signed):
    session_services.session_amend(
        session=signed,
        actor=ready.user,
        reason="Wrong lot recorded.",
        changes={"cartridge_lot": "LOT-FIXED"},
    )
    (by_new,) = session_selectors.recall_sessions(clinic=ready.clinic, lot="lot-fixed")
    assert by_new.pk == signed.pk and by_new.recall_amended is False
    (by_old,) = session_selectors.recall_sessions(clinic=ready.clinic, lot="LOT-2026-11")
    assert by_old.pk == signed.pk and by_old.recall_amended is True


def test_amending_the_device_records_the_serial_change(ready, signed):
    spare = DeviceFactory(clinic=ready.clinic, serial_number="SP-SPARE")
    amendment = session_services.session_amend(
        session=signed, actor=ready.user, reason="Used the spare pen.", changes={"device": spare.pk}
    )
    assert amendment.changes["device"] == {"from": ready.device.pk, "to": spare.pk}
    assert amendment.changes["device_serial"] == {"from": "SP-00777", "to": "SP-SPARE"}
    (row,) = session_selectors.recall_sessions(clinic=ready.clinic, device_serial="sp-00777")
    assert row.pk == signed.pk and row.recall_amended is True


# --- selectors ------------------------------------------------------------------------


def test_session_list_does_not_query_per_session(ready, django_assert_max_num_queries):
    for hours in (2, 4, 6):
        appointment = ready.book(NOW + timedelta(hours=hours))
        ready.start(appointment=appointment)
    with django_assert_max_num_queries(6):
        sessions = list(session_selectors.session_list(clinic=ready.clinic))
        for s in sessions:
            assert s.client.full_name and s.practitioner.display_name
            assert s.plan.planned_sessions and s.plan_position
            assert s.previous_id is None
            assert len(s.areas.all()) == 3
            assert [*s.products.all(), *s.photos.all(), *s.amendments.all()] == []
    assert len(sessions) == 3
    assert [s.plan_position for s in sessions] == [3, 2, 1]


def test_session_get_of_another_clinic_is_not_found(ready, started, other_clinic):
    from common.errors import NotFound

    with pytest.raises(NotFound):
        session_selectors.session_get(clinic=other_clinic, pk=started.pk)
