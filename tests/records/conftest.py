"""Shared scenes for the session-record tests: a client with a plan and a treatment
appointment today (``scene``), every start gate passed (``ready``), a started session,
and a signed one. The clock is frozen at ``NOW``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from clinic.booking.models import Practitioner
from tests.factories import (
    DeviceFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    plan_for,
    practitioner_for,
    screening_for,
)
from treatments.plans.models import TreatmentPlan
from treatments.records import services as session_services
from treatments.records import start as session_start

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)  # 10:00 in London, a Friday
#: When a started session is recorded: after its end (NOW + 50 minutes), as in the clinic.
RECORDED = NOW + timedelta(hours=1)


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
        return session_start.session_start_check(
            clinic=self.clinic,
            appointment=appointment or self.appointment,
            screening_reconfirmed=reconfirmed,
        )

    def start(self, *, reconfirmed=False, appointment=None, actor=None):
        return session_start.session_start(
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


def complete(session, **overrides):
    """The fields a record needs before it can be signed (areas come from the start)."""
    return {
        "cartridge": "12-pin nano",
        "cartridge_lot": "LOT-2026-11",
        "needle_count": 12,
        "endpoint_reached": "erythema",
        "pain_score": 3,
        "ended_at": NOW + timedelta(minutes=50),
        **overrides,
    }


@pytest.fixture
def started(ready, clock):
    """A session started at NOW; the clock then stands at RECORDED, after its end."""
    session = ready.start()
    clock.move_to(RECORDED)
    return session


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


@pytest.fixture
def signed(ready, started, aftercare_calls):
    session_services.session_update(session=started, actor=ready.user, data=complete(started))
    return session_services.session_sign(session=started, actor=ready.user)
