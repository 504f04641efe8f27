"""The one treatment decision: may this client be treated on this date? (decision 0012)

Booking enforces it (``services``), and every place that shows the answer asks it: the
booking form's safety panel, the slot finders of the booking and rescheduling pages,
``GET /api/availability/?client=&kind=treatment``, the appointment page, Today and
check-in. Nothing else restates a gate.

Two kinds of finding:

- **blocks**: the booking is refused. The screening (valid today, re-evaluated at the
  date: contraindications, deferrals, an incomplete questionnaire) and the course's
  minimum interval to any other active treatment, counted in the clinic's calendar days
  (``plans.protocols.interval_clash``).
- **to do before the session**: the booking is accepted, and reception sees what is still
  missing so it can be done before the day: consent to the clinic's current text, a
  treatment plan, a practitioner's review of a caution result. The session start
  (``records.start``) refuses while any is missing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from clinic.booking.availability import Slot, local_to_utc
from clinic.booking.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
)
from clinic.models import Client
from common.errors import Conflict
from treatments.consent.selectors import (
    STATUS_CURRENT,
    STATUS_OUTDATED,
    ConsentStatus,
    consent_status_for,
)
from treatments.plans import protocols
from treatments.plans.models import TreatmentPlan
from treatments.plans.selectors import plan_for_treatment
from treatments.screening.rules import OUTCOME_DEFER
from treatments.screening.selectors import (
    Eligibility,
    eligibility_on,
    screenings_in_force,
)
from treatments.signoff.selectors import SIGN_OFF_PATH, sign_off_status


class IntervalTooShort(Conflict):
    code = "interval_too_short"


class SignOffMissing(Conflict):
    code = "clinical_sign_off_missing"


@dataclass(frozen=True)
class IntervalClash:
    """Another active treatment of the client closer than the course's interval."""

    other: Appointment
    other_on: date
    interval_days: int
    plan: TreatmentPlan | None

    @property
    def eligible_from(self) -> date | None:
        """The first date after the other treatment (None if that one comes later)."""
        return self.other_on + timedelta(days=self.interval_days)


@dataclass(frozen=True)
class ToDo:
    """Something to do before the session; the booking itself is accepted."""

    code: str  # consent_missing, consent_outdated, plan_missing, screening_review
    detail: str

    @property
    def label(self) -> str:
        """A badge's words (Today)."""
        return TO_DO_LABELS.get(self.code, self.code)


TO_DO_LABELS = {
    "consent_missing": "No consent",
    "consent_outdated": "Consent outdated",
    "plan_missing": "No plan",
    "screening_review": "Needs review",
}


@dataclass(frozen=True)
class TreatmentDecision:
    client: Client
    on_date: date
    eligibility: Eligibility
    plan: TreatmentPlan | None
    interval_days: int
    clash: IntervalClash | None
    to_do: tuple[ToDo, ...] = field(default_factory=tuple)
    #: Why the clinic may not book treatments at all yet (no clinical sign-off covering
    #: the data in force, decision 0019); empty when it may.
    sign_off_missing: str = ""

    @property
    def bookable(self) -> bool:
        return not self.sign_off_missing and self.eligibility.allowed and self.clash is None

    @property
    def reason(self) -> str:
        """Why the booking is refused (the sign-off, then the screening), else the
        screening's verdict."""
        if self.sign_off_missing:
            return self.sign_off_missing
        if not self.eligibility.allowed:
            return self.eligibility.reason
        if self.clash is not None:
            return interval_message(self.client, self.clash, self.on_date)
        return self.eligibility.reason

    @property
    def label(self) -> str:
        """A badge's words for a refusal (Today); empty when bookable."""
        if self.sign_off_missing:
            return "No clinical sign-off"
        if not self.eligibility.allowed:
            if self.eligibility.screening is None:
                if self.eligibility.awaiting_confirmation is not None:
                    return "Client's answers to confirm"
                return "No valid screening"
            return "Screening blocks treatment"
        if self.clash is not None:
            return "Too soon after another treatment"
        return ""

    @property
    def refusal(self) -> str:
        """Why the booking is refused, in words that do not name ``on_date`` (for a list of
        days refused for the same reason); empty when bookable."""
        if self.sign_off_missing:
            return self.sign_off_missing
        eligibility = self.eligibility
        if not eligibility.allowed:
            if eligibility.outcome == OUTCOME_DEFER:
                if eligibility.eligible_from is None:
                    return "Treatment is deferred until a condition resolves; re-screen then."
                return (
                    "Treatment is deferred; the client is eligible from "
                    f"{eligibility.eligible_from:%-d %B %Y}."
                )
            return eligibility.reason
        if self.clash is not None:
            return interval_message(self.client, self.clash, self.on_date)
        return ""

    def require_bookable(self) -> TreatmentDecision:
        """Raise the refusal booking answers: 409 ``screening_blocks_treatment`` or
        ``interval_too_short``, or ``clinical_sign_off_missing``."""
        if self.sign_off_missing:
            raise SignOffMissing(self.sign_off_missing, extra={"sign_off_url": SIGN_OFF_PATH})
        self.eligibility.require_allowed()
        return self.require_interval()

    def require_interval(self) -> TreatmentDecision:
        """Raise ``interval_too_short`` if another treatment is too close."""
        clash = self.clash
        if clash is not None:
            raise IntervalTooShort(
                interval_message(self.client, clash, self.on_date),
                extra={
                    "other_appointment": clash.other.pk,
                    "interval_days": clash.interval_days,
                    "treatment_plan": clash.plan.pk if clash.plan else None,
                    "eligible_from": (
                        clash.eligible_from.isoformat()
                        if clash.other_on < self.on_date and clash.eligible_from
                        else None
                    ),
                },
            )
        return self


