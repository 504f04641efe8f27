"""The public booking pages (no login, no JavaScript needed; decision 0021).

``/book/<slug>/``: a new client picks a consultation time and asks for it; the e-mail's
link confirms it. ``/book/manage/<token>/``: the client's signed link: confirm, move or
cancel a booking, or book the next session of a course.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from clinic.booking import links, portal
from clinic.booking.models import AppointmentKind, AppointmentStatus, BookingLink
from clinic.messaging.links import BadLink
from clinic.messaging.views import private_response, refuse_link
from clinic.models import Clinic
from common.audit import client_ip
from common.errors import ApplicationError, NotFound
from treatments.screening.intake import intake_url_for_course

#: Days offered as links around the chosen one (a week); one day's times are shown.
WEEK = 7


class PublicClientForm(forms.Form):
    """A new client's details on a public page (a booking request, the waitlist);
    ``website`` is the honeypot (hidden from people)."""

    first_name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    date_of_birth = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        help_text="Treatments are for adults; we check this at the consultation.",
    )
    email = forms.EmailField(
        label="E-mail",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="We send the link that confirms your booking here.",
    )
    phone = forms.CharField(
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    website = forms.CharField(
        required=False,
        max_length=200,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_date_of_birth(self) -> date:
        value: date = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate() or value.year < 1900:
            raise forms.ValidationError("Check the date of birth.")
        return value


def _chosen_day(request: HttpRequest, clinic: Clinic, default: date | None = None) -> date:
    today = clinic.local_today()
    try:
        chosen = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        chosen = default or today
    latest = today + timedelta(days=portal.SEARCH_AHEAD_DAYS)
    return min(max(chosen, today), latest)


def _by_day(
    clinic: Clinic, slots: list[portal.PublicSlot]
) -> OrderedDict[date, list[dict[str, Any]]]:
    days: OrderedDict[date, list[dict[str, Any]]] = OrderedDict()
    show = clinic.portal_show_practitioners
    for slot in slots:
        local = slot.start.astimezone(clinic.zone)
        value = slot.start.isoformat()
        if show:
            value = f"{value}|{slot.practitioner.pk}"
        days.setdefault(local.date(), []).append(
            {
                "value": value,
                "local": local,
                "practitioner": str(slot.practitioner) if show else "",
            }
        )
    return days


def _chosen_slot(value: str) -> tuple[datetime, int | None] | None:
    """``start`` or ``start|practitioner`` from the slot radios, or None."""
    start_text, _, practitioner_text = value.partition("|")
    try:
        start = datetime.fromisoformat(start_text)
    except ValueError:
        return None
    if timezone.is_naive(start):
        return None
    practitioner = None
    if practitioner_text:
        if not practitioner_text.isdigit() or len(practitioner_text) > 18:
            return None
        practitioner = int(practitioner_text)
    return start, practitioner


def _week_context(
    request: HttpRequest, clinic: Clinic, slots_for, default: date | None = None
) -> dict[str, Any]:
    """One day's free times (a phone screen), and links to the days around it."""
    day = _chosen_day(request, clinic, default)
    today = clinic.local_today()
    last = today + timedelta(days=portal.SEARCH_AHEAD_DAYS)
    first_shown = max(today, day - timedelta(days=3))
    shown = [first_shown + timedelta(days=n) for n in range(WEEK)]
    return {
        "day": day,
        "day_links": [d for d in shown if d <= last],
        "previous_day": day - timedelta(days=1) if day > today else None,
        "next_day": day + timedelta(days=1) if day < last else None,
        "days": _by_day(clinic, slots_for(day, day)),
        "zone": clinic.timezone,
    }


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def book_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A new client books a consultation (the clinic's public page)."""
    try:
        clinic = portal.portal_clinic(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    form = PublicClientForm(request.POST or None)
    status = 200
    slot_error = ""
    chosen = request.POST.get("start", "")
    if request.method == "POST":
        slot = _chosen_slot(chosen)
        if slot is None:
            slot_error = "Choose a time."
        if form.is_valid() and slot is not None:
            data = {**form.cleaned_data, "start": slot[0], "practitioner": slot[1]}
            honeypot = data.pop("website", "")
            try:
                answer = portal.portal_request(
                    clinic=clinic, data=data, address=client_ip(request), honeypot=honeypot
                )
            except ApplicationError as exc:
                status = exc.status_code
                if exc.code == "slot_unavailable":
                    slot_error = exc.detail
                else:
                    form.add_error(None, exc.detail)
                    for field, messages in (exc.fields or {}).items():
                        for message in messages:
                            form.add_error(field if field in form.fields else None, message)
            else:
                return _public(
                    render(
                        request,
                        "booking/portal_requested.html",
                        {"clinic": clinic, "detail": answer.detail},
                    )
                )
        else:
            status = 400
    context = {
        "clinic": clinic,
        "form": form,
        "slot_error": slot_error,
        "chosen": chosen,
        "duration": clinic.portal_consultation_minutes,
        **_week_context(
            request,
            clinic,
            lambda first, last: portal.portal_slots(
                clinic=clinic,
                kind=AppointmentKind.CONSULTATION,
                date_from=first,
                date_to=last,
            ),
        ),
    }
    return _public(render(request, "booking/portal_book.html", context, status=status))


@require_GET
def clinic_logo(request: HttpRequest, slug: str) -> FileResponse:
    """The clinic's logo on its public pages (only while online booking is on)."""
    try:
        clinic = portal.portal_clinic(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    if not clinic.logo:
        raise Http404("No logo.")
    try:
        handle = clinic.logo.open("rb")
    except FileNotFoundError as exc:
        raise Http404("No logo.") from exc
    response = FileResponse(handle, content_type=clinic.logo_content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _link_or_404(request: HttpRequest, token: str) -> BookingLink:
    try:
        return links.link_from_token(token)
    except BadLink as error:
        refuse_link(request, "booking_link", error, getattr(error, "link_id", ""))


# The signed token in the path is the permission (as on the readiness page): the page
# sends no Referer, so browsers post with ``Origin: null``, which CSRF's check refuses.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def manage_page(request: HttpRequest, token: str) -> HttpResponse:
    """The client's booking: confirm it, move it, cancel it (or book a course session)."""
    link = _link_or_404(request, token)
    clinic = link.clinic
    if link.appointment is None:
        return _course_page(request, link)
    appointment = link.appointment
    message = ""
    error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "confirm":
                appointment = portal.portal_confirm(link=link)
                message = "Your booking is confirmed. We have e-mailed you the details."
            elif action == "cancel":
                appointment = portal.portal_cancel(link=link)
                message = "Your appointment is cancelled."
            elif action == "reschedule":
                slot = _chosen_slot(request.POST.get("start", ""))
                if slot is None:
                    raise ApplicationError("Choose a new time.")
                appointment = portal.portal_reschedule(
                    link=link, start=slot[0], practitioner_id=slot[1]
                )
                message = "Your appointment has moved. We have e-mailed you the new time."
            else:
                raise ApplicationError("Choose what to do.")
        except ApplicationError as exc:
            error = exc.detail
            status = exc.status_code
            appointment.refresh_from_db()
    else:
        portal.link_viewed(link=link)
    can_change = appointment.status == AppointmentStatus.BOOKED and portal.can_change_online(
        appointment
    )
    context: dict[str, Any] = {
        "clinic": clinic,
        "client": link.client,
        "appointment": appointment,
        "local_start": appointment.start.astimezone(clinic.zone),
        "local_end": appointment.end.astimezone(clinic.zone),
        "change_until": portal.notice_ends(appointment).astimezone(clinic.zone),
        "hold_until": appointment.hold_expires_at.astimezone(clinic.zone)
        if appointment.hold_expires_at
        else None,
        "can_change": can_change,
        "show_names": clinic.portal_show_practitioners,
        "message": message,
        "error": error,
        "zone": clinic.timezone,
    }
    if can_change and request.GET.get("move"):
        context.update(
            _week_context(
                request,
                clinic,
                lambda first, last: [
                    slot
                    for slot in portal.portal_slots(
                        clinic=clinic,
                        kind=appointment.kind,
                        date_from=first,
                        date_to=last,
                        device=appointment.device,
                    )
                    if slot.start >= portal.earliest_online_change(clinic)
                ],
                # The appointment's own day first: the times around the one booked.
                default=appointment.start.astimezone(clinic.zone).date(),
            )
        )
        context["moving"] = True
    response = render(request, "booking/portal_manage.html", context, status=status)
    return private_response(response)


def _course_page(request: HttpRequest, link: BookingLink) -> HttpResponse:
    """A returning client books the next session of their course: only dates the one
    booking decision accepts are offered; refused dates say why."""
    clinic = link.clinic
    if not clinic.portal_treatments:
        refuse_link(request, "booking_link", BadLink("treatments not bookable online"), link.pk)
    error = ""
    status = 200
    if request.method == "POST":
        slot = _chosen_slot(request.POST.get("start", ""))
        try:
            if slot is None:
                raise ApplicationError("Choose a time.")
            portal.portal_book_course(link=link, start=slot[0])
        except ApplicationError as exc:
            error = exc.detail
            status = exc.status_code
        else:
            response = render(
                request,
                "booking/portal_requested.html",
                {
                    "clinic": clinic,
                    "detail": portal.REQUEST_ANSWER.format(minutes=clinic.portal_hold_minutes),
                },
            )
            return private_response(response)
    else:
        portal.link_viewed(link=link)
    refused: dict[date, str] = {}

    def slots_for(first: date, last: date) -> list[portal.PublicSlot]:
        offered, refused_days = portal.course_slots(link=link, date_from=first, date_to=last)
        refused.update(refused_days)
        return offered

    context = {
        "clinic": clinic,
        "client": link.client,
        "plan": link.treatment_plan,
        "error": error,
        "duration": clinic.portal_treatment_minutes,
        **_week_context(request, clinic, slots_for),
    }
    context["refused"] = sorted(refused.items())
    context["screening_needed"] = portal.SCREENING_TOO_OLD in refused.values()
    if context["screening_needed"]:
        # Sent to the online intake first (decision 0020): new answers, which staff
        # confirm before they count for a treatment.
        context["intake_url"] = intake_url_for_course(link.client)
    response = render(request, "booking/portal_course.html", context, status=status)
    return private_response(response)
