"""Aftercare e-mails: one registered kind per aftercare message kind (timeline.AFTERCARE_KINDS).

The text of each e-mail comes from the schedule's template version (one place per
fact: the e-mail, the PDF, the client page and the API all read the same item).
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.template.loader import render_to_string
from django.utils import timezone

from aftercare import links, pdf, timeline
from aftercare.models import AftercareSchedule
from aftercare.pdf import aftercare_pdf, pdf_filename
from clinic.booking import links as booking_links
from clinic.booking.models import ACTIVE_STATUSES, Appointment, AppointmentKind
from clinic.booking.portal import course_link_for
from clinic.messaging import kinds as messaging
from clinic.messaging import links as links_messaging
from clinic.messaging.models import OutgoingMessage, Unsubscription
from clinic.models import Client
from common.related_read import RelatedRead
from treatments.plans.models import PlanStatus
from treatments.records.models import SessionArea, SessionStatus, TreatmentSession

NEXT_SESSION = "aftercare_next_session"

# The schedule as read at send time, kept on the message being sent: the send-time
# checks and the renderer all need it, and one send should read it once.
_SCHEDULE_ATTRIBUTE = "_aftercare_schedule"
_ENTRIES_ATTRIBUTE = "_aftercare_entries"
# Read with the schedule (annotations): whether the client left this kind of message,
# and for the next-session invitation, the course's signed sessions and whether the
# client has booked a treatment since.
_UNSUBSCRIBED = "aftercare_client_unsubscribed"
_SIGNED_SESSIONS = "aftercare_signed_sessions"
_BOOKED = "aftercare_treatment_booked"


# The send-time read (decision 0015): the schedule with its template, client, session,
# plan and protocol version, as select_related would read them, in SQL written once per
# process from the models (compiling the ORM query cost more CPU than running it).
_READ = RelatedRead(
    AftercareSchedule,
    ("template", "client", "session", "session__plan", "session__plan__protocol_set"),
)


def _table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return connection.ops.quote_name(str(field.column))


@functools.cache
def _read_sql(vendor: str, invitation: bool) -> str:
    """The statement for one send; its parameters are :func:`_read_params`'.

    Table and column names come from the models; every value is a parameter.
    """
    schedule, session = _READ.alias(), _READ.alias("session")
    unsub, area, sess, appt = Unsubscription, SessionArea, TreatmentSession, Appointment
    extra = [
        # Whether the client left this kind of message (kinds.UNSUBSCRIBED_ANNOTATION).
        f"EXISTS (SELECT 1 FROM {_table(unsub)} u"  # noqa: S608
        f" WHERE u.{_column(unsub, 'client')} = {schedule}.{_column(AftercareSchedule, 'client')}"
        f" AND u.{_column(unsub, 'kind')} = %s)"
    ]
    if vendor == "postgresql":  # the PDF's cache key needs the areas, in their order
        extra.append(
            f"ARRAY(SELECT a.{_column(area, 'area')} FROM {_table(area)} a"  # noqa: S608
            f" WHERE a.{_column(area, 'session')}"
            f" = {schedule}.{_column(AftercareSchedule, 'session')}"
            # SessionArea.Meta.ordering
            f" ORDER BY a.{_column(area, 'position')}, a.{_column(area, 'id')})"
        )
    if invitation:
        statuses = ", ".join(["%s"] * len(ACTIVE_STATUSES))
        extra += [
            # The course's signed sessions.
            f"(SELECT COUNT(*) FROM {_table(sess)} s"  # noqa: S608
            f" WHERE s.{_column(sess, 'plan')} = {session}.{_column(sess, 'plan')}"
            f" AND s.{_column(sess, 'status')} = %s)",
            # A treatment booked since (booked now, starting later).
            f"EXISTS (SELECT 1 FROM {_table(appt)} b"  # noqa: S608
            f" WHERE b.{_column(appt, 'client')} = %s AND b.{_column(appt, 'kind')} = %s"
            f" AND b.{_column(appt, 'status')} IN ({statuses})"
            f" AND b.{_column(appt, 'start')} > %s)",
        ]
    return (
        f"SELECT {_READ.columns(connection)}, {', '.join(extra)}"  # noqa: S608
        f" FROM {_READ.tables(connection)}"
        f" WHERE {schedule}.{_column(AftercareSchedule, 'id')} = %s"
        f" AND {schedule}.{_column(AftercareSchedule, 'clinic')} = %s"
    )


def _read_params(message: OutgoingMessage, invitation: bool) -> list[Any]:
    params: list[Any] = [message.kind]
    if invitation:
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        params += [
            str(SessionStatus.SIGNED),
            message.client_id,
            str(AppointmentKind.TREATMENT),
            *(str(status) for status in ACTIVE_STATUSES),
            now,
        ]
    schedule_id = message.context.get("schedule_id")
    params += [None if schedule_id is None else int(schedule_id), message.clinic_id]
    return params


def _read_schedule(message: OutgoingMessage) -> AftercareSchedule | None:
    """The message's schedule with everything one send reads, in one query.

    The client (re-read at send time, decision 0015), the template, the session with
    its plan and protocol version, on PostgreSQL the session's area codes (the PDF's
    cache key needs them), and the next-session invitation's two checks. The clinic
    is the message's, read when the batch was claimed.
    """
    invitation = message.kind == NEXT_SESSION
    with connection.cursor() as cursor:
        cursor.execute(_read_sql(connection.vendor, invitation), _read_params(message, invitation))
        row = cursor.fetchone()
    if row is None:
        return None
    schedule = _READ.build(row, connection)
    assert isinstance(schedule, AftercareSchedule)
    extra = iter(row[_READ.width :])
    setattr(schedule, _UNSUBSCRIBED, bool(next(extra)))
    if connection.vendor == "postgresql":
        setattr(schedule, pdf.AREA_CODES, list(next(extra)))
    if invitation:
        setattr(schedule, _SIGNED_SESSIONS, int(next(extra)))
        setattr(schedule, _BOOKED, bool(next(extra)))
    return schedule


def _schedule(message: OutgoingMessage) -> AftercareSchedule | None:
    if _SCHEDULE_ATTRIBUTE in message.__dict__:
        cached: AftercareSchedule | None = message.__dict__[_SCHEDULE_ATTRIBUTE]
        return cached
    schedule = _read_schedule(message)
    if schedule is not None:
        schedule.clinic = message.clinic
    message.__dict__[_SCHEDULE_ATTRIBUTE] = schedule
    return schedule


def _read_at_send(message: OutgoingMessage) -> Client | None:
    """The client as they are now, read with the schedule (None: no schedule, the
    sender reads the client itself and the check below cancels the message)."""
    schedule = _schedule(message)
    if schedule is None or schedule.client_id != message.client_id:
        return None
    client = schedule.client
    setattr(client, messaging.UNSUBSCRIBED_ANNOTATION, getattr(schedule, _UNSUBSCRIBED))
    return client


def _entries(schedule: AftercareSchedule) -> list[timeline.Entry]:
    """The schedule's timeline, built once per send: the check, the e-mail and the PDF
    all read it."""
    if _ENTRIES_ATTRIBUTE not in schedule.__dict__:
        schedule.__dict__[_ENTRIES_ATTRIBUTE] = schedule.entries()
    entries: list[timeline.Entry] = schedule.__dict__[_ENTRIES_ATTRIBUTE]
    return entries


def _entry(schedule: AftercareSchedule, code: str) -> timeline.Entry | None:
    return next((e for e in _entries(schedule) if e.code == code), None)


def _still_wanted(message: OutgoingMessage) -> str | None:

    schedule = _schedule(message)
    if schedule is None:
        return "The aftercare schedule no longer exists."
    if schedule.cancelled_at is not None:
        reason = schedule.cancelled_reason.rstrip(". ") or "no reason given"
        return f"Aftercare was cancelled: {reason}."
    if schedule.session.status != SessionStatus.SIGNED:
        return "The session is no longer signed."
    if _entry(schedule, message.context.get("entry", "")) is None:
        return "This moment is no longer part of the session's aftercare."
    return None


def _next_session_still_wanted(message: OutgoingMessage) -> str | None:

    reason = _still_wanted(message)
    if reason is not None:
        return reason
    schedule = _schedule(message)
    assert schedule is not None
    plan = schedule.session.plan
    if plan.status != PlanStatus.ACTIVE:
        return f"The course is {plan.get_status_display().lower()}."
    if getattr(schedule, _SIGNED_SESSIONS) >= plan.planned_sessions:
        return "The course is complete."
    if getattr(schedule, _BOOKED):
        return "The client has already booked their next treatment."
    return None


def _course_booking_url(schedule: AftercareSchedule, kind: str) -> str:
    """The signed link that books the course's next session, in the invitation only."""
    clinic = schedule.clinic
    if kind != "aftercare_next_session" or not (clinic.portal_enabled and clinic.portal_treatments):
        return ""
    plan = schedule.session.plan
    if plan is None or plan.status != PlanStatus.ACTIVE:
        return ""
    return booking_links.manage_url(course_link_for(plan=plan))


