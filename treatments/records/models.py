"""Treatment session records: areas, products, photos, amendments (DOMAIN.md §2, §4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.models import Client, Clinic
from common.models import ImmutableModel, TimeStampedModel
from treatments.plans import protocols
from treatments.plans.models import SessionStatus, TreatmentPlan
from treatments.screening.models import Screening


class TreatmentSession(TimeStampedModel):
    """What was done in one treatment: enough to repeat it, audit it and recall it.

    Created when the session starts (the start gates pass), edited while it is in
    progress, read-only once signed; corrections after that are amendments.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="treatment_sessions")
    plan = models.ForeignKey(TreatmentPlan, on_delete=models.PROTECT, related_name="sessions")
    appointment = models.OneToOneField(
        "clinic.Appointment", on_delete=models.PROTECT, related_name="treatment_session"
    )
    practitioner = models.ForeignKey(
        "clinic.Practitioner", on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    status = models.CharField(
        max_length=12, choices=SessionStatus.choices, default=SessionStatus.IN_PROGRESS
    )
    # Start gates: what allowed the session to start.
    screening = models.ForeignKey(
        Screening, on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    screening_reconfirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the client confirmed an earlier screening's answers were unchanged.",
    )
    consent = models.ForeignKey(
        "treatments.Consent", on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    # Device and needles.
    device = models.ForeignKey(
        "clinic.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    device_serial = models.CharField(
        max_length=100, blank=True, help_text="The serial as used, kept for recalls."
    )
    cartridge = models.CharField("needle cartridge", max_length=120, blank=True)
    cartridge_lot = models.CharField("cartridge lot", max_length=60, blank=True)
    needle_count = models.PositiveSmallIntegerField(null=True, blank=True)
    # Outcome.
    endpoint_reached = models.CharField(max_length=40, blank=True)
    # Topical anaesthetic.
    anaesthetic_product = models.CharField(max_length=120, blank=True)
    anaesthetic_lot = models.CharField(max_length=60, blank=True)
    anaesthetic_applied_at = models.DateTimeField(null=True, blank=True)
    anaesthetic_removed_at = models.DateTimeField(null=True, blank=True)
    anaesthetic_area = models.CharField(max_length=200, blank=True)
    adverse_events = models.JSONField(default=list, blank=True, help_text="DOMAIN.md §4 codes.")
    adverse_events_note = models.TextField(blank=True)
    pain_score = models.PositiveSmallIntegerField(null=True, blank=True)
    # Scales (DOMAIN.md §5).
    glogau = models.PositiveSmallIntegerField(null=True, blank=True)
    goodman_baron = models.PositiveSmallIntegerField(null=True, blank=True)
    gais = models.PositiveSmallIntegerField("GAIS", null=True, blank=True)
    notes = models.TextField(blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [
            # Recall by lot and by device serial, per clinic.
            models.Index(fields=["clinic", "cartridge_lot"], name="session_clinic_lot"),
            models.Index(fields=["clinic", "device_serial"], name="session_clinic_serial"),
            # A plan's progress and the client's history.
            models.Index(fields=["plan", "started_at"], name="session_plan_started"),
            models.Index(fields=["client", "-started_at"], name="session_client_latest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(pain_score__isnull=True)
                | models.Q(pain_score__gte=0, pain_score__lte=10),
                name="session_pain_range",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gt=models.F("started_at")),
                name="session_time_order",
            ),
            # Signed means signed by someone at a time, and finished.
            models.CheckConstraint(
                condition=~models.Q(status="signed")
                | models.Q(
                    signed_at__isnull=False, signed_by__isnull=False, ended_at__isnull=False
                ),
                name="session_signed_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} for {self.client}"

    @property
    def is_signed(self) -> bool:
        return self.status == SessionStatus.SIGNED


class SessionArea(models.Model):
    """Depth and passes for one treated area of a session."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="areas")
    area = models.CharField(max_length=40, help_text="An area code of the plan's protocol.")
    skin = models.CharField(max_length=5, choices=protocols.SKIN_CHOICES, default="thin")
    depth_mm = models.DecimalField(max_digits=3, decimal_places=2)
    passes = models.PositiveSmallIntegerField()
    limit_mm = models.DecimalField(
        max_digits=3, decimal_places=2, help_text="The protocol's limit when recorded."
    )
    justification = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "area"], name="session_area_once"),
            models.CheckConstraint(
                condition=models.Q(depth_mm__gt=0, depth_mm__lte=3), name="session_area_depth"
            ),
            models.CheckConstraint(
                condition=models.Q(passes__gte=1, passes__lte=20), name="session_area_passes"
            ),
            # The database's half of "deeper than the limit needs a justification".
            models.CheckConstraint(
                condition=models.Q(depth_mm__lte=models.F("limit_mm"))
                | ~models.Q(justification=""),
                name="session_area_depth_justified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.depth_mm} mm × {self.passes}"


class SessionProduct(models.Model):
    """A topical or serum applied in a session, with its lot."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="products")
    product = models.CharField(max_length=120)
    lot = models.CharField(max_length=60, blank=True)
    timing = models.CharField(max_length=8, choices=protocols.TIMING_CHOICES)
    is_vitamin_c = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            # Vitamin C serum is never applied during needling (A2, GR1).
            models.CheckConstraint(
                condition=~models.Q(timing="during", is_vitamin_c=True),
                name="session_product_no_vitamin_c_during",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.lot})" if self.lot else self.product


def session_photo_path(instance: SessionPhoto, filename: str) -> str:
    import uuid as _uuid

    return f"clinic-{instance.session.clinic_id}/sessions/{instance.session_id}/{_uuid.uuid4().hex}"


class SessionPhoto(models.Model):
    """A before or after photo; stored privately, served only to the clinic's staff."""

    class Kind(models.TextChoices):
        BEFORE = "before", "Before"
        AFTER = "after", "After"

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    image = models.FileField(upload_to=session_photo_path, max_length=300)
    content_type = models.CharField(max_length=40)
    caption = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kind", "uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} photo of session {self.session_id}"


class SessionAmendment(ImmutableModel):
    """A correction appended to a signed session: who, when, why and what changed."""

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="amendments"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()
    note = models.TextField(blank=True, help_text="The correction in words.")
    changes = models.JSONField(
        default=dict, blank=True, help_text='field → {"from": old, "to": new}'
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Amendment {self.pk} to session {self.session_id}"


__all__ = [
    "SessionAmendment",
    "SessionArea",
    "SessionPhoto",
    "SessionProduct",
    "SessionStatus",
    "TreatmentSession",
]
