"""Treatment protocols as data: depth limits, course length, intervals (DOMAIN.md §2).

Pure: no database. A clinic's published protocol version is a JSON document in
the shape of ``protocol_defaults.DEFAULT_PROTOCOLS``; ``Protocols.from_data``
reads it and the functions below answer the questions the plan and the session
form ask: how deep may this area go, does this depth need a justification, what
course would the protocol propose for this client, when is the next session due.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeGuard

SKIN_THIN = "thin"
SKIN_THICK = "thick"
SKIN_CHOICES = ((SKIN_THIN, "Thin skin"), (SKIN_THICK, "Thick skin"))

MAX_SESSIONS = 24
MAX_INTERVAL_DAYS = 365
MAX_DEPTH_MM = Decimal("3.0")
DEPTH_MESSAGE = f"A depth in mm above 0 and at most {MAX_DEPTH_MM}, with at most 2 decimals."


class ProtocolDataError(ValueError):
    """The protocol document is malformed."""


@dataclass(frozen=True)
class Indication:
    code: str
    label: str
    depth_min_mm: Decimal
    depth_max_mm: Decimal
    sessions: int
    sessions_min: int
    sessions_max: int
    interval_days: int
    endpoint: tuple[str, ...]
    default_areas: tuple[str, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Area:
    code: str
    label: str
    thin_max_mm: Decimal
    thick_max_mm: Decimal
    note: str = ""

    def max_mm(self, skin: str) -> Decimal:
        return self.thick_max_mm if skin == SKIN_THICK else self.thin_max_mm


@dataclass(frozen=True)
class Protocols:
    version: int
    indications: dict[str, Indication]
    areas: dict[str, Area]
    endpoints: dict[str, str]
    maintenance_text: str
    pih_from: int
    pih_text: str
    pih_sources: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: dict[str, Any], *, version: int = 0) -> Protocols:
        errors = validate_protocol_data(data)
        if errors:
            first = next(iter(errors.items()))
            raise ProtocolDataError(f"{first[0]}: {first[1][0]}")
        indications = {
            code: Indication(
                code=code,
                label=item["label"],
                depth_min_mm=Decimal(str(item["depth_min_mm"])),
                depth_max_mm=Decimal(str(item["depth_max_mm"])),
                sessions=int(item["sessions"]),
                sessions_min=int(item.get("sessions_min", item["sessions"])),
                sessions_max=int(item.get("sessions_max", item["sessions"])),
                interval_days=int(item["interval_days"]),
                endpoint=tuple(item.get("endpoint", ())),
                default_areas=tuple(item.get("default_areas", ())),
                sources=tuple(item.get("sources", ())),
            )
            for code, item in data["indications"].items()
        }
        areas = {
            code: Area(
                code=code,
                label=item["label"],
                thin_max_mm=Decimal(str(item["thin_max_mm"])),
                thick_max_mm=Decimal(str(item["thick_max_mm"])),
                note=item.get("note", ""),
            )
            for code, item in data["areas"].items()
        }
        pih = data.get("pih") or {}
        return cls(
            version=version,
            indications=indications,
            areas=areas,
            endpoints=dict(data.get("endpoints") or {}),
            maintenance_text=(data.get("maintenance") or {}).get("text", ""),
            pih_from=int(pih.get("fitzpatrick_from", 4)),
            pih_text=pih.get("text", ""),
            pih_sources=tuple(pih.get("sources", ())),
        )

    # --- Depth -----------------------------------------------------------------

    def max_depth(self, *, indication: str, area: str, skin: str) -> Decimal:
        """The depth a session may use without a justification: the smaller of the
        indication's maximum and the area's maximum for this skin thickness."""
        return min(self.indications[indication].depth_max_mm, self.areas[area].max_mm(skin))

    def depth_check(
        self, *, indication: str, area: str, skin: str, depth_mm: Decimal
    ) -> DepthCheck:
        limit = self.max_depth(indication=indication, area=area, skin=skin)
        ind = self.indications[indication]
        ar = self.areas[area]
        reasons = []
        if depth_mm > ar.max_mm(skin):
            reasons.append(
                f"{depth_mm} mm is deeper than the {ar.max_mm(skin)} mm maximum for "
                f"{ar.label.lower()} ({skin} skin)."
            )
        if depth_mm > ind.depth_max_mm:
            reasons.append(
                f"{depth_mm} mm is deeper than the {ind.depth_max_mm} mm maximum for "
                f"{ind.label.lower()}."
            )
        return DepthCheck(limit_mm=limit, needs_justification=bool(reasons), reasons=reasons)

    # --- Plans -----------------------------------------------------------------

    def propose(self, *, indication: str, fitzpatrick_type: int | None) -> PlanProposal:
        """What the protocol suggests for a course treating ``indication``."""
        ind = self.indications[indication]
        notes = []
        pih = fitzpatrick_type is not None and fitzpatrick_type >= self.pih_from
        depth_max = ind.depth_max_mm
        if pih:
            notes.append(self.pih_text)
            # Conservative: plan at the lower end of the range.
            depth_max = ind.depth_min_mm
        areas = [a for a in ind.default_areas if a in self.areas]
        return PlanProposal(
            indication=indication,
            areas=areas,
            planned_sessions=ind.sessions,
            sessions_range=(ind.sessions_min, ind.sessions_max),
            interval_days=ind.interval_days,
            depth_min_mm=ind.depth_min_mm,
            depth_max_mm=depth_max,
            endpoint=list(ind.endpoint),
            pih_risk=pih,
            notes=notes,
            sources=list(ind.sources) + (list(self.pih_sources) if pih else []),
        )

    def area_limit(self, *, indication: str, area: str) -> AreaLimit:
        """An area's maxima and the limits a session of ``indication`` may use there."""
        ar = self.areas[area]
        return AreaLimit(
            area=area,
            label=ar.label,
            thin_max_mm=ar.thin_max_mm,
            thick_max_mm=ar.thick_max_mm,
            limit_thin_mm=self.max_depth(indication=indication, area=area, skin=SKIN_THIN),
            limit_thick_mm=self.max_depth(indication=indication, area=area, skin=SKIN_THICK),
            note=ar.note,
        )

    def plan_errors(
        self,
        *,
        indication: str,
        areas: object,
        planned_sessions: object,
        interval_days: object,
        completed_sessions: int = 0,
    ) -> dict[str, list[str]]:
        """Field → messages for a course of ``indication``; empty when it may be planned.

        The interval may not be shorter than the protocol's minimum for the indication
        (DOMAIN.md §2): the skin needs that long to recover between sessions.
        """
        errors: dict[str, list[str]] = {}
        ind = self.indications.get(indication)
        if ind is None:
            known = ", ".join(sorted(self.indications))
            errors["indication"] = [f"Not an indication of protocol version {self.version}."]
            errors["indication"].append(f"Choose one of: {known}.")
            return errors
        if not isinstance(areas, list | tuple) or not areas:
            errors["areas"] = ["Choose at least one area to treat."]
        else:
            unknown = [str(a) for a in areas if not isinstance(a, str) or a not in self.areas]
            if unknown:
                errors["areas"] = [
                    f"Not an area of protocol version {self.version}: {', '.join(unknown)}."
                ]
            elif len(set(areas)) != len(areas):
                errors["areas"] = ["Each area once."]
        if not _int_in(planned_sessions, 1, MAX_SESSIONS):
            errors["planned_sessions"] = [f"A whole number of sessions from 1 to {MAX_SESSIONS}."]
        elif planned_sessions < completed_sessions:
            errors["planned_sessions"] = [
                f"{completed_sessions} sessions are already signed; plan at least that many."
            ]
        if not _int_in(interval_days, 1, MAX_INTERVAL_DAYS):
            errors["interval_days"] = [f"A whole number of days from 1 to {MAX_INTERVAL_DAYS}."]
        elif interval_days < ind.interval_days:
            errors["interval_days"] = [
                f"At least {ind.interval_days} days between sessions for "
                f"{ind.label.lower()} (protocol version {self.version})."
            ]
        return errors


