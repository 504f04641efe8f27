"""Writes for screening: rule-set versions, screenings and their reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction

from clinic.models import Client, Clinic, User
from clinic.roles import Ability, role_can
from common.audit import audit_record
from common.errors import ApplicationError, Conflict, PermissionDenied
from common.versions import version_current, version_lock
from treatments.screening import rules
from treatments.screening.defaults import DEFAULT_RULE_SET
from treatments.screening.models import (
    RuleSet,
    Screening,
    ScreeningConfirmation,
    ScreeningReview,
    ScreeningSource,
)
from treatments.screening.selectors import screening_valid_until


def rule_set_current(*, clinic: Clinic) -> RuleSet:
    """The clinic's newest rule set; the shipped default becomes version 1 on first use."""
    return version_current(
        RuleSet,
        clinic=clinic,
        defaults={"data": DEFAULT_RULE_SET, "note": "Shipped default rule set"},
    )


@transaction.atomic
def rule_set_publish(*, clinic: Clinic, actor: User, data: dict[str, Any], note: str) -> RuleSet:
    """Publish ``data`` as the clinic's next rule-set version. Old versions stay as they are."""
    errors = rules.validate_rule_set_data(data)
    if errors:
        raise ApplicationError(
            "The rule set has errors; nothing was published.",
            fields={f"data.{key}": msgs for key, msgs in errors.items()},
        )
    if not note.strip():
        raise ApplicationError(
            "Say what changed.", fields={"note": ["Describe the change for the audit trail."]}
        )
    version_lock(clinic=clinic)
    latest = rule_set_current(clinic=clinic)
    if latest.data == data:
        raise Conflict("Nothing changed from the current version.", code="rule_set_unchanged")
    rule_set = RuleSet.objects.create(
        clinic=clinic, version=latest.version + 1, data=data, note=note.strip(), published_by=actor
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="rule_set",
        object_id=rule_set.pk,
        clinic_id=clinic.pk,
        detail={"version": rule_set.version, "note": rule_set.note},
    )
    return rule_set


@dataclass(frozen=True)
class PreparedScreening:
    rule_set: RuleSet
    answers: dict[str, Any]  # JSON-ready, as they will be stored
    evaluation: rules.Evaluation


def _json_answers(parsed: dict[str, object]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in parsed.items()}


def screening_prepare(
    *, client: Client, planned_date: date, raw_answers: object, rule_set: RuleSet | None = None
) -> PreparedScreening:
    """Validate the answers and evaluate them; stores nothing."""
    today = client.clinic.local_today()
    if planned_date < today:
        raise ApplicationError(
            "The planned date is in the past.",
            fields={"planned_date": ["Choose today or a later date."]},
        )
    rule_set = rule_set or rule_set_current(clinic=client.clinic)
    engine = rule_set.engine()
    try:
        parsed = rules.parse_answers(engine, raw_answers, today=today)
    except rules.AnswersInvalid as exc:
        raise ApplicationError(
            "Some answers are not valid.",
            fields={
                (key if key == "answers" else f"answers.{key}"): msgs
                for key, msgs in exc.fields.items()
            },
        ) from exc
    evaluation = rules.evaluate(
        rule_set=engine,
        answers=parsed,
        date_of_birth=client.date_of_birth,
        fitzpatrick_type=client.fitzpatrick_type,
        planned_date=planned_date,
    )
    return PreparedScreening(
        rule_set=rule_set, answers=_json_answers(parsed), evaluation=evaluation
    )


def screening_dry_run(
    *,
    client: Client,
    actor: User | None,
    planned_date: date,
    raw_answers: object,
    channel: str | None = None,
) -> PreparedScreening:
    """Evaluate without storing; audited. ``actor=None, channel="link"``: the client's own
    page (online intake)."""
    prepared = screening_prepare(client=client, planned_date=planned_date, raw_answers=raw_answers)
    audit_record(
        actor=actor,
        action="read",
        object_type="screening_evaluation",
        object_id=client.pk,
        clinic_id=client.clinic_id,
        client_id=client.pk,
        detail={"outcome": prepared.evaluation.outcome},
        channel=channel,
    )
    return prepared


@transaction.atomic
def screening_take(
    *,
    client: Client,
    actor: User | None,
    planned_date: date,
    raw_answers: object,
    rule_set: RuleSet | None = None,
    source: str = ScreeningSource.STAFF,
) -> Screening:
    """Store a screening exactly as evaluated now. It is never edited afterwards.

    ``source=client`` stores answers the client gave through a signed link (no actor):
    they may block a treatment, and clear one only once staff confirm them.

    ``rule_set`` pins the version the questions were asked from (the form shows one
    version; a publish while it is open must not file the answers under another). If it
    is no longer the current version, the screening is refused with 409.
    """
    if rule_set is not None:
        current = rule_set_current(clinic=client.clinic)
        if current.pk != rule_set.pk:
            raise Conflict(
                f"The screening rules changed to version {current.version} while the form "
                "was open; answer the current questions.",
                code="rule_set_changed",
            )
    prepared = screening_prepare(
        client=client, planned_date=planned_date, raw_answers=raw_answers, rule_set=rule_set
    )
    evaluation = prepared.evaluation
    screening = Screening.objects.create(
        clinic=client.clinic,
        client=client,
        rule_set=prepared.rule_set,
        planned_date=planned_date,
        taken_on=client.clinic.local_today(),
        taken_by=actor,
        answers=prepared.answers,
        date_of_birth=client.date_of_birth,
        fitzpatrick_type=client.fitzpatrick_type,
        outcome=evaluation.outcome,
        eligible_from=evaluation.eligible_from,
        missing=list(evaluation.missing),
        findings=[f.to_dict() for f in evaluation.findings],
        source=source,
    )
    audit_record(
        actor=actor,
        action="create",
        object_type="screening",
        object_id=screening.pk,
        clinic_id=client.clinic_id,
        client_id=client.pk,
        detail={
            "outcome": screening.outcome,
            "rule_set_version": prepared.rule_set.version,
            "source": source,
        },
        channel="link" if source == ScreeningSource.CLIENT else None,
    )
    return screening