def render_aftercare(message: OutgoingMessage) -> messaging.EmailContent:
    schedule = _schedule(message)
    if schedule is None:  # still_wanted stops this first; be safe anyway
        raise LookupError("aftercare schedule missing")
    entry = _entry(schedule, message.context.get("entry", ""))
    if entry is None:
        raise LookupError("aftercare entry missing")
    clinic, client = schedule.clinic, schedule.client
    unsubscribe_url = (
        links_messaging.unsubscribe_url(client.pk, message.kind) if entry.item.optional else ""
    )
    context = {
        "clinic": clinic,
        "client": client,
        "entry": entry,
        "item": entry.item,
        "session_local": schedule.ended_at.astimezone(schedule.zone),
        "warning_signs": schedule.template.warning_signs,
        "page_url": links.page_url(schedule.pk),
        "unsubscribe_url": unsubscribe_url,
        "kind_label": timeline.AFTERCARE_KINDS[message.kind]["label"],
        "zone": schedule.timezone,
        # The client lives in another zone than the clinic: say which zone times are in.
        "show_zone": schedule.timezone != clinic.timezone,
        # The next-session invitation books online when the clinic allows (decision 0021).
        "book_url": _course_booking_url(schedule, message.kind),
    }
    logo, inline_images = messaging.clinic_logo_inline(clinic)
    context.update(logo)
    subject = " ".join(render_to_string("emails/aftercare_subject.txt", context).split())
    headers = {}
    if unsubscribe_url:
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    # Cached by the PDF task; rendered here if that has not run yet (docs/decisions/0006).
    pdf = aftercare_pdf(schedule_id=schedule.pk, schedule=schedule, entries=_entries(schedule))
    return messaging.EmailContent(
        subject=subject,
        text=render_to_string("emails/aftercare.txt", context),
        html=render_to_string("emails/aftercare.html", context),
        to=[client.email],
        attachments=[(pdf_filename(schedule), pdf, "application/pdf")],
        headers=headers,
        inline_images=inline_images,
    )


def register_kinds() -> None:
    for name, spec in timeline.AFTERCARE_KINDS.items():
        messaging.register(
            messaging.MessageKind(
                name=name,
                render=render_aftercare,
                still_wanted=(
                    _next_session_still_wanted if name == NEXT_SESSION else _still_wanted
                ),
                optional=spec["optional"],
                label=spec["label"],
                max_lateness=spec["late_after"],
                read_at_send=_read_at_send,
            )
        )
