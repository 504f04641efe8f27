"""Reads for treatment session records and lot traces, always scoped to a clinic."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from clinic.booking.availability import local_to_utc
from clinic.models import Client, Clinic, User
from common.errors import ApplicationError, NotFound
from common.fields import parse_id
from treatments.plans.models import TreatmentPlan
from treatments.records.models import (
    SessionAmendment,
    SessionPhoto,
    SessionProduct,
    SessionStatus,
    TreatmentSession,
)


def _pk(value: Model | int) -> int:
    return value if isinstance(value, int) else value.pk


def _previous_expression() -> Coalesce:
    """The client's latest signed session before this one, preferring the same plan."""
    earlier = TreatmentSession.objects.filter(
        client_id=OuterRef("client_id"),
        status=SessionStatus.SIGNED,
        started_at__lt=OuterRef("started_at"),
    ).order_by("-started_at", "-id")
    same_plan = earlier.filter(plan_id=OuterRef("plan_id")).values("id")[:1]
    return Coalesce(
        Subquery(same_plan, output_field=IntegerField()),
        Subquery(earlier.values("id")[:1], output_field=IntegerField()),
    )


def _position_subquery() -> Subquery:
    """This session's number in its plan: sessions of the plan started no later."""
    earlier = (
        TreatmentSession.objects.filter(plan_id=OuterRef("plan_id"))
        .filter(
            Q(started_at__lt=OuterRef("started_at"))
            | Q(started_at=OuterRef("started_at"), id__lte=OuterRef("id"))
        )
        .order_by()
        .values("plan_id")
        .annotate(n=Count("id"))
        .values("n")[:1]
    )
    return Subquery(earlier, output_field=IntegerField())


