"""Reads for screening, always scoped to a clinic; and the one treatment gate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from clinic.models import Client, Clinic
from common.errors import NotFound
from common.fields import parse_id
from treatments.screening import rules
from treatments.screening.errors import ScreeningBlocksTreatment
from treatments.screening.models import RuleSet, Screening, ScreeningSource


def rule_set_list(*, clinic: Clinic) -> QuerySet[RuleSet]:
    return RuleSet.objects.filter(clinic=clinic).select_related("published_by")


def rule_set_get(*, clinic: Clinic, version: object) -> RuleSet:
    number = parse_id(version)
    if number is None:
        raise NotFound("No such rule-set version.")
    rule_set = rule_set_list(clinic=clinic).filter(version=number).first()
    if rule_set is None:
        raise NotFound("No such rule-set version.")
    return rule_set


def screening_list(*, clinic: Clinic, client: Client | None = None) -> QuerySet[Screening]:
    qs = Screening.objects.filter(clinic=clinic).select_related(
        "rule_set",
        "taken_by",
        "review",
        "review__reviewed_by",
        "confirmation",
        "confirmation__confirmed_by",
        "client",
    )
    if client is not None:
        qs = qs.filter(client=client)
    return qs.order_by("-taken_at", "-id")


def screening_get(*, clinic: Clinic, screening_id: object) -> Screening:
    pk = parse_id(screening_id)
    if pk is None:
        raise NotFound("No such screening.")
    screening = screening_list(clinic=clinic).filter(pk=pk).first()
    if screening is None:
        raise NotFound("No such screening.")
    return screening


def screening_valid_until(screening: Screening) -> date:
    """The last clinic-local day the screening may be used for booking."""
    return screening.taken_on + timedelta(days=settings.CLINIC_SCREENING_VALID_DAYS - 1)


#: Screenings staff stand behind: taken by staff, or client-submitted and confirmed.
CONFIRMED = Q(source=ScreeningSource.STAFF) | Q(confirmation__isnull=False)


def _valid_on(*, client: Client, today: date) -> QuerySet[Screening]:
    oldest = today - timedelta(days=settings.CLINIC_SCREENING_VALID_DAYS - 1)
    return screening_list(clinic=client.clinic, client=client).filter(
        taken_on__gte=oldest, taken_on__lte=today
    )


def screening_latest_valid(*, client: Client, today: date) -> Screening | None:
    """The latest screening valid today that staff stand behind (the one that may clear)."""
    return _valid_on(client=client, today=today).filter(CONFIRMED).first()


def screenings_in_force(
    *, client: Client, today: date
) -> tuple[Screening | None, tuple[Screening, ...]]:
    """``(confirmed, client_pending)``: the latest valid screening staff stand behind, and
    every valid client-submitted one newer than it still awaiting confirmation (newest
    first; empty if none).

    The pending ones may block a treatment on their own; they never clear one (a second
    set of client answers does not undo the first).
    """
    confirmed = screening_latest_valid(client=client, today=today)
    pending = _valid_on(client=client, today=today).exclude(CONFIRMED)
    if confirmed is not None:
        pending = pending.filter(
            Q(taken_at__gt=confirmed.taken_at) | Q(taken_at=confirmed.taken_at, pk__gt=confirmed.pk)
        )
    return confirmed, tuple(pending)


@dataclass(frozen=True)
class Eligibility:
    """The answer to "may this client be treated on ``on_date``?"."""

    on_date: date
    allowed: bool
    needs_review: bool
    outcome: str | None  # None: no valid screening
    eligible_from: date | None
    reason: str
    screening: Screening | None = None
    findings: tuple[rules.FindingData, ...] = field(default_factory=tuple)
    #: A newer client-submitted screening awaiting staff confirmation, if any. When it
    #: blocks it is ``screening`` itself; otherwise staff confirm it before it counts.
    awaiting_confirmation: Screening | None = None

    @property
    def reviewed(self) -> bool:
        return self.screening is not None and hasattr(self.screening, "review")

    def to_dict(self) -> dict[str, Any]:
        return {
            "on_date": self.on_date.isoformat(),
            "allowed": self.allowed,
            "needs_review": self.needs_review,
            "outcome": self.outcome,
            "eligible_from": self.eligible_from.isoformat() if self.eligible_from else None,
            "reason": self.reason,
            "screening": self.screening.pk if self.screening else None,
            "rule_set_version": self.screening.rule_set.version if self.screening else None,
            "findings": list(self.findings),
            "awaiting_confirmation": (
                self.awaiting_confirmation.pk if self.awaiting_confirmation else None
            ),
        }

    def require_allowed(self) -> Eligibility:
        if not self.allowed:
            raise ScreeningBlocksTreatment(self.reason, eligibility=self.to_dict())
        return self


def treatment_eligibility(
    *, client: Client, on_date: date, today: date | None = None
) -> Eligibility:
    """May ``client`` be treated on ``on_date``? The single gate booking and sessions use.

    Takes the latest screening still valid today and re-evaluates its stored answers with
    its own rule-set version at ``on_date`` (deferrals end, a client turns 18).
    """
    today = today or client.clinic.local_today()
    screening, pending = screenings_in_force(client=client, today=today)
    return eligibility_on(client=client, screening=screening, on_date=on_date, pending=pending)


#: Outcomes of a client's own answers that block without anyone confirming them.
BLOCKING = (rules.OUTCOME_DEFER, rules.OUTCOME_CONTRAINDICATED)


def eligibility_on(
    *,
    client: Client,
    screening: Screening | None,
    on_date: date,
    pending: Sequence[Screening] = (),
) -> Eligibility:
    """:func:`treatment_eligibility` for screenings already chosen (no query).

    For callers that ask about many dates at once (the slot finder): they look up the
    screenings in force once (:func:`screenings_in_force`) and evaluate them for each
    date. ``pending`` (newer client-submitted screenings awaiting confirmation, newest
    first) block when any evaluates to defer or contraindicated at ``on_date``; they
    never clear: with no confirmed screening the client is not bookable, and a caution
    in the newest needs a practitioner before the session.
    """
    if not pending:
        return _eligibility(client=client, screening=screening, on_date=on_date)
    for submitted_screening in pending:
        own = _eligibility(client=client, screening=submitted_screening, on_date=on_date)
        if own.outcome in BLOCKING:
            return replace(
                own,
                reason=(
                    f"{own.reason} (From answers the client submitted on "
                    f"{submitted_screening.taken_on:%-d %B %Y}; staff take a new screening to "
                    "clear it.)"
                ),
                awaiting_confirmation=submitted_screening,
            )
    newest = pending[0]
    submitted = f"{newest.taken_on:%-d %B %Y}"
    own = _eligibility(client=client, screening=newest, on_date=on_date)
    base = _eligibility(client=client, screening=screening, on_date=on_date)
    if screening is None:
        return replace(
            base,
            reason=(
                f"{client.full_name} submitted screening answers on {submitted} that staff have "
                "not confirmed yet. Confirm them (or screen the client) first."
            ),
            awaiting_confirmation=newest,
        )
    if base.allowed and own.outcome == rules.OUTCOME_CAUTION:
        return replace(
            base,
            needs_review=True,
            reason=(
                f"Caution in the answers the client submitted on {submitted}: a practitioner "
                "confirms and reviews them before the session."
            ),
            findings=own.findings,
            awaiting_confirmation=newest,
        )
    return replace(base, awaiting_confirmation=newest)


def _eligibility(*, client: Client, screening: Screening | None, on_date: date) -> Eligibility:
    if screening is None:
        return Eligibility(
            on_date=on_date,
            allowed=False,
            needs_review=False,
            outcome=None,
            eligible_from=None,
            reason=(
                f"{client.full_name} has no screening from the last "
                f"{settings.CLINIC_SCREENING_VALID_DAYS} days. Screen the client first."
            ),
        )
    evaluation = rules.evaluate(
        rule_set=screening.rule_set.engine(),
        answers=screening.answers,
        date_of_birth=client.date_of_birth,
        fitzpatrick_type=client.fitzpatrick_type,
        planned_date=on_date,
    )
    findings = tuple(f.to_dict() for f in evaluation.findings)
    outcome = evaluation.outcome
    answer = partial(
        Eligibility,
        on_date=on_date,
        outcome=outcome,
        eligible_from=evaluation.eligible_from,
        screening=screening,
        findings=findings,
    )
    day = on_date.strftime("%-d %B %Y")
    if outcome == rules.OUTCOME_CONTRAINDICATED:
        return answer(
            allowed=False,
            needs_review=False,
            reason=f"Microneedling is contraindicated for {client.full_name}.",
        )
    if outcome == rules.OUTCOME_INCOMPLETE:
        return answer(
            allowed=False,
            needs_review=False,
            reason="The screening is incomplete: " + ", ".join(evaluation.missing) + ".",
        )
    if outcome == rules.OUTCOME_DEFER:
        if evaluation.eligible_from is None:
            reason = f"Treatment is deferred on {day} until a condition resolves; re-screen then."
        else:
            reason = (
                f"Treatment is deferred on {day}; the client is eligible from "
                f"{evaluation.eligible_from.strftime('%-d %B %Y')}."
            )
        return answer(allowed=False, needs_review=False, reason=reason)
    if outcome == rules.OUTCOME_CAUTION:
        reviewed = screening.outcome == rules.OUTCOME_CAUTION and hasattr(screening, "review")
        return answer(
            allowed=True,
            needs_review=not reviewed,
            reason=(
                "Caution: reviewed by a practitioner."
                if reviewed
                else "Caution: a practitioner must review the screening before the session."
            ),
        )
    return answer(allowed=True, needs_review=False, reason="Screening clear.")


@dataclass(frozen=True)
class ScreeningStatus:
    """What the client page's badge shows."""

    # none, expired, awaiting_confirmation, clear, caution_pending, caution_reviewed, defer,
    # contraindicated, incomplete
    kind: str
    label: str
    tone: str  # ok, warn, danger, neutral
    screening: Screening | None
    valid_until: date | None = None


