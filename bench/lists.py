"""Data for ``queries_200_vs_10``: a client with N of everything, and the URLs to count.

The demo clinic (``seed_demo``) gives one client a real course: a screening, a plan, a
signed consent, a signed session with its appointment. ``build(n)`` copies that client
and each of those rows ``n`` times in SQL, so the lists hold ``n`` real-shaped rows.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.management import call_command
from django.db import connection


@dataclass(frozen=True)
class ListData:
    user: Any
    client_id: int
    last_name: str
    day: date


def _sql(statement: str, params: dict[str, Any] | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def _columns(table: str) -> list[str]:
    return [
        name
        for (name,) in _sql(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %(t)s AND column_name <> 'id' ORDER BY ordinal_position",
            {"t": table},
        )
    ]


def _clone(
    table: str, template_id: int, count: int, overrides: dict[str, str], **params: Any
) -> list[int]:
    """``count`` copies of one row (``g`` runs 1..count in the override expressions)."""
    columns = _columns(table)
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    names = ", ".join(f'"{c}"' for c in columns)
    # Table and column names come from this module and information_schema; values are bound.
    rows = _sql(
        f"INSERT INTO {table} ({names}) SELECT {select} "  # noqa: S608
        f"FROM {table} AS t, generate_series(1, %(count)s) AS g WHERE t.id = %(template)s "
        "ORDER BY g RETURNING id",
        {"count": count, "template": template_id, **params},
    )
    return [pk for (pk,) in rows]


def _demo() -> tuple[Any, Any]:
    """The demo clinic's course client and a manager there (seeded once)."""
    from clinic.models import Client, Membership

    client = Client.objects.filter(first_name="Amelia", last_name="Hughes").first()
    if client is None:
        call_command("seed_demo", verbosity=0, stdout=io.StringIO())
        client = Client.objects.get(first_name="Amelia", last_name="Hughes")
    manager = (
        Membership.objects.filter(clinic=client.clinic, role="manager").select_related("user")
    ).first()
    assert manager is not None
    return client, manager.user


def build(count: int, label: str) -> ListData:
    """A new client of the demo clinic with ``count`` screenings, plans, consents, sessions
    (each on its own past appointment), booked appointments on one day, and ``count``
    namesake clients for the client list."""
    from clinic.booking.models import Appointment
    from treatments.consent.models import Consent
    from treatments.plans.models import TreatmentPlan
    from treatments.records.models import TreatmentSession
    from treatments.screening.models import Screening

    template, manager = _demo()
    last_name = f"Bench{label}"
    client_ids = _clone(
        "clinic_client",
        template.pk,
        count,
        {"last_name": "%(last)s", "first_name": "'Client ' || g"},
        last=last_name,
    )
    client_id = client_ids[0]
    who = {"client_id": "%(client)s"}
    screening = Screening.objects.filter(client=template).latest("id")
    plan = TreatmentPlan.objects.filter(client=template).latest("id")
    consent = Consent.objects.filter(client=template).latest("id")
    session = TreatmentSession.objects.filter(client=template).latest("id")
    _clone("treatments_screening", screening.pk, count, who, client=client_id)
    _clone("treatments_treatmentplan", plan.pk, count, who, client=client_id)
    _clone("treatments_consent", consent.pk, count, who, client=client_id)
    # Each signed session on its own completed appointment, a day apart, years back.
    hours_back = 24 * 365 * 5 + (0 if count < 100 else 24 * 365)
    past = _clone(
        "clinic_appointment",
        session.appointment_id,
        count,
        {
            **who,
            "uid": "gen_random_uuid()",
            "start": "t.start - (%(back)s + g * 24) * interval '1 hour'",
            "end": "t.\"end\" - (%(back)s + g * 24) * interval '1 hour'",
            "device_free_at": "t.device_free_at - (%(back)s + g * 24) * interval '1 hour'",
        },
        client=client_id,
        back=hours_back,
    )
    _clone(
        "treatments_treatmentsession",
        session.pk,
        count,
        {**who, "appointment_id": "(%(appointments)s::bigint[])[g]"},
        client=client_id,
        appointments=past,
    )
    # Booked consultations one after another on one day (no device: no clean-up overlap).
    booked = Appointment.objects.filter(client=template, status="booked").latest("id")
    day = booked.start.date() + timedelta(days=60 + (0 if count < 100 else 1))
    shift = (day - booked.start.date()).days
    _clone(
        "clinic_appointment",
        booked.pk,
        count,
        {
            **who,
            "uid": "gen_random_uuid()",
            "kind": "'consultation'",
            "device_id": "NULL",
            "device_free_at": "NULL",
            "screening_id": "NULL",
            "start": "date_trunc('day', t.start) + %(shift)s * interval '1 day' "
            "+ (g - 1) * interval '6 minutes'",
            "end": "date_trunc('day', t.start) + %(shift)s * interval '1 day' "
            "+ (g - 1) * interval '6 minutes' + interval '5 minutes'",
        },
        client=client_id,
        shift=shift,
    )
    _sql("ANALYZE")
    return ListData(user=manager, client_id=client_id, last_name=last_name, day=day)


def _api(path: str) -> Callable[[ListData], str]:
    return lambda d: path.format(c=d.client_id, day=d.day.isoformat(), last=d.last_name)


#: Every list endpoint and page whose rows grow with the client's history.
URLS: dict[str, Callable[[ListData], str]] = {
    "GET /api/clients/": _api("/api/clients/?search={last}&page_size=200"),
    "GET /api/appointments/": _api("/api/appointments/?client={c}&page_size=200"),
    "GET /api/clients/{id}/screenings/": _api("/api/clients/{c}/screenings/?page_size=200"),
    "GET /api/treatment-plans/": _api("/api/treatment-plans/?client={c}&page_size=200"),
    "GET /api/consents/": _api("/api/consents/?client={c}&page_size=200"),
    "GET /api/sessions/": _api("/api/sessions/?client={c}&page_size=200"),
    "client page": _api("/clients/{c}/"),
    "client list page": _api("/clients/?q={last}"),
    "day calendar page": _api("/calendar/?date={day}&view=day"),
}