def session_list(
    *,
    clinic: Clinic,
    client: Client | int | None = None,
    plan: TreatmentPlan | int | None = None,
    status: str | None = None,
    date: date | None = None,
) -> QuerySet[TreatmentSession]:
    """Sessions of the clinic, newest first, with everything the output needs prefetched."""
    qs = (
        TreatmentSession.objects.filter(clinic=clinic)
        .select_related(
            "client",
            "plan",
            "plan__protocol_set",
            "appointment",
            "practitioner",
            "practitioner__membership__user",
            "device",
            "signed_by",
            "created_by",
            "screening",
            "consent__text",
        )
        .prefetch_related(
            "areas",
            "products",
            Prefetch("photos", queryset=SessionPhoto.objects.select_related("uploaded_by")),
            Prefetch(
                "amendments",
                queryset=SessionAmendment.objects.select_related("author").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .annotate(
            previous_id=_previous_expression(),
            plan_position=Coalesce(_position_subquery(), Value(0)),
        )
    )
    if client is not None:
        qs = qs.filter(client_id=_pk(client))
    if plan is not None:
        qs = qs.filter(plan_id=_pk(plan))
    if status is not None:
        qs = qs.filter(status=status)
    if date is not None:
        start = local_to_utc(date, time(0), clinic.zone)
        end = local_to_utc(date + timedelta(days=1), time(0), clinic.zone)
        qs = qs.filter(started_at__gte=start, started_at__lt=end)
    return qs.order_by("-started_at", "-id")


def session_get(*, clinic: Clinic, pk: object) -> TreatmentSession:
    number = parse_id(pk)
    if number is None:
        raise NotFound("No such treatment session.")
    session = session_list(clinic=clinic).filter(pk=number).first()
    if session is None:
        raise NotFound("No such treatment session.")
    return session


def session_for_appointment(*, clinic: Clinic, appointment_id: int) -> TreatmentSession | None:
    return session_list(clinic=clinic).filter(appointment_id=appointment_id).first()


def session_previous(*, session: TreatmentSession) -> TreatmentSession | None:
    """The client's latest signed session before this one, from the same plan if any."""
    earlier = (
        TreatmentSession.objects.filter(
            clinic_id=session.clinic_id,
            client_id=session.client_id,
            status=SessionStatus.SIGNED,
            started_at__lt=session.started_at,
        )
        .exclude(pk=session.pk)
        .select_related("plan", "practitioner", "device")
        .prefetch_related("areas", "products")
        .order_by("-started_at", "-id")
    )
    return earlier.filter(plan_id=session.plan_id).first() or earlier.first()


def session_photo_get(*, session: TreatmentSession, pk: object) -> SessionPhoto:
    number = parse_id(pk)
    photo = (
        SessionPhoto.objects.filter(session=session, pk=number).select_related("session").first()
        if number is not None
        else None
    )
    if photo is None:
        raise NotFound("No such photo.")
    return photo


def session_plan_progress(*, session: TreatmentSession) -> str:
    """ "Session k of n" for the session's plan."""
    position = getattr(session, "plan_position", None)
    if not position:
        position = (
            TreatmentSession.objects.filter(plan_id=session.plan_id)
            .filter(
                Q(started_at__lt=session.started_at)
                | Q(started_at=session.started_at, id__lte=session.pk)
            )
            .count()
        )
    return f"Session {position} of {session.plan.planned_sessions}"


@dataclass(frozen=True)
class HistoryEvent:
    kind: str  # started, signed, amended
    at: datetime
    by: str
    reason: str = ""
    note: str = ""
    changes: dict[str, Any] | None = None
    amendment_id: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "at": self.at.isoformat(),
            "by": self.by,
            "reason": self.reason,
            "note": self.note,
            "changes": self.changes or {},
            "amendment": self.amendment_id,
        }


def _name(user: User | None) -> str:
    return (user.full_name or user.email) if user is not None else ""


def session_history(*, session: TreatmentSession) -> list[HistoryEvent]:
    """What happened to the record, oldest first: started, signed, each amendment."""
    events = [
        HistoryEvent(
            kind="started",
            at=session.started_at,
            by=_name(session.created_by) or session.practitioner.display_name,
        )
    ]
    if session.signed_at is not None:
        events.append(
            HistoryEvent(kind="signed", at=session.signed_at, by=_name(session.signed_by))
        )
    for amendment in session.amendments.all():
        events.append(
            HistoryEvent(
                kind="amended",
                at=amendment.created_at,
                by=_name(amendment.author),
                reason=amendment.reason,
                note=amendment.note,
                changes=amendment.changes,
                amendment_id=amendment.pk,
            )
        )
    order = {"started": 0, "signed": 1, "amended": 2}
    return sorted(events, key=lambda e: (e.at, order[e.kind], e.amendment_id or 0))


# --- lot trace --------------------------------------------------------------------------


def trace_date(session: TreatmentSession) -> date:
    """The clinic-local day the session started."""
    return session.started_at.astimezone(session.clinic.zone).date()


@dataclass(frozen=True)
class LotUse:
    """What in a session carried the searched lot (or serial)."""

    kind: str  # "cartridge" | "anaesthetic" | "product" | "device"
    product: str  # the cartridge, anaesthetic or product name; the device's name
    lot: str  # the lot or serial as recorded

    @property
    def label(self) -> str:
        what = USE_LABELS[self.kind]
        return f"{what}: {self.product}" if self.product else what


USE_LABELS = {
    "cartridge": "Cartridge",
    "anaesthetic": "Topical anaesthetic",
    "product": "Serum or product",
    "device": "Device",
}


@dataclass(frozen=True)
class LotTraceHit:
    """A session a lot trace found, and what in it carried the lot."""

    session: TreatmentSession
    #: Matched only through an amendment: the session was first recorded with the value.
    amended: bool
    amendment_count: int
    uses: tuple[LotUse, ...] = ()


#: The session fields holding a lot that an amendment may correct (products cannot be).
LOT_FIELDS = {"cartridge_lot": "cartridge", "anaesthetic_lot": "anaesthetic"}


def lot_trace(
    *, clinic: Clinic, lot: str | None = None, device_serial: str | None = None
) -> list[LotTraceHit]:
    """Every session of the clinic that used the lot (or device serial), newest first.

    A lot is looked for everywhere a session records one: the cartridge, the topical
    anaesthetic and every serum or product applied. Matches the current value exactly,
    ignoring case; sessions whose amendments changed a lot (or the serial) away from the
    searched one are included too, marked ``amended``.
    """
    lot = (lot or "").strip()
    device_serial = (device_serial or "").strip()
    if bool(lot) == bool(device_serial):
        raise ApplicationError(
            "Search by exactly one of lot or device serial.",
            fields={"lot": ["Give ?lot= or ?device_serial=, not both."]},
        )
    amendments = SessionAmendment.objects.filter(session__clinic=clinic)
    if lot:
        value = lot
        names = list(LOT_FIELDS)
        current = Q(cartridge_lot__iexact=lot) | Q(anaesthetic_lot__iexact=lot)
        current |= Q(
            pk__in=SessionProduct.objects.filter(session__clinic=clinic, lot__iexact=lot).values(
                "session_id"
            )
        )
    else:
        value = device_serial
        names = ["device_serial"]
        current = Q(device_serial__iexact=device_serial)
    amended_from = Q()
    for name in names:
        amended_from |= Q(**{f"changes__{name}__from__iexact": value})
    sessions = (
        TreatmentSession.objects.filter(clinic=clinic)
        .filter(current | Q(pk__in=amendments.filter(amended_from).values("session_id")))
        .select_related("client", "practitioner", "clinic", "device")
        .prefetch_related("products")
        .annotate(amendment_count=Count("amendments"))
        .order_by("-started_at", "-id")
    )
    hits = []
    for session in sessions:
        uses = _uses(session, lot=lot, device_serial=device_serial)
        hits.append(
            LotTraceHit(
                session=session,
                amended=not uses,
                amendment_count=session.amendment_count,
                uses=uses,
            )
        )
    return hits


def _uses(session: TreatmentSession, *, lot: str, device_serial: str) -> tuple[LotUse, ...]:
    def same(recorded: str | None, searched: str) -> bool:
        return bool(recorded) and str(recorded).casefold() == searched.casefold()

    if device_serial:
        if not same(session.device_serial, device_serial):
            return ()
        name = session.device.name if session.device is not None else ""
        return (LotUse("device", name, session.device_serial),)
    uses = []
    if same(session.cartridge_lot, lot):
        uses.append(LotUse("cartridge", session.cartridge, session.cartridge_lot))
    if same(session.anaesthetic_lot, lot):
        uses.append(LotUse("anaesthetic", session.anaesthetic_product, session.anaesthetic_lot))
    for product in session.products.all():
        if same(product.lot, lot):
            uses.append(LotUse("product", product.product, product.lot))
    return tuple(uses)


CSV_HEADER = [
    "session",
    "client_id",
    "client_name",
    "date",
    "practitioner",
    "device_serial",
    "cartridge_lot",
    "status",
    "amended",
    "used_in",
]


def _cell(value: object) -> str:
    """Text for a spreadsheet cell; formulas are neutralised (CSV injection)."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def lot_trace_csv(*, rows: list[LotTraceHit]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        s = row.session
        writer.writerow(
            [
                _cell(v)
                for v in (
                    s.pk,
                    s.client_id,
                    s.client.full_name,
                    trace_date(s).isoformat(),
                    s.practitioner.display_name,
                    s.device_serial,
                    s.cartridge_lot,
                    s.status,
                    "yes" if row.amended else "no",
                    "; ".join(f"{use.label} ({use.lot})" for use in row.uses),
                )
            ]
        )
    return out.getvalue()
