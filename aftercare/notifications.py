"""Aftercare e-mails: one registered kind per aftercare message kind (timeline.AFTERCARE_KINDS).

The text of each e-mail comes from the schedule's template version (one place per
fact: the e-mail, the PDF, the client page and the API all read the same item).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from aftercare import links, timeline
from aftercare.models import AftercareSchedule
from aftercare.pdf import aftercare_pdf, pdf_filename
from clinic.booking import links as booking_links
from clinic.booking.models import ACTIVE_STATUSES, Appointment, AppointmentKind
from clinic.booking.portal import course_link_for
from clinic.messaging import kinds as messaging
from clinic.messaging import links as links_messaging
from clinic.messaging.models import OutgoingMessage
from treatments.plans.models import PlanStatus
from treatments.records.models import SessionStatus

# The schedule as read at send time, kept on the message being sent: the send-time
# checks and the renderer all need it, and one send should read it once.
_SCHEDULE_ATTRIBUTE = "_aftercare_schedule"


def _schedule(message: OutgoingMessage) -> AftercareSchedule | None:
    if _SCHEDULE_ATTRIBUTE in message.__dict__:
        cached: AftercareSchedule | None = message.__dict__[_SCHEDULE_ATTRIBUTE]
        return cached
    schedule = (
        AftercareSchedule.objects.select_related(
            "template", "clinic", "client", "session__plan__protocol_set"
        )
        .filter(pk=message.context.get("schedule_id"), clinic_id=message.clinic_id)
        .first()
    )
    message.__dict__[_SCHEDULE_ATTRIBUTE] = schedule
    return schedule


def _entry(schedule: AftercareSchedule, code: str) -> timeline.Entry | None:
    return next((e for e in schedule.entries() if e.code == code), None)


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
    if plan.sessions.filter(status=SessionStatus.SIGNED).count() >= plan.planned_sessions:
        return "The course is complete."
    booked = Appointment.objects.filter(
        client_id=message.client_id,
        kind=AppointmentKind.TREATMENT,
        status__in=ACTIVE_STATUSES,
        start__gt=timezone.now(),
    ).exists()
    if booked:
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
    subject = " ".join(render_to_string("emails/aftercare_subject.txt", context).split())
    headers = {}
    if unsubscribe_url:
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    # Cached by the PDF task; rendered here if that has not run yet (docs/decisions/0006).
    pdf = aftercare_pdf(schedule_id=schedule.pk, schedule=schedule)
    return messaging.EmailContent(
        subject=subject,
        text=render_to_string("emails/aftercare.txt", context),
        html=render_to_string("emails/aftercare.html", context),
        to=[client.email],
        attachments=[(pdf_filename(schedule), pdf, "application/pdf")],
        headers=headers,
    )


def register_kinds() -> None:
    for name, spec in timeline.AFTERCARE_KINDS.items():
        messaging.register(
            messaging.MessageKind(
                name=name,
                render=render_aftercare,
                still_wanted=(
                    _next_session_still_wanted
                    if name == "aftercare_next_session"
                    else _still_wanted
                ),
                optional=spec["optional"],
                label=spec["label"],
                max_lateness=spec["late_after"],
            )
        )
