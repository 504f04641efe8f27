"""Informed consent: versioned texts and signed consents (DOMAIN.md §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.models import Client, Clinic
from common.models import ImmutableModel, VersionedClinicData


class ConsentText(VersionedClinicData):
    """One version of a clinic's informed-consent text, listing the risks (DOMAIN.md §4)."""

    # Its data is the wording the client reads and signs, kept in its own columns; a new
    # version is a new text, so there is no separate "what changed" note.
    data = None
    # Django removes an inherited abstract field set to None; the stubs cannot say so.
    note = None  # type: ignore[assignment]
    title = models.CharField(max_length=200)
    body = models.TextField()
    risks = models.JSONField(help_text="expected / less_common / rare → list of labels")

    def __str__(self) -> str:
        return f"{self.clinic} consent v{self.version}"


class Consent(ImmutableModel):
    """A client's signed informed consent to one version of the consent text."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="consents")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    typed_name = models.CharField(max_length=200)
    signature_png = models.BinaryField(help_text="The drawn signature as a PNG image.")
    signed_at = models.DateTimeField()
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(
        max_length=64, help_text="SHA-256 of the text version, body, name, signature and time."
    )

    class Meta:
        ordering = ["-signed_at", "-id"]
        indexes = [
            # The start gate: has the client signed the current text?
            models.Index(fields=["client", "text"], name="consent_client_text"),
        ]

    def __str__(self) -> str:
        return f"Consent of {self.client} to v{self.text.version}"
