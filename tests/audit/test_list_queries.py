"""Queries per request are the same at 200 rows as at 10, for every list endpoint and page.

Each list reads its rows, writes its audit events in one INSERT (decision 0010) and
loads what its rows show with joins or one prefetch per relation, never one per row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.booking.models import AppointmentStatus
from clinic.messaging.models import OutgoingMessage
from common.audit import audit_reads
from common.models import AuditEvent
from tests.factories import (
    ClientFactory,
    DeviceFactory,
    RoomFactory,
    appointment_for,
    consent_for,
    plan_for,
    practitioner_for,
    screening_for,
    treatment_session_for,
)
from treatments.consent.models import Consent
from treatments.plans.models import TreatmentPlan
from treatments.screening.models import Screening

pytestmark = pytest.mark.django_db


@dataclass
class World:
    clinic: object
    manager: object
    client: object
    performer: object
    room: object
    device: object
    plan: object
    consent: object
    screening: object
    appointments: int = 0

    def today_at(self, minutes: int) -> datetime:
        """Today on the clinic's wall clock, ``minutes`` after 02:00."""
        zone = self.clinic.zone
        start = datetime.combine(self.clinic.local_today(), time(2, 0), zone)
        return start + timedelta(minutes=minutes)


@pytest.fixture
def world(clinic, manager) -> World:
    client = ClientFactory(clinic=clinic, first_name="Amelia", last_name="Hughes")
    return World(
        clinic=clinic,
        manager=manager,
        client=client,
        performer=practitioner_for(manager.membership),
        room=RoomFactory(clinic=clinic),
        device=DeviceFactory(clinic=clinic),
        plan=plan_for(client),
        consent=consent_for(client, witnessed_by=manager.user),
        screening=screening_for(client, actor=manager.user),
    )


def _clone(obj, count: int, **vary: Callable[[int], object]) -> None:
    """``count`` copies of a stored row, in one write, with fields varied by index."""
    model = type(obj)
    copies = []
    for index in range(count):
        copy = model.objects.get(pk=obj.pk)
        copy.pk = None
        copy.id = None
        for name, value in vary.items():
            setattr(copy, name, value(index))
        copies.append(copy)
    model.objects.bulk_create(copies)


def add_clients(world: World, count: int) -> None:
    ClientFactory.create_batch(count, clinic=world.clinic)


def add_screenings(world: World, count: int) -> None:
    _clone(Screening.objects.filter(client=world.client).first(), count)


def add_plans(world: World, count: int) -> None:
    _clone(TreatmentPlan.objects.filter(client=world.client).first(), count)


def add_consents(world: World, count: int) -> None:
    _clone(Consent.objects.filter(client=world.client).first(), count)


def _appointment(world: World, client, *, kind: str = "consultation"):
    if kind == "consultation":
        # Five minutes each from 02:00, one after the other: 200 fit in one day.
        start, device = world.today_at(world.appointments * 5), None
    else:  # a treatment holds the device for its clean-up too: one every 30 minutes
        start, device = world.today_at(-60 * 24 * 30 + world.appointments * 30), world.device
    world.appointments += 1
    return appointment_for(
        client,
        practitioner=world.performer,
        room=world.room,
        device=device,
        start=start,
        minutes=5,
        kind=kind,
        status=AppointmentStatus.BOOKED if kind == "consultation" else AppointmentStatus.COMPLETED,
    )


def add_appointments(world: World, count: int) -> None:
    for _ in range(count):
        _appointment(world, ClientFactory(clinic=world.clinic))


def add_sessions(world: World, count: int) -> None:
    for _ in range(count):
        client = ClientFactory(clinic=world.clinic)
        treatment_session_for(
            _appointment(world, client, kind="treatment"),
            plan=world.plan,
            screening=world.screening,
            consent=world.consent,
            signed=True,
        )


