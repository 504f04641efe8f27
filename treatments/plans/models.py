"""Protocol versions (depth limits, course lengths, intervals) and treatment plans."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.models import Client, Clinic, SkinConcern
from common.models import TimeStampedModel, VersionedClinicData
from treatments.plans import protocols


class ProtocolSet(VersionedClinicData):
    """One published version of a clinic's treatment protocols and depth limits."""

    def __str__(self) -> str:
        return f"{self.clinic} protocols v{self.version}"

    def engine(self) -> protocols.Protocols:
        return protocols.Protocols.from_data(self.data, version=self.version)


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


# A course counts its signed sessions, so the status of a session of a course is the
# course's vocabulary: plans reads it, records (TreatmentSession.status) writes it.
class SessionStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SIGNED = "signed", "Signed"


class TreatmentPlan(TimeStampedModel):
    """A course of microneedling for one client and one indication."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="treatment_plans")
    protocol_set = models.ForeignKey(
        ProtocolSet,
        on_delete=models.PROTECT,
        related_name="plans",
        help_text="The protocol version the plan was made from.",
    )
    indication = models.CharField(max_length=40, choices=SkinConcern.choices)
    areas = models.JSONField(help_text="Area codes of the protocol version.")
    planned_sessions = models.PositiveSmallIntegerField()
    interval_days = models.PositiveSmallIntegerField()
    depth_min_mm = models.DecimalField(max_digits=3, decimal_places=2)
    depth_max_mm = models.DecimalField(max_digits=3, decimal_places=2)
    pih_risk = models.BooleanField(default=False, help_text="Fitzpatrick IV–VI when planned.")
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The client's plans, newest first (client page, booking's interval check).
            models.Index(fields=["client", "status"], name="plan_client_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(planned_sessions__gte=1, planned_sessions__lte=24),
                name="plan_sessions_range",
            ),
            models.CheckConstraint(
                condition=models.Q(interval_days__gte=1, interval_days__lte=365),
                name="plan_interval_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PlanStatus.values), name="plan_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(depth_min_mm__lte=models.F("depth_max_mm")),
                name="plan_depth_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_indication_display()} plan for {self.client}"
