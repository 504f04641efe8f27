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
