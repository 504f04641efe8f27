"""Waitlist pages (decision 0022).

Staff: ``/waitlist/`` (reception and up) lists the open entries and their offers, and
offers a free time by hand. Public (no login): ``/book/<slug>/waitlist/`` (a new client
waits for a consultation), ``/book/waitlist/course/<token>/`` (a returning client waits
for their course's next session), ``/book/waitlist/<token>/`` (the e-mail's link: see
one's place, leave the list).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from clinic.booking import links as booking_links
from clinic.booking import portal
from clinic.booking.models import AppointmentKind, BookingLink
from clinic.booking.views.portal import PublicClientForm
from clinic.messaging.links import BadLink
from clinic.messaging.views import private_response, refuse_link
from clinic.roles import Ability
from clinic.views import ClinicStaffMixin
from common.audit import audit_listed, audit_record, client_ip
from common.errors import ApplicationError, NotFound
from common.typing import AuthenticatedHttpRequest
from waitlist import links, selectors, services
from waitlist.models import EntryStatus
from waitlist.portal import course_waitlist_join, portal_waitlist_join
from waitlist.services import WAIT_AHEAD_DAYS

# --- staff --------------------------------------------------------------------------------


def _parse_slot(value: str) -> tuple[datetime, int | None] | None:
    start_text, _, practitioner_text = value.partition("|")
    try:
        start = datetime.fromisoformat(start_text)
    except ValueError:
        return None
    if timezone.is_naive(start):
        return None
    if practitioner_text and (not practitioner_text.isdigit() or len(practitioner_text) > 18):
        return None
    return start, int(practitioner_text) if practitioner_text else None


class WaitlistView(ClinicStaffMixin, View):
    """The open entries, oldest first, with their offers; ``?entry=&date=`` lists free
    times to offer one entry by hand."""

    def get(self, request: HttpRequest) -> HttpResponse:
        entries = list(selectors.waitlist_list(clinic=self.clinic)[:200])
        audit_listed(
            actor=request.user,
            object_type="waitlist_entry",
            rows=entries,
            clinic_id=self.clinic.pk,
            detail={"view": "waitlist"},
        )
        return render(request, "waitlist/waitlist.html", self._context(request, entries))

    def _context(self, request: HttpRequest, entries: list[Any]) -> dict[str, Any]:
        chosen = None
        slots: list[dict[str, Any]] = []
        day = None
        entry_id = request.GET.get("entry", "")
        if entry_id.isdigit() and len(entry_id) < 18:
            chosen = next((e for e in entries if e.pk == int(entry_id)), None)
        if chosen is not None and chosen.status == EntryStatus.WAITING:
            today = self.clinic.local_today()
            try:
                day = date.fromisoformat(request.GET.get("date", ""))
            except ValueError:
                day = max(chosen.date_from, today)
            day = min(max(day, today), today + timedelta(days=portal.SEARCH_AHEAD_DAYS))
            zone = self.clinic.zone
            for slot in portal.portal_slots(
                clinic=self.clinic,
                kind=chosen.kind,
                date_from=day,
                date_to=day,
                practitioner_id=chosen.practitioner_id,
            ):
                slots.append(
                    {
                        "value": f"{slot.start.isoformat()}|{slot.practitioner.pk}",
                        "local": slot.start.astimezone(zone),
                        "practitioner": str(slot.practitioner),
                    }
                )
        return {
            "entries": entries,
            "chosen": chosen,
            "day": day,
            "slots": slots,
            "zone": self.clinic.timezone,
            "offer_hold_minutes": self.clinic.portal_offer_hold_minutes,
        }


class WaitlistOfferView(ClinicStaffMixin, View):
    """Offer the chosen free time to one entry (held and e-mailed like any offer)."""

    required_ability = Ability.BOOK

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        try:
            entry = selectors.waitlist_entry_get(clinic=self.clinic, entry_id=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        slot = _parse_slot(request.POST.get("start", ""))
        if slot is None:
            messages.error(request, "Choose a time to offer.")
            return redirect(f"{reverse('waitlist')}?entry={pk}")
        try:
            services.waitlist_offer_by_hand(
                entry=entry, actor=request.user, start=slot[0], practitioner_id=slot[1]
            )
        except ApplicationError as exc:
            messages.error(request, exc.detail)
            return redirect(f"{reverse('waitlist')}?entry={pk}")
        messages.success(request, f"The time was offered to {entry.client.full_name}.")
        return redirect("waitlist")


class WaitlistRemoveView(ClinicStaffMixin, View):
    required_ability = Ability.BOOK

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        try:
            entry = selectors.waitlist_entry_get(clinic=self.clinic, entry_id=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc
        services.waitlist_leave(entry=entry, actor=request.user)
        messages.success(request, f"{entry.client.full_name} is off the waitlist.")
        return redirect("waitlist")


# --- public -------------------------------------------------------------------------------


class _DatesForm(forms.Form):
    date_from = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            today = timezone.localdate()
            if last < first:
                self.add_error("date_to", "Choose a date after the first one.")
            elif last < today:
                self.add_error("date_to", "Choose today or a later date.")
            elif last > today + timedelta(days=WAIT_AHEAD_DAYS):
                self.add_error("date_to", f"At most {WAIT_AHEAD_DAYS} days from today.")
        return data


class JoinForm(_DatesForm, PublicClientForm):
    """A new client asks to wait: the booking page's details, and the dates."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].help_text = ""
        self.fields["email"].help_text = "We e-mail you here when a time comes free."


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex"
    return response


