"""Reads of the audit trail, always for one clinic (decision 0010)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet

from clinic.models import Client, Clinic, Membership, User
from common.audit import OBJECT_TYPES
from common.models import AuditEvent

#: CSV cells a spreadsheet would read as a formula start with one of these.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = (
    "at",
    "staff_member",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "client_id",
    "client",
    "channel",
    "ip_address",
    "path",
    "detail",
)


def staff_of(clinic: Clinic) -> list[User]:
    """Everyone who is or was on the clinic's staff, by name."""
    return list(
        User.objects.filter(
            pk__in=Membership.objects.filter(clinic=clinic).values("user_id")
        ).order_by("full_name", "email")
    )


def clinic_events(*, clinic: Clinic) -> QuerySet[AuditEvent]:
    """The clinic's events, newest first (served by the ``audit_clinic_at`` index)."""
    return AuditEvent.objects.filter(clinic_id=clinic.pk).order_by("-at", "-id")


def client_names(*, clinic: Clinic, client_ids: Iterable[int | None]) -> dict[int, str]:
    """``{id: "Last, First"}`` of the clinic's clients among ``client_ids``, in one query."""
    wanted = {client_id for client_id in client_ids if client_id is not None}
    if not wanted:
        return {}
    return {
        pk: f"{last}, {first}"
        for pk, first, last in Client.objects.filter(clinic=clinic, pk__in=wanted).values_list(
            "pk", "first_name", "last_name"
        )
    }


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _row(event: AuditEvent, clinic: Clinic, names: dict[int, str]) -> list[str]:
    values: list[Any] = [
        event.at.astimezone(clinic.zone).isoformat(),
        event.actor_email,
        event.action,
        event.outcome,
        event.object_type,
        event.object_id,
        event.client_id,
        names.get(event.client_id, "") if event.client_id is not None else "",
        event.channel,
        event.ip_address,
        event.path,
        json.dumps(event.detail, sort_keys=True) if event.detail else "",
    ]
    return [_cell(value) for value in values]


def audit_csv_lines(
    *, clinic: Clinic, events: QuerySet[AuditEvent], chunk: int = 2000
) -> Iterator[str]:
    """The events as CSV text, a header first, read ``chunk`` rows at a time.

    Cells that a spreadsheet would run as a formula are prefixed with ``'``.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    yield _take(buffer)
    batch: list[AuditEvent] = []
    for event in events.iterator(chunk_size=chunk):
        batch.append(event)
        if len(batch) >= chunk:
            yield _batch(batch, clinic, writer, buffer)
            batch = []
    if batch:
        yield _batch(batch, clinic, writer, buffer)


def _batch(batch: list[AuditEvent], clinic: Clinic, writer: Any, buffer: io.StringIO) -> str:
    names = client_names(clinic=clinic, client_ids=(event.client_id for event in batch))
    for event in batch:
        writer.writerow(_row(event, clinic, names))
    return _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate(0)
    return text


def object_type_label(object_type: str) -> str:
    return OBJECT_TYPES.get(object_type, object_type)
