"""Preparation e-mails: one registered kind per moment (timeline.PRECARE_KINDS).

The moment's text comes from the schedule's template version; the dated list from the
screening rule set in force when the e-mail is made (precare.content).

And one e-mail to the clinic itself: ``readiness_flag``, when a client's readiness
answers block the treatment (DOMAIN.md §6: "reception ... is e-mailed"), one per
blocking response.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from clinic.booking.models import AppointmentKind, AppointmentStatus
from clinic.messaging import kinds as messaging
from clinic.messaging import links as links_messaging
from clinic.messaging.models import OutgoingMessage
from precare import readiness, timeline
from precare.content import local_today, preparation_for
from precare.models import PrecareSchedule, ReadinessResponse, ReadinessStatus
from precare.pdf import pdf_filename, precare_pdf
from treatments.screening.selectors import BLOCKING

#: Before the visit, a booking may still change: only these statuses still want preparation.
WAITING = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


def _schedule(message: OutgoingMessage) -> PrecareSchedule | None:
    return (
        PrecareSchedule.objects.select_related(
            "template", "clinic", "client", "appointment__practitioner"
        )
        .filter(pk=message.context.get("schedule_id"), clinic_id=message.clinic_id)
        .first()
    )


def _entry(schedule: PrecareSchedule, code: str) -> timeline.Entry | None:
    return next((e for e in schedule.entries() if e.code == code), None)


def _still_wanted(message: OutgoingMessage) -> str | None:
    schedule = _schedule(message)
    if schedule is None:
        return "The preparation schedule no longer exists."
    if schedule.cancelled_at is not None:
        return f"Preparation was cancelled: {schedule.cancelled_reason or 'no reason given'}."
    appointment = schedule.appointment
    if appointment.status not in WAITING:
        return f"The appointment is {appointment.get_status_display().lower()}."
    if appointment.kind != AppointmentKind.TREATMENT:
        return "The appointment is no longer a treatment."
    if appointment.sequence != message.context.get("sequence"):
        return "The appointment changed since; a newer message replaces this one."
    if appointment.start <= timezone.now():
        return "The appointment has already started."
    if _entry(schedule, message.context.get("entry", "")) is None:
        return "This moment is no longer part of the preparation."
    return None


def render_precare(message: OutgoingMessage) -> messaging.EmailContent:
    schedule = _schedule(message)
    if schedule is None:  # still_wanted stops this first; be safe anyway
        raise LookupError("preparation schedule missing")
    entry = _entry(schedule, message.context.get("entry", ""))
    if entry is None:
        raise LookupError("preparation entry missing")
    preparation = preparation_for(schedule)
    clinic, client = schedule.clinic, schedule.client
    today = preparation.planned_on if entry.item.offset.type == "booking" else local_today(schedule)
    unsubscribe_url = (
        links_messaging.unsubscribe_url(client.pk, message.kind) if entry.item.optional else ""
    )
    is_readiness = entry.item.kind == "readiness_check"
    context = {
        "clinic": clinic,
        "client": client,
        "item": entry.item,
        "entry": entry,
        "appointment": schedule.appointment,
        "local_start": preparation.local_start,
        "dated": preparation.sentences(on=today),
        "show_dated": entry.item.kind in ("precare_booking", "precare_14d", "precare_7d"),
        "show_lists": entry.item.kind in ("precare_booking", "precare_day_before"),
        "bring": preparation.template.bring,
        "tell": preparation.template.tell,
        "rule_set_version": preparation.rule_set_version,
        "template_version": schedule.template.version,
        "readiness_url": readiness.readiness_url(schedule) if is_readiness else None,
        "is_readiness": is_readiness,
        "unsubscribe_url": unsubscribe_url,
        "kind_label": timeline.PRECARE_KINDS[message.kind]["label"],
        "zone": schedule.timezone,
    }
    logo, inline_images = messaging.clinic_logo_inline(clinic)
    context.update(logo)
    subject = " ".join(render_to_string("emails/precare_subject.txt", context).split())
    headers = {}
    if unsubscribe_url:
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    attachments: list[messaging.Attachment] = []
    if entry.item.kind == "precare_booking":
        attachments.append(
            (pdf_filename(schedule), precare_pdf(schedule_id=schedule.pk), "application/pdf")
        )
    return messaging.EmailContent(
        subject=subject,
        text=render_to_string("emails/precare.txt", context),
        html=render_to_string("emails/precare.html", context),
        to=[client.email],
        attachments=attachments,
        headers=headers,
        inline_images=inline_images,
    )


# --- the clinic's e-mail when readiness answers block the treatment ---------------------

READINESS_FLAG = readiness.READINESS_FLAG


def _flag_response(message: OutgoingMessage) -> ReadinessResponse | None:
    return (
        ReadinessResponse.objects.select_related(
            "clinic",
            "screening",
            "appointment__client",
            "appointment__practitioner",
            "appointment__room",
        )
        .filter(pk=message.context.get("response_id"), clinic_id=message.clinic_id)
        .first()
    )


def _flag_still_wanted(message: OutgoingMessage) -> str | None:
    response = _flag_response(message)
    if response is None or response.status != ReadinessStatus.BLOCKED:
        return "The readiness answer no longer exists."
    appointment = response.appointment
    if appointment.status not in WAITING:
        return f"The appointment is {appointment.get_status_display().lower()}."
    return None


def render_readiness_flag(message: OutgoingMessage) -> messaging.EmailContent:
    """To the clinic's own address: who, when, what blocks, the appointment's page.

    No answers beyond the findings that block: staff open the appointment for the rest.
    """
    response = _flag_response(message)
    if response is None:  # _flag_still_wanted stops this first
        raise LookupError("readiness response missing")
    appointment = response.appointment
    clinic = response.clinic
    findings = [
        f
        for f in (response.screening.findings if response.screening is not None else [])
        if f.get("severity") in BLOCKING
    ]
    context = {
        "clinic": clinic,
        "client": appointment.client,
        "appointment": appointment,
        "local_start": appointment.start.astimezone(clinic.zone),
        "zone": clinic.timezone,
        "outcome": response.outcome,
        "findings": findings,
        "answered_at": response.created_at.astimezone(clinic.zone),
        "appointment_url": links_messaging.absolute(
            reverse("appointment-detail", args=[appointment.pk])
        ),
    }
    logo, inline_images = messaging.clinic_logo_inline(clinic)
    context.update(logo)
    return messaging.EmailContent(
        subject=" ".join(render_to_string("emails/readiness_flag_subject.txt", context).split()),
        text=render_to_string("emails/readiness_flag.txt", context),
        html=render_to_string("emails/readiness_flag.html", context),
        inline_images=inline_images,
        to=[clinic.effective_reply_to],
    )


def register_kinds() -> None:
    for name, spec in timeline.PRECARE_KINDS.items():
        messaging.register(
            messaging.MessageKind(
                name=name,
                render=render_precare,
                still_wanted=_still_wanted,
                optional=spec["optional"],
                label=spec["label"],
            )
        )
    messaging.register(
        messaging.MessageKind(
            name=READINESS_FLAG,
            render=render_readiness_flag,
            still_wanted=_flag_still_wanted,
            label="Readiness flag (to the clinic)",
            audience="clinic",
        )
    )
