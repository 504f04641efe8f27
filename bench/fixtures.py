"""Data the sweep and PDF benchmarks share: signed sessions with their aftercare schedules.

Built through the test factories and the product's own models, so the rows have the
shape signing leaves (an appointment, a plan, a screening, a signed consent and session,
the schedule from the clinic's current aftercare template).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class SignedSessions:
    clinic: Any
    schedule_ids: list[int]


def signed_sessions(label: str, count: int) -> SignedSessions:
    """A clinic ``label`` with ``count`` clients, each with one signed session (3 hours
    apart, the first ended 75 minutes ago) and its aftercare schedule; no PDF yet."""
    from django.utils import timezone

    from aftercare.models import AftercareSchedule
    from aftercare.schedules import aftercare_template_current
    from clinic.models import Role
    from tests.factories import (
        ClientFactory,
        ClinicFactory,
        DeviceFactory,
        MembershipFactory,
        RoomFactory,
        UserFactory,
        appointment_for,
        consent_for,
        plan_for,
        practitioner_for,
        screening_for,
        treatment_session_for,
    )

    domain = f"{label}.bench.invalid"
    clinic = ClinicFactory(name=f"Bench {label} clinic", email=f"desk@{domain}")
    user = UserFactory(email=f"practitioner@{domain}")
    membership = MembershipFactory(user=user, clinic=clinic, role=Role.PRACTITIONER)
    practitioner = practitioner_for(membership)
    room = RoomFactory(clinic=clinic)
    device = DeviceFactory(clinic=clinic)
    template = aftercare_template_current(clinic=clinic)
    now = timezone.now()
    schedule_ids = []
    for i in range(count):
        client = ClientFactory(clinic=clinic, email=f"client{i}@{domain}", email_consent=True)
        start = now - timedelta(hours=3 * i + 2)
        appointment = appointment_for(
            client, practitioner=practitioner, room=room, device=device, start=start,
            status="completed",
        )  # fmt: skip
        plan = plan_for(client)
        session = treatment_session_for(
            appointment,
            plan=plan,
            screening=screening_for(client, actor=user),
            consent=consent_for(client, witnessed_by=user),
            signed=True,
            started_at=start,
            ended_at=start + timedelta(minutes=45),
        )
        schedule = AftercareSchedule.objects.create(
            clinic=clinic,
            client=client,
            session=session,
            template=template,
            timezone=clinic.timezone,
            ended_at=session.ended_at,
            interval_days=plan.interval_days,
        )
        schedule_ids.append(int(schedule.pk))
    return SignedSessions(clinic, schedule_ids)
