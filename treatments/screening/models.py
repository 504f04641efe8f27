"""Screening rule sets (versioned data), stored screenings and their reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.models import Client, Clinic
from common.models import ImmutableModel, VersionedClinicData
from treatments.screening import rules
from treatments.screening.defaults import SOURCES


class RuleSet(VersionedClinicData):
    """One published version of a clinic's screening questions and rules."""

    def __str__(self) -> str:
        return f"{self.clinic} rule set v{self.version}"

    def engine(self) -> rules.RuleSet:
        return rules.RuleSet.from_data(self.data, version=self.version)

    @property
    def sources(self) -> dict[str, str]:

        return {**SOURCES, **(self.data.get("sources") or {})}


class Outcome(models.TextChoices):
    CLEAR = rules.OUTCOME_CLEAR, "Clear"
    CAUTION = rules.OUTCOME_CAUTION, "Caution"
    DEFER = rules.OUTCOME_DEFER, "Defer"
    CONTRAINDICATED = rules.OUTCOME_CONTRAINDICATED, "Contraindicated"
    INCOMPLETE = rules.OUTCOME_INCOMPLETE, "Incomplete"


class ScreeningSource(models.TextChoices):
    STAFF = "staff", "Taken by staff"
    CLIENT = "client", "Submitted by the client"


class Screening(ImmutableModel):
    """A contraindication screening as it was taken: answers, rule-set version, result."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="screenings")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="screenings")
    planned_date = models.DateField()
    taken_at = models.DateTimeField(auto_now_add=True)
    taken_on = models.DateField(help_text="The clinic-local date it was taken.")
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    answers = models.JSONField()
    date_of_birth = models.DateField()
    fitzpatrick_type = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    eligible_from = models.DateField(null=True, blank=True)
    missing = models.JSONField(default=list)
    findings = models.JSONField(default=list)
    source = models.CharField(
        max_length=8,
        choices=ScreeningSource.choices,
        default=ScreeningSource.STAFF,
        help_text=(
            "Who gave the answers: staff, or the client through a signed link (then unusable "
            "for clearing a treatment until staff confirm it)."
        ),
    )

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [
            # treatment_eligibility: the client's latest screening.
            models.Index(fields=["client", "-taken_at"], name="screening_client_latest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=[o.value for o in Outcome]),
                name="screening_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=[s.value for s in ScreeningSource]),
                name="screening_source_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening {self.pk} of {self.client} ({self.outcome})"

    @property
    def rule_set_version(self) -> int:
        return self.rule_set.version

    @property
    def client_submitted(self) -> bool:
        return self.source == ScreeningSource.CLIENT

    @property
    def confirmed(self) -> bool:
        """Staff stand behind these answers: taken by staff, or confirmed by staff."""
        return not self.client_submitted or hasattr(self, "confirmation")


class ScreeningReview(ImmutableModel):
    """A practitioner's review of a ``caution`` screening: who, when, and a note."""

    screening = models.OneToOneField(Screening, on_delete=models.PROTECT, related_name="review")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField()

    def __str__(self) -> str:
        return f"Review of screening {self.screening_id}"


class ScreeningConfirmation(ImmutableModel):
    """Staff confirm a client-submitted screening: who and when (DOMAIN.md §6).

    Until then the client's answers may block a treatment but never clear one.
    """

    screening = models.OneToOneField(
        Screening, on_delete=models.PROTECT, related_name="confirmation"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"Confirmation of screening {self.screening_id}"


class IntakeLink(models.Model):
    """A new client's online intake page: details and the whole questionnaire (DOMAIN.md §6,
    decision 0020).

    The signed token names only this row's id; the row says whose page it opens and until
    when. It opens until ``expires_at`` (14 days), unless staff revoke it or the client
    has sent their answers (``screening``): one link, one submission.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="intake_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the first booking confirmation made it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    screening = models.OneToOneField(
        Screening,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="intake_link",
        help_text="The client-submitted screening the link produced.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # intake_link_latest: the client page's newest link.
            models.Index(fields=["client", "-created_at"], name="intake_link_client_latest"),
        ]
        constraints = [
            # A new link revokes the client's open one: at most one may open a page.
            models.UniqueConstraint(
                fields=["client"],
                condition=models.Q(revoked_at__isnull=True, submitted_at__isnull=True),
                name="intake_link_one_open_per_client",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True) | models.Q(screening__isnull=False),
                name="intake_link_submitted_has_screening",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake link {self.pk} for client {self.client_id}"