@dataclass(frozen=True)
class AreaLimit:
    area: str
    label: str
    thin_max_mm: Decimal
    thick_max_mm: Decimal
    limit_thin_mm: Decimal
    limit_thick_mm: Decimal
    note: str = ""


@dataclass(frozen=True)
class DepthCheck:
    limit_mm: Decimal
    needs_justification: bool
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlanProposal:
    indication: str
    areas: list[str]
    planned_sessions: int
    sessions_range: tuple[int, int]
    interval_days: int
    depth_min_mm: Decimal
    depth_max_mm: Decimal
    endpoint: list[str]
    pih_risk: bool
    notes: list[str]
    sources: list[str]


#: Minimum days between two treatments of a client when no course sets it.
DEFAULT_INTERVAL_DAYS = 28


# Intervals are counted in the clinic's calendar days, never in 24-hour periods: after a
# session on 30 November a 28-day interval makes the client eligible on 28 December, at
# any time that day (DOMAIN.md: "eligible on date + N days"). Booking, the plan's "next
# session due" and the slot finder all ask the two functions below.


def next_due(*, last_session_on: date | None, interval_days: int) -> date | None:
    """The earliest date of the next session of a course: the last session's date + N days."""
    if last_session_on is None:
        return None
    return last_session_on + timedelta(days=interval_days)


