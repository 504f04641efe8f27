"""Preparation templates (versioned data) and each treatment appointment's schedule (§6)."""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.db import models

from clinic.models import Client, Clinic
from common.models import TimeStampedModel, VersionedClinicData
from precare import timeline


class PrecareTemplate(VersionedClinicData):
    """One published version of a clinic's preparation moments, texts and lists.

    ``data`` is read by ``precare.timeline.parse_template``. The dated items are not
    in it: they come from the screening rule set in force.
    """

    def __str__(self) -> str:
        return f"{self.clinic} preparation v{self.version}"

    def parsed(self) -> timeline.Template:
        return timeline.parse_template(self.data)


class PrecareSchedule(TimeStampedModel):
    """The preparation of one treatment appointment, as last planned.

    Its e-mailed moments are ``OutgoingMessage`` rows with this ``appointment_id`` and
    a ``dedupe_key`` naming the appointment's ``sequence`` (see docs/decisions/0017).
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="precare_schedules")
    appointment = models.OneToOneField(
        "clinic.Appointment", on_delete=models.PROTECT, related_name="precare"
    )
    template = models.ForeignKey(PrecareTemplate, on_delete=models.PROTECT, related_name="+")
    timezone = models.CharField(max_length=64, help_text="The client's zone when planned.")
    start = models.DateTimeField(help_text="The appointment's start when planned.")
    sequence = models.PositiveIntegerField(help_text="The appointment's sequence when planned.")
    planned_at = models.DateTimeField(help_text="When the booking or last reschedule was made.")
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=255, blank=True)
    pdf_file = models.FileField(upload_to="precare/", max_length=255, blank=True)
    pdf_key = models.CharField(max_length=80, blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return f"Preparation for appointment {self.appointment_id}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        return self.start.astimezone(self.zone)

    def entries(self) -> list[timeline.Entry]:
        return timeline.build(
            self.template.parsed().items,
            start=self.start,
            planned_at=self.planned_at,
            zone=self.zone,
        )


class ReadinessLink(TimeStampedModel):
    """The client's readiness page for one appointment (DOMAIN.md §6, decision 0018).

    The signed token names only this row's id; the row says what it opens and until when.
    It opens while the appointment is booked or checked in, has not started, still has
    the ``sequence`` it had when the link was made (a reschedule makes a new link), and
    ``revoked_at`` is empty.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "clinic.Appointment", on_delete=models.PROTECT, related_name="readiness_links"
    )
    sequence = models.PositiveIntegerField(help_text="The appointment's sequence when made.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Readiness link {self.pk} for appointment {self.appointment_id}"


class ReadinessStatus(models.TextChoices):
    NOT_DUE = "not_due", "Not due yet"
    PENDING = "pending", "Awaiting the client"
    CONFIRMED = "confirmed", "Nothing has changed"
    CHANGED = "changed", "Answers changed"
    BLOCKED = "blocked", "Answers block the treatment"


class ReadinessResponse(models.Model):
    """What the client answered on the readiness page: unchanged, or a new screening."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "clinic.Appointment", on_delete=models.PROTECT, related_name="readiness_responses"
    )
    link = models.ForeignKey(ReadinessLink, on_delete=models.PROTECT, related_name="responses")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=16, choices=ReadinessStatus.choices)
    screening = models.ForeignKey(
        "treatments.Screening", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["confirmed", "changed", "blocked"]),
                name="readiness_response_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Readiness {self.status} for appointment {self.appointment_id}"