@transaction.atomic
def screening_review(*, screening: Screening, actor: User, role: str, note: str) -> ScreeningReview:
    """A practitioner records that they reviewed a ``caution`` screening."""
    if not role_can(role, Ability.REVIEW_SCREENING):
        raise PermissionDenied("Only a practitioner can review a screening.")
    if screening.outcome != rules.OUTCOME_CAUTION:
        raise Conflict(
            f"Only a caution result is reviewed; this screening is {screening.outcome}.",
            code="review_not_applicable",
        )
    if not note.strip():
        raise ApplicationError(
            "Write what you reviewed.", fields={"note": ["A review needs a note."]}
        )
    # Lock the screening so two practitioners reviewing at once get one review and a 409.
    Screening.objects.select_for_update().filter(pk=screening.pk).first()
    if ScreeningReview.objects.filter(screening=screening).exists():
        raise Conflict("This screening has already been reviewed.", code="already_reviewed")
    review = ScreeningReview.objects.create(
        screening=screening, reviewed_by=actor, note=note.strip()
    )
    audit_record(
        actor=actor,
        action="update",
        object_type="screening",
        object_id=screening.pk,
        clinic_id=screening.clinic_id,
        client_id=screening.client_id,
        detail={"review": review.pk},
    )
    return review


@transaction.atomic
def screening_confirm(
    *, screening: Screening, actor: User, role: str, note: str = ""
) -> ScreeningConfirmation:
    """Staff confirm a client-submitted screening (who and when): from now on it counts like
    one staff took, and may clear a treatment (DOMAIN.md §6)."""
    if not role_can(role, Ability.REVIEW_SCREENING):
        raise PermissionDenied("Only a practitioner can confirm a client's screening answers.")
    if not screening.client_submitted:
        raise Conflict(
            "Only answers the client submitted are confirmed; staff took this screening.",
            code="confirm_not_applicable",
        )
    today = screening.clinic.local_today()
    if screening_valid_until(screening) < today:
        raise Conflict(
            f"This screening expired on {screening_valid_until(screening):%-d %B %Y}; screen "
            "the client again instead.",
            code="screening_expired",
        )
    # Lock the screening so two confirmations at once give one row and a 409.
    Screening.objects.select_for_update().filter(pk=screening.pk).first()
    if ScreeningConfirmation.objects.filter(screening=screening).exists():
        raise Conflict("This screening has already been confirmed.", code="already_confirmed")
    confirmation = ScreeningConfirmation.objects.create(
        screening=screening, confirmed_by=actor, note=note.strip()
    )
    audit_record(
        actor=actor,
        action="update",
        object_type="screening",
        object_id=screening.pk,
        clinic_id=screening.clinic_id,
        client_id=screening.client_id,
        detail={"confirmation": confirmation.pk},
    )
    return confirmation


def screening_viewed(*, screening: Screening, actor: User) -> None:
    audit_record(
        actor=actor,
        action="read",
        object_type="screening",
        object_id=screening.pk,
        clinic_id=screening.clinic_id,
        client_id=screening.client_id,
    )


def screening_eligibility_viewed(*, client: Client, actor: User) -> None:
    audit_record(
        actor=actor,
        action="read",
        object_type="treatment_eligibility",
        object_id=client.pk,
        clinic_id=client.clinic_id,
        client_id=client.pk,
    )


def client_screening_take(*, client: Client, planned_date: date, raw_answers: object) -> Screening:
    """Answers the client gave through a signed link (the readiness check, the online
    intake), stored as a client-submitted screening with the clinic's current rule set.

    Every question must be answered: a 400 names each missing one (``answers.<code>``),
    and nothing is stored unless all are.
    """
    rule_set = rule_set_current(clinic=client.clinic)
    prepared = screening_prepare(
        client=client, planned_date=planned_date, raw_answers=raw_answers, rule_set=rule_set
    )
    missing = prepared.evaluation.missing
    if missing:
        raise ApplicationError(
            "Answer every question.",
            fields={f"answers.{code}": ["Answer this question."] for code in missing},
        )
    return screening_take(
        client=client,
        actor=None,
        planned_date=planned_date,
        raw_answers=raw_answers,
        rule_set=rule_set,
        source=ScreeningSource.CLIENT,
    )