def interval_clash(*, on: date, other_on: date, interval_days: int) -> bool:
    """Whether treatments on the local dates ``on`` and ``other_on`` are too close.

    Symmetric: a treatment may be neither within N days after another nor within N days
    before one already booked.
    """
    return abs((on - other_on).days) < interval_days


def interval_window(*, first: date, last: date, interval_days: int) -> tuple[date, date]:
    """The local dates (inclusive) of other treatments that could clash with any day in
    ``first``..``last``."""
    reach = timedelta(days=max(interval_days - 1, 0))
    return first - reach, last + reach


# --- Vitamin C ------------------------------------------------------------------

_VITAMIN_C = re.compile(
    r"vit(?:amin)?\.?\s*-?\s*c\b|ascorb|\bl-?aa\b|ascorbyl|\bthd\b|tetrahexyldecyl",
    re.IGNORECASE,
)

TIMING_BEFORE = "before"
TIMING_DURING = "during"
TIMING_AFTER = "after"
TIMING_CHOICES = (
    (TIMING_BEFORE, "Before needling"),
    (TIMING_DURING, "During needling"),
    (TIMING_AFTER, "After needling"),
)


def is_vitamin_c(product: str, *, declared: bool = False) -> bool:
    """True for a product the practitioner marked as vitamin C or whose name says so."""
    return declared or bool(_VITAMIN_C.search(product or ""))


def vitamin_c_refusal(*, product: str, timing: str, declared: bool = False) -> str | None:
    """The refusal sentence if this would record vitamin C applied during needling."""
    if timing == TIMING_DURING and is_vitamin_c(product, declared=declared):
        return (
            f"{product or 'Vitamin C'} cannot be recorded as applied during needling: "
            "vitamin C serum is never applied to needled skin (A2, GR1)."
        )
    return None


# --- Validation of a protocol document -------------------------------------------


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        result = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if not result.is_finite():
        return None
    return result


def _depth_ok(value: Decimal | None) -> bool:
    # Two decimal places: what session records and plans store (0.25 mm steps and finer).
    return (
        value is not None
        and Decimal(0) < value <= MAX_DEPTH_MM
        and value == value.quantize(Decimal("0.01"))
    )


