"""Aftercare templates (versioned data) and each signed session's schedule (DOMAIN.md §3)."""

from __future__ import annotations

import zoneinfo

from django.db import models

from aftercare import timeline
from clinic.models import Client, Clinic
from common.models import TimeStampedModel, VersionedClinicData


class AftercareTemplate(VersionedClinicData):
    """One published version of a clinic's aftercare timeline and warning signs.

    A schedule points at the exact version its e-mails and PDF were made from. ``data``
    is read by ``aftercare.timeline.parse_items``.
    """

    def __str__(self) -> str:
        return f"{self.clinic} aftercare v{self.version}"

    def items(self) -> list[timeline.Item]:
        return timeline.parse_items(self.data)

    @property
    def warning_signs(self) -> list[str]:
        return [str(s) for s in self.data.get("warning_signs", [])]


class AftercareSchedule(TimeStampedModel):
    """The aftercare of one signed session: which template, for which zone and end time.

    The timeline itself is computed from these (``aftercare.timeline.build``); its
    e-mailed entries are ``OutgoingMessage`` rows with this session's ``session_id``.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="aftercare_schedules")
    session = models.OneToOneField(
        "treatments.TreatmentSession", on_delete=models.PROTECT, related_name="aftercare"
    )
    template = models.ForeignKey(AftercareTemplate, on_delete=models.PROTECT, related_name="+")
    timezone = models.CharField(max_length=64, help_text="The client's zone when signed.")
    ended_at = models.DateTimeField(help_text="The session's end, which the timeline counts from.")
    interval_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The plan's interval if another session was due."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=255, blank=True)
    pdf_file = models.FileField(upload_to="aftercare/", max_length=255, blank=True)
    pdf_key = models.CharField(
        max_length=80, blank=True, help_text="Template version + hash of the rendered HTML."
    )
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-ended_at", "-id"]

    def __str__(self) -> str:
        return f"Aftercare of session {self.session_id}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def entries(self) -> list[timeline.Entry]:
        return timeline.build(
            self.template.items(),
            ended_at=self.ended_at,
            zone=self.zone,
            interval_days=self.interval_days,
        )