def add_messages(world: World, count: int) -> None:
    start = OutgoingMessage.objects.count()
    OutgoingMessage.objects.bulk_create(
        OutgoingMessage(
            clinic=world.clinic,
            client=ClientFactory(clinic=world.clinic),
            kind="aftercare_day3",
            dedupe_key=f"query-count-{start + index}",
            due_at=world.today_at(index),
        )
        for index in range(count)
    )


def add_audit_events(world: World, count: int) -> None:
    audit_reads(
        actor=world.manager.user,
        object_type="client",
        objects=((index, world.client.pk) for index in range(count)),
        clinic_id=world.clinic.pk,
    )


#: (what, how to add rows, the API path, the page path or None)
LISTS = [
    ("clients", add_clients, "/api/clients/?page_size=200", "/clients/"),
    (
        "screenings",
        add_screenings,
        "/api/clients/{client}/screenings/?page_size=200",
        None,
    ),
    ("treatment plans", add_plans, "/api/treatment-plans/?page_size=200", None),
    ("consents", add_consents, "/api/consents/?page_size=200", None),
    ("appointments", add_appointments, "/api/appointments/?page_size=200", "/calendar/"),
    ("today", add_appointments, None, "/"),
    ("sessions", add_sessions, "/api/sessions/?page_size=200", None),
    (
        "lot trace",
        add_sessions,
        "/api/lot-trace/?lot=LOT-A1&page_size=200",
        "/lot-trace/?lot=LOT-A1",
    ),
    (
        "lot trace CSV",
        add_sessions,
        "/api/lot-trace/?lot=LOT-A1&format=csv",
        "/lot-trace/export.csv?lot=LOT-A1",
    ),
    ("reminders", add_messages, "/api/reminders/?page_size=200", None),
    ("audit trail", add_audit_events, "/api/audit/?page_size=200", "/audit/"),
    ("audit trail CSV", add_audit_events, "/api/audit/?format=csv", "/audit/export.csv"),
]


def _queries(get: Callable[[], object]) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = get()
        assert response.status_code == 200, getattr(response, "content", b"")[:300]
        # Streaming answers (CSV) run their queries while they are read.
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    return len(captured), [q["sql"] for q in captured.captured_queries]


def _equal_at_10_and_200(world: World, add, fetch) -> None:
    add(world, 10)
    fetch()  # warm: first-use rows (current versions, sessions) are made once
    at_10, _ = _queries(fetch)
    add(world, 190)
    at_200, sql_200 = _queries(fetch)
    assert at_200 == at_10, "\n".join(sql_200)


@pytest.mark.parametrize(
    ("add", "path"),
    [pytest.param(add, path, id=what) for what, add, path, _ in LISTS if path],
)
def test_api_lists_make_as_many_queries_at_200_rows_as_at_10(world, api, add, path):
    caller = api(world.manager)
    url = path.format(client=world.client.pk)
    _equal_at_10_and_200(world, add, lambda: caller.get(url))


@pytest.mark.parametrize(
    ("add", "path"),
    [pytest.param(add, page, id=what) for what, add, _, page in LISTS if page],
)
def test_list_pages_make_as_many_queries_at_200_rows_as_at_10(world, web, add, path):
    browser = web(world.manager)
    _equal_at_10_and_200(world, add, lambda: browser.get(path))


def test_a_list_of_200_writes_200_audit_events_in_one_statement(world, api):
    add_clients(world, 199)
    caller = api(world.manager)
    with CaptureQueriesContext(connection) as captured:
        caller.get("/api/clients/?page_size=200")
    inserts = [q for q in captured.captured_queries if "INSERT" in q["sql"].upper()]
    audit_inserts = [q for q in inserts if "common_auditevent" in q["sql"]]
    assert len(audit_inserts) == 1
    listed = AuditEvent.objects.filter(object_type="client", action="list")
    assert listed.count() == 200
    assert set(listed.values_list("client_id", flat=True)) == set(
        world.clinic.clients.values_list("pk", flat=True)
    )
