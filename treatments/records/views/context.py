"""What the session pages show of a record: protocol labels, history, plan progress and
the previous session."""

from __future__ import annotations

from typing import Any

from treatments.plans.defaults import ADVERSE_EVENT_CHOICES, GAIS_CHOICES, GLOGAU_CHOICES
from treatments.records import selectors as session_selectors
from treatments.records.forms import AMENDABLE_FIELDS
from treatments.records.models import SessionStatus, TreatmentSession
from treatments.records.views.base import local, optional_url

ADVERSE_EVENT_LABELS = dict(ADVERSE_EVENT_CHOICES)


def protocol_context(session: TreatmentSession) -> dict[str, Any]:
    """The plan's protocol version, its area choices (planned ones first) and labels."""
    plan = session.plan
    engine = plan.protocol_set.engine()
    planned = [a for a in plan.areas if a in engine.areas]
    ordered = planned + [a for a in engine.areas if a not in planned]
    return {
        "engine": engine,
        "area_choices": [(code, engine.areas[code].label) for code in ordered],
        "area_labels": {code: a.label for code, a in engine.areas.items()},
        "endpoints": engine.endpoints,
        "indication_label": engine.indications[plan.indication].label
        if plan.indication in engine.indications
        else plan.get_indication_display(),
    }


def _history(session: TreatmentSession) -> list[dict[str, Any]]:
    """The selector's history with field names in words and from → to pairs."""
    labels = {"device": "Device", "ended_at": "End time", **dict(AMENDABLE_FIELDS)}
    shown = []
    for event in session_selectors.session_history(session=session):
        changes = []
        for name, change in (event.changes or {}).items():
            pair = change if isinstance(change, dict) else {"to": change}
            changes.append(
                {
                    "field": labels.get(name, name.replace("_", " ").capitalize()),
                    "from": pair.get("from"),
                    "to": pair.get("to"),
                }
            )
        shown.append({"event": event, "changes": changes})
    return shown


def _plan_progress(session: TreatmentSession) -> dict[str, Any]:
    signed = session_selectors.session_list(
        clinic=session.clinic, plan=session.plan, status=SessionStatus.SIGNED
    ).count()
    number = getattr(session, "plan_position", None) or signed + (0 if session.is_signed else 1)
    planned = session.plan.planned_sessions
    return {
        "number": number,
        "signed": signed,
        "planned": planned,
        "percent": min(100, round(100 * signed / planned)) if planned else 0,
        "plan_url": optional_url("plan-detail", session.plan.pk),
    }


def _choice_label(choices: list[tuple[int, str]], value: int | None) -> str | None:
    return dict(choices).get(value) if value is not None else None


def record_context(session: TreatmentSession) -> dict[str, Any]:
    zone = session.clinic.zone
    protocol = protocol_context(session)
    previous = session_selectors.session_previous(session=session)
    return {
        "session": session,
        "client": session.client,
        "plan": session.plan,
        "protocol": protocol,
        "zone": zone,
        "started_local": local(session.started_at, zone),
        "ended_local": local(session.ended_at, zone),
        "signed_local": local(session.signed_at, zone),
        "areas": [
            {"row": a, "label": protocol["area_labels"].get(a.area, a.area)}
            for a in session.areas.all()
        ],
        "products": list(session.products.all()),
        "photos": list(session.photos.all()),
        "adverse_events": [ADVERSE_EVENT_LABELS.get(c, c) for c in session.adverse_events or []],
        "endpoint_label": protocol["endpoints"].get(
            session.endpoint_reached, session.endpoint_reached
        ),
        "glogau_label": _choice_label(GLOGAU_CHOICES, session.glogau),
        "gais_label": _choice_label(GAIS_CHOICES, session.gais),
        "history": _history(session),
        "amended": session.amendments.exists(),
        "previous": _previous_context(previous, protocol),
        "progress": _plan_progress(session),
        "appointment_url": optional_url("appointment-detail", session.appointment_id),
    }


def _previous_context(
    previous: TreatmentSession | None, protocol: dict[str, Any]
) -> dict[str, Any] | None:
    if previous is None:
        return None
    return {
        "session": previous,
        "started_local": local(previous.started_at, previous.clinic.zone),
        "areas": [
            {"row": a, "label": protocol["area_labels"].get(a.area, a.area)}
            for a in previous.areas.all()
        ],
        "adverse_events": [ADVERSE_EVENT_LABELS.get(c, c) for c in previous.adverse_events or []],
        "endpoint_label": protocol["endpoints"].get(
            previous.endpoint_reached, previous.endpoint_reached
        ),
    }