def interval_message(client: Client, clash: IntervalClash, on_date: date) -> str:
    when = f"{clash.other_on:%-d %B %Y}"
    if clash.plan is not None:
        rule = (
            f"the {clash.plan.get_indication_display().lower()} plan needs at least "
            f"{clash.interval_days} days between treatments"
        )
    else:
        rule = f"treatments need at least {clash.interval_days} days between them"
    message = f"{client.full_name} has another treatment on {when}; {rule}."
    if clash.other_on < on_date and clash.eligible_from is not None:
        message += f" The next one may be on {clash.eligible_from:%-d %B %Y} or later."
    return message


def _to_do(
    client: Client, eligibility: Eligibility, plan: TreatmentPlan | None, consent: ConsentStatus
) -> tuple[ToDo, ...]:
    name = client.full_name
    items: list[ToDo] = []
    if eligibility.allowed and eligibility.needs_review:
        items.append(
            ToDo(
                "screening_review",
                "The screening has a caution result: a practitioner reviews it before the session.",
            )
        )
    if plan is None:
        items.append(
            ToDo(
                "plan_missing",
                f"{name} has no active treatment plan: a practitioner plans the course before "
                "the first session.",
            )
        )
    if consent.kind == STATUS_OUTDATED:
        items.append(
            ToDo(
                "consent_outdated",
                f"{name} signed an older consent text (version "
                f"{consent.consent.text.version if consent.consent else '?'}); the current "
                f"version {consent.current_version} must be signed before the session.",
            )
        )
    elif consent.kind != STATUS_CURRENT:
        items.append(
            ToDo(
                "consent_missing",
                f"{name} has not signed the informed consent; it must be signed before the "
                "session.",
            )
        )
    return tuple(items)


def treatment_decisions(
    *,
    client: Client,
    dates: Iterable[date],
    plan: TreatmentPlan | None = None,
    exclude_appointment_id: int | None = None,
    today: date | None = None,
) -> dict[date, TreatmentDecision]:
    """The decision for each of ``dates`` (clinic-local), in a fixed number of queries.

    ``plan`` is the course the booking names (else the client's current one sets the
    interval); ``exclude_appointment_id`` is the appointment being moved.
    """
    days = sorted(set(dates))
    if not days:
        return {}
    clinic = client.clinic
    zone = clinic.zone
    today = today or clinic.local_today()
    screening, pending = screenings_in_force(client=client, today=today)
    course = plan_for_treatment(client=client, plan=plan)
    interval_days = course.interval_days if course else protocols.DEFAULT_INTERVAL_DAYS
    first, last = protocols.interval_window(
        first=days[0], last=days[-1], interval_days=interval_days
    )
    nearby = Appointment.objects.filter(
        client=client,
        kind=AppointmentKind.TREATMENT,
        status__in=ACTIVE_STATUSES,
        start__gte=local_to_utc(first, time(0), zone),
        start__lt=local_to_utc(last + timedelta(days=1), time(0), zone),
    ).order_by("start", "id")
    if exclude_appointment_id is not None:
        nearby = nearby.exclude(pk=exclude_appointment_id)
    others = [(a, a.start.astimezone(zone).date()) for a in nearby]
    consent = consent_status_for(client=client)
    sign_off_missing = sign_off_status(clinic=client.clinic_id).reason
    decisions: dict[date, TreatmentDecision] = {}
    for day in days:
        eligibility = eligibility_on(
            client=client, screening=screening, on_date=day, pending=pending
        )
        clash = next(
            (
                IntervalClash(other, other_on, interval_days, course)
                for other, other_on in others
                if protocols.interval_clash(on=day, other_on=other_on, interval_days=interval_days)
            ),
            None,
        )
        decisions[day] = TreatmentDecision(
            client=client,
            on_date=day,
            eligibility=eligibility,
            plan=course,
            interval_days=interval_days,
            clash=clash,
            to_do=_to_do(client, eligibility, course, consent),
            sign_off_missing=sign_off_missing,
        )
    return decisions


def treatment_decision(
    *,
    client: Client,
    on_date: date,
    plan: TreatmentPlan | None = None,
    exclude_appointment_id: int | None = None,
    today: date | None = None,
) -> TreatmentDecision:
    """May ``client`` be booked for a treatment on the clinic-local ``on_date``?"""
    return treatment_decisions(
        client=client,
        dates=[on_date],
        plan=plan,
        exclude_appointment_id=exclude_appointment_id,
        today=today,
    )[on_date]


def appointment_decision(
    *, appointment: Appointment, today: date | None = None
) -> TreatmentDecision | None:
    """The decision for a booked treatment as it stands now (the appointment page, Today,
    check-in); None for a consultation or an appointment that is over or cancelled."""
    if appointment.kind != AppointmentKind.TREATMENT or appointment.status not in (
        AppointmentStatus.BOOKED,
        AppointmentStatus.CHECKED_IN,
    ):
        return None
    return treatment_decision(
        client=appointment.client,
        on_date=appointment.start.astimezone(appointment.clinic.zone).date(),
        plan=appointment.treatment_plan,
        exclude_appointment_id=appointment.pk,
        today=today,
    )


def treatment_slots(
    *,
    client: Client,
    slots: list[Slot],
    plan: TreatmentPlan | None = None,
    exclude_appointment_id: int | None = None,
) -> list[Slot]:
    """Only the free slots on dates a treatment of ``client`` would be booked for."""
    zone = client.clinic.zone
    decisions = treatment_decisions(
        client=client,
        dates={slot.start.astimezone(zone).date() for slot in slots},
        plan=plan,
        exclude_appointment_id=exclude_appointment_id,
    )
    return [s for s in slots if decisions[s.start.astimezone(zone).date()].bookable]