def _int_in(value: object, low: int, high: int) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def validate_protocol_data(data: object) -> dict[str, list[str]]:
    """Field path → messages; empty when the document is usable."""
    errors: dict[str, list[str]] = {}

    def err(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    if not isinstance(data, dict):
        return {"data": ["Expected an object with 'indications' and 'areas'."]}
    if _has_nul(data):  # PostgreSQL cannot store U+0000 in JSON
        return {"data": ["Text may not contain NUL characters."]}
    areas = data.get("areas")
    if not isinstance(areas, dict) or not areas:
        err("areas", "At least one area is required.")
        areas = {}
    for code, item in areas.items():
        path = f"areas.{code}"
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
            err(path, "Area codes are lower-case letters, digits and underscores.")
        if not isinstance(item, dict):
            err(path, "Expected an object.")
            continue
        if not isinstance(item.get("label"), str) or not item["label"].strip():
            err(f"{path}.label", "A label is required.")
        for key in ("thin_max_mm", "thick_max_mm"):
            value = _decimal(item.get(key))
            if not _depth_ok(value):
                err(f"{path}.{key}", DEPTH_MESSAGE)
    indications = data.get("indications")
    if not isinstance(indications, dict) or not indications:
        err("indications", "At least one indication is required.")
        indications = {}
    for code, item in indications.items():
        path = f"indications.{code}"
        if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code):
            err(path, "Indication codes are lower-case letters, digits and underscores.")
        if not isinstance(item, dict):
            err(path, "Expected an object.")
            continue
        if not isinstance(item.get("label"), str) or not item["label"].strip():
            err(f"{path}.label", "A label is required.")
        low, high = _decimal(item.get("depth_min_mm")), _decimal(item.get("depth_max_mm"))
        for key, value in (("depth_min_mm", low), ("depth_max_mm", high)):
            if not _depth_ok(value):
                err(f"{path}.{key}", DEPTH_MESSAGE)
        if low is not None and high is not None and low > high:
            err(f"{path}.depth_min_mm", "The minimum depth is above the maximum.")
        counts: dict[str, int] = {}
        for key in ("sessions", "sessions_min", "sessions_max"):
            if key not in item and key != "sessions":
                continue
            value = item.get(key)
            if not _int_in(value, 1, MAX_SESSIONS):
                err(f"{path}.{key}", f"A whole number of sessions from 1 to {MAX_SESSIONS}.")
            else:
                counts[key] = value
        if "sessions" in counts:
            lo = counts.get("sessions_min", counts["sessions"])
            hi = counts.get("sessions_max", counts["sessions"])
            if not lo <= counts["sessions"] <= hi:
                err(f"{path}.sessions", "The usual number lies outside its range.")
        interval = item.get("interval_days")
        if not _int_in(interval, 1, MAX_INTERVAL_DAYS):
            err(f"{path}.interval_days", f"A whole number of days from 1 to {MAX_INTERVAL_DAYS}.")
        for key in ("endpoint", "default_areas", "sources"):
            value = item.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                err(f"{path}.{key}", "Expected a list of codes.")
        default_areas = item.get("default_areas", [])
        if isinstance(default_areas, list):
            unknown = [a for a in default_areas if isinstance(a, str) and a not in areas]
            if unknown:
                err(f"{path}.default_areas", f"Unknown areas: {', '.join(unknown)}.")
    pih = data.get("pih", {})
    if not isinstance(pih, dict):
        err("pih", "Expected an object.")
    else:
        if "fitzpatrick_from" in pih and not _int_in(pih["fitzpatrick_from"], 1, 7):
            err("pih.fitzpatrick_from", "A Fitzpatrick type from 1 to 6 (7: never).")
        if not isinstance(pih.get("text", ""), str):
            err("pih.text", "Expected text.")
        sources = pih.get("sources", [])
        if not isinstance(sources, list) or not all(isinstance(v, str) for v in sources):
            err("pih.sources", "Expected a list of codes.")
    maintenance = data.get("maintenance", {})
    if not isinstance(maintenance, dict) or not isinstance(maintenance.get("text", ""), str):
        err("maintenance", "Expected an object with a text.")
    endpoints = data.get("endpoints", {})
    if not isinstance(endpoints, dict) or not all(isinstance(v, str) for v in endpoints.values()):
        err("endpoints", "Expected code → label.")
    return errors