def client_screening_status(*, client: Client, today: date | None = None) -> ScreeningStatus:
    today = today or client.clinic.local_today()
    latest = screening_list(clinic=client.clinic, client=client).first()
    if latest is None:
        return ScreeningStatus("none", "Not screened", "neutral", None)
    valid_until = screening_valid_until(latest)
    if valid_until < today:
        return ScreeningStatus(
            "expired", f"Screening expired {valid_until:%-d %b %Y}", "neutral", latest, valid_until
        )
    outcome = latest.outcome
    if not latest.confirmed:
        blocking = outcome in BLOCKING
        return ScreeningStatus(
            "awaiting_confirmation",
            f"Client's answers ({outcome}): awaiting confirmation",
            "danger" if blocking else "warn",
            latest,
            valid_until,
        )
    if outcome == rules.OUTCOME_CLEAR:
        return ScreeningStatus("clear", "Screening clear", "ok", latest, valid_until)
    if outcome == rules.OUTCOME_CAUTION:
        if hasattr(latest, "review"):
            return ScreeningStatus(
                "caution_reviewed", "Caution: reviewed", "ok", latest, valid_until
            )
        return ScreeningStatus(
            "caution_pending", "Caution: awaiting review", "warn", latest, valid_until
        )
    if outcome == rules.OUTCOME_DEFER:
        if latest.eligible_from:
            label = f"Deferred until {latest.eligible_from:%-d %b %Y}"
        else:
            label = "Deferred: re-screen when resolved"
        return ScreeningStatus("defer", label, "warn", latest, valid_until)
    if outcome == rules.OUTCOME_CONTRAINDICATED:
        return ScreeningStatus("contraindicated", "Contraindicated", "danger", latest, valid_until)
    return ScreeningStatus("incomplete", "Screening incomplete", "warn", latest, valid_until)