def _add_errors(form: forms.Form, exc: ApplicationError) -> None:
    form.add_error(None, exc.detail)
    for field, problems in (exc.fields or {}).items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@require_http_methods(["GET", "POST"])
def join_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A new client asks to wait for a consultation."""
    try:
        clinic = portal.portal_clinic(slug=slug)
    except NotFound as exc:
        raise Http404(exc.detail) from exc
    form = JoinForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            honeypot = data.pop("website", "")
            try:
                detail = portal_waitlist_join(
                    clinic=clinic, data=data, address=client_ip(request), honeypot=honeypot
                )
            except ApplicationError as exc:
                status = exc.status_code
                _add_errors(form, exc)
            else:
                return _public(
                    render(
                        request,
                        "booking/portal_requested.html",
                        {"clinic": clinic, "detail": detail},
                    )
                )
        else:
            status = 400
    return _public(
        render(
            request,
            "waitlist/portal_join.html",
            {"clinic": clinic, "form": form, "course": None},
            status=status,
        )
    )


def _course_link(request: HttpRequest, token: str) -> BookingLink:
    try:
        link = booking_links.link_from_token(token)
    except BadLink as error:
        refuse_link(request, "booking_link", error, getattr(error, "link_id", ""))
    if link.treatment_plan is None or not link.clinic.portal_treatments:
        refuse_link(request, "booking_link", BadLink("not a course link"), link.pk)
    return link


# The signed token in the path is the permission (as on the booking link's page).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def course_join_page(request: HttpRequest, token: str) -> HttpResponse:
    """A returning client waits for their course's next session."""
    link = _course_link(request, token)
    form = _DatesForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                detail = course_waitlist_join(
                    link=link,
                    date_from=form.cleaned_data["date_from"],
                    date_to=form.cleaned_data["date_to"],
                )
            except ApplicationError as exc:
                status = exc.status_code
                _add_errors(form, exc)
            else:
                return private_response(
                    render(
                        request,
                        "booking/portal_requested.html",
                        {"clinic": link.clinic, "detail": detail},
                    )
                )
        else:
            status = 400
    return private_response(
        render(
            request,
            "waitlist/portal_join.html",
            {"clinic": link.clinic, "form": form, "course": link.treatment_plan},
            status=status,
        )
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def entry_page(request: HttpRequest, token: str) -> HttpResponse:
    """The client's place on the waitlist, from the e-mail's link; POST leaves it."""
    try:
        entry = links.entry_from_token(token)
    except BadLink as error:
        refuse_link(request, "waitlist_entry", error, getattr(error, "link_id", ""))
    done = ""
    if request.method == "POST":
        if request.POST.get("action") == "decline":
            services.waitlist_decline(entry=entry)
            done = "declined"
        else:
            services.waitlist_leave(entry=entry)
            done = "left"
        entry.refresh_from_db()
    else:
        audit_record(
            actor=None,
            action="read",
            object_type="waitlist_entry",
            object_id=entry.pk,
            clinic_id=entry.clinic_id,
            client_id=entry.client_id,
            channel="link",
        )
    open_offer = entry.offers.filter(status="open").select_related("link", "appointment").first()
    zone = entry.clinic.zone
    return private_response(
        render(
            request,
            "waitlist/portal_entry.html",
            {
                "clinic": entry.clinic,
                "entry": entry,
                "done": done,
                "offer": open_offer,
                "offer_start": open_offer.appointment.start.astimezone(zone)
                if open_offer
                else None,
                "offer_until": open_offer.expires_at.astimezone(zone) if open_offer else None,
                # Relative: the page is already on this site's address.
                "offer_url": reverse(
                    "portal-manage", args=[booking_links.token_for(open_offer.link)]
                )
                if open_offer
                else None,
                "kind_label": AppointmentKind(entry.kind).label,
            },
        )
    )
