"""The medical director's acceptance of the clinical data in force (decision 0019)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.models import Clinic
from common.models import ImmutableModel


class ClinicalSignOff(ImmutableModel):
    """Who accepted which versions of the clinic's clinical data, and when.

    A later version of any data set is not covered: it needs a new row.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="sign_offs")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="Empty only for a sign-off recorded by a command (the demo data).",
    )
    signed_by_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, blank=True)
    signed_at = models.DateTimeField()
    versions = models.JSONField(help_text='{"screening_rules": 1, …}: data set key → version')

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["clinic", "-id"], name="signoff_clinic_latest")]

    def __str__(self) -> str:
        return f"{self.clinic} clinical sign-off by {self.signed_by_name}"
