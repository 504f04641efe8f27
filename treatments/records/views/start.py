"""The start page: the start gates as a checklist, and the Start button."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views import View

from clinic.access import acting_user
from clinic.booking import selectors as booking_selectors
from clinic.booking.models import Appointment
from common.errors import ApplicationError, NotFound
from common.typing import AuthenticatedHttpRequest
from treatments.plans.models import TreatmentPlan
from treatments.records import audit as session_audit
from treatments.records import start as session_start
from treatments.records.forms import StartForm, add_error
from treatments.records.views.base import SessionPageMixin, local, optional_url, status_of

RECONFIRM = "screening_not_confirmed_today"

#: The start checklist: each gate and the blocker codes that belong to it, in order.
START_GATES: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "appointment",
        "Treatment appointment today",
        ("appointment_not_treatment", "appointment_not_active", "appointment_not_today"),
    ),
    ("session", "Not started yet", ("already_started",)),
    ("plan", "Treatment plan", ("plan_missing",)),
    (
        "screening",
        "Valid screening",
        ("screening_missing", "screening_blocks_treatment", RECONFIRM),
    ),
    ("review", "Practitioner's review of a caution result", ("screening_review_missing",)),
    ("consent", "Consent to the current consent text", ("consent_missing", "consent_outdated")),
]

# --- blockers --------------------------------------------------------------------------

#: A blocker from the start check, or as a refused start lists it (``StartBlocker.to_dict``).
Blocker: TypeAlias = session_start.StartBlocker | Mapping[str, Any]


@dataclass
class ShownBlocker:
    code: str
    detail: str
    fix_label: str = ""
    fix_url: str | None = None


@dataclass
class Gate:
    code: str
    label: str
    blockers: list[ShownBlocker] = field(default_factory=list)
    #: Nothing to do for this client (no caution result: no review). Shown as such,
    #: never as "Done".
    not_needed: bool = False
    #: Cannot be told yet (whether a review is needed depends on a screening to come).
    pending: bool = False

    @property
    def ok(self) -> bool:
        return not self.blockers

    @property
    def state(self) -> str:
        if self.blockers:
            return "Missing"
        if self.not_needed:
            return "Not needed"
        if self.pending:
            return "After the screening"
        return "Done"


def _blocker_fields(blocker: Blocker) -> tuple[str, str, str | None]:
    if isinstance(blocker, dict):
        return blocker.get("code", ""), blocker.get("detail", ""), blocker.get("action")
    return (
        getattr(blocker, "code", ""),
        getattr(blocker, "detail", ""),
        getattr(blocker, "action", None),
    )


def _fix(code: str, appointment: Appointment) -> tuple[str, str | None]:
    client = appointment.client
    if code in ("screening_missing", "screening_blocks_treatment", RECONFIRM):
        return "Screen the client", optional_url("screening-new", client.pk)
    if code == "screening_review_missing":
        screening = appointment.screening or (
            client.screenings.order_by("-taken_at", "-id").first()
        )
        if screening is None:
            return "", None
        # The review form lives on the screening's page (screening-review takes its POST).
        return "Review the screening", optional_url("screening-detail", screening.pk)
    if code in ("consent_missing", "consent_outdated"):
        return "Take the client's consent", optional_url("consent-new", client.pk)
    if code == "plan_missing":
        return "Plan the course", optional_url("plan-new", client.pk) or optional_url(
            "client-detail", client.pk
        )
    if code == "already_started":
        session = getattr(appointment, "treatment_session", None)
        return "Open the session", reverse("session-detail", args=[session.pk]) if session else None
    if code.startswith("appointment_"):
        return "Open the appointment", optional_url("appointment-detail", appointment.pk)
    return "", None


def start_gates(
    blockers: Sequence[Blocker], appointment: Appointment, *, outcome: str | None = None
) -> list[Gate]:
    """The checklist. ``outcome`` is the screening's (None: no valid screening): the
    review gate is "Done" only after a caution result was reviewed."""
    gates = [Gate(code, label) for code, label, _ in START_GATES]
    review = next(gate for gate in gates if gate.code == "review")
    review.not_needed = outcome is not None and outcome != "caution"
    review.pending = outcome is None
    by_code = {
        code: gate for gate, (_, _, codes) in zip(gates, START_GATES, strict=True) for code in codes
    }
    other = Gate("other", "Other")
    for blocker in blockers:
        code, detail, _action = _blocker_fields(blocker)
        label, url = _fix(code, appointment)
        by_code.get(code, other).blockers.append(ShownBlocker(code, detail, label, url))
    return gates + ([other] if other.blockers else [])


# --- start -----------------------------------------------------------------------------


class SessionStartView(SessionPageMixin, View):
    """The start checklist for an appointment, and the Start button."""

    def get_appointment(self, pk: int) -> Appointment:
        try:
            return booking_selectors.appointment_get(clinic=self.clinic, appointment_id=pk)
        except NotFound as exc:
            raise Http404(exc.detail) from exc

    def active_plans(self, appointment: Appointment) -> list[TreatmentPlan]:
        if appointment.treatment_plan_id:
            return []
        return list(
            TreatmentPlan.objects.filter(
                clinic=self.clinic, client=appointment.client, status="active"
            ).order_by("-created_at")
        )

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        appointment = self.get_appointment(pk)
        session = getattr(appointment, "treatment_session", None)
        if session is not None:
            return HttpResponseRedirect(reverse("session-detail", args=[session.pk]))
        plans = self.active_plans(appointment)
        return self._render(request, appointment, StartForm(plans=plans), plans)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        appointment = self.get_appointment(pk)
        self.require_recorder()
        plans = self.active_plans(appointment)
        form = StartForm(request.POST, plans=plans)
        if not form.is_valid():
            return self._render(request, appointment, form, plans, status=400)
        plan = None
        if form.cleaned_data["plan"]:
            plan = next((p for p in plans if p.pk == form.cleaned_data["plan"]), None)
        try:
            session = session_start.session_start(
                clinic=self.clinic,
                actor=request.user,
                appointment=appointment,
                plan=plan,
                screening_reconfirmed=form.cleaned_data["screening_reconfirmed"],
            )
        except ApplicationError as exc:
            if exc.status_code == 403:
                raise PermissionDenied(exc.detail) from exc
            if exc.code == "session_start_blocked":
                missing = exc.extra.get("missing") or []
                if any(_blocker_fields(b)[0] == RECONFIRM for b in missing):
                    add_error(
                        form,
                        "screening_reconfirmed",
                        "Ask the client whether anything has changed since the screening, "
                        "then tick this box (or take a new screening).",
                    )
                return self._render(request, appointment, form, plans, blockers=missing, status=409)
            add_error(form, None, exc.detail)
            return self._render(request, appointment, form, plans, status=status_of(exc))
        messages.success(request, f"Session started for {appointment.client.full_name}.")
        return HttpResponseRedirect(reverse("session-edit", args=[session.pk]))

    def _render(
        self,
        request: HttpRequest,
        appointment: Appointment,
        form: StartForm,
        plans: list[TreatmentPlan],
        blockers: Sequence[Blocker] | None = None,
        status: int = 200,
    ) -> HttpResponse:
        checked = session_start.session_start_gates(
            clinic=self.clinic, appointment=appointment, screening_reconfirmed=False
        )
        if blockers is None:
            blockers = checked.blockers
        session_audit.session_start_checked(
            appointment=appointment, actor=acting_user(request), blockers=blockers
        )
        codes = [_blocker_fields(b)[0] for b in blockers]
        needs_reconfirm = RECONFIRM in codes
        others = [c for c in codes if c != RECONFIRM]
        zone = self.clinic.zone
        return render(
            request,
            "records/session_start.html",
            {
                "appointment": appointment,
                "client": appointment.client,
                "local_start": local(appointment.start, zone),
                "gates": start_gates(blockers, appointment, outcome=checked.outcome),
                "needs_reconfirm": needs_reconfirm,
                "can_start": not others,
                "form": form,
                "plans": plans,
            },
            status=status,
        )
