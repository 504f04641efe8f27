"""Treatment session records: areas, products, photos, amendments (DOMAIN.md §2, §4)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models

from clinic.models import Client, Clinic
from common.fields import EARLIEST, LATEST
from common.models import ImmutableModel, TimeStampedModel
from treatments.plans import protocols
from treatments.plans.defaults import (
    ADVERSE_EVENT_CODES,
    GAIS_CHOICES,
    GLOGAU_CHOICES,
    GOODMAN_BARON_CHOICES,
)
from treatments.plans.models import SessionStatus, TreatmentPlan
from treatments.screening.models import Screening

# The ranges a record may hold. The field validators below carry them; forms and
# serializers read them from the fields (limits.py), the services validate through the
# model, and the CHECK constraints repeat the vital ones in the database.
PAIN_SCORE = (0, 10)  # DOMAIN.md §5 (ST2)
NEEDLE_COUNT = (1, 100)
PASSES = (1, 20)
#: Two decimals are stored, so "above 0" is 0.01 at least.
DEPTH_MM = (Decimal("0.01"), protocols.MAX_DEPTH_MM)
NOTE_LENGTH = 4000
NOTES_LENGTH = 10000


def whole_number(low: int, high: int) -> list:
    """Validators of a whole number from ``low`` to ``high``, with one message for both."""
    message = f"A whole number from {low} to {high}."
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


def scale(choices: list[tuple[int, str]]) -> list:
    """Validators of a DOMAIN.md §5 scale: a grade from its lowest to its highest."""
    values = [value for value, _ in choices]
    return whole_number(min(values), max(values))


def depth() -> list:
    low, high = DEPTH_MM
    message = f"A depth in mm above 0 and at most {high}."
    return [MinValueValidator(low, message=message), MaxValueValidator(high, message=message)]


def plausible_time() -> list:
    """A moment between 1900 and 2199, the range the calendar arithmetic can hold."""
    message = "Enter a time between 1900 and 2199."
    return [
        MinValueValidator(datetime.combine(EARLIEST, time.min, tzinfo=UTC), message=message),
        MaxValueValidator(datetime.combine(LATEST, time.max, tzinfo=UTC), message=message),
    ]


def validate_adverse_events(value: object) -> None:
    """A list of DOMAIN.md §4 adverse-event codes."""
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Expected a list of adverse-event codes.", code="invalid")
    unknown = [code for code in value if code not in ADVERSE_EVENT_CODES]
    if unknown:
        raise ValidationError(
            "Unknown adverse events: " + ", ".join(unknown[:10]) + ".", code="invalid_choice"
        )


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
    needle_count = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=whole_number(*NEEDLE_COUNT)
    )
    # Outcome.
    endpoint_reached = models.CharField(max_length=40, blank=True)
    # Topical anaesthetic.
    anaesthetic_product = models.CharField(max_length=120, blank=True)
    anaesthetic_lot = models.CharField(max_length=60, blank=True)
    anaesthetic_applied_at = models.DateTimeField(
        null=True, blank=True, validators=plausible_time()
    )
    anaesthetic_removed_at = models.DateTimeField(
        null=True, blank=True, validators=plausible_time()
    )
    anaesthetic_area = models.CharField(max_length=200, blank=True)
    adverse_events = models.JSONField(
        default=list,
        blank=True,
        help_text="DOMAIN.md §4 codes.",
        validators=[validate_adverse_events],
    )
    adverse_events_note = models.TextField(blank=True, validators=[MaxLengthValidator(NOTE_LENGTH)])
    pain_score = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=whole_number(*PAIN_SCORE)
    )
    # Scales (DOMAIN.md §5).
    glogau = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=scale(GLOGAU_CHOICES)
    )
    goodman_baron = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=scale(GOODMAN_BARON_CHOICES)
    )
    gais = models.PositiveSmallIntegerField(
        "GAIS", null=True, blank=True, validators=scale(GAIS_CHOICES)
    )
    notes = models.TextField(blank=True, validators=[MaxLengthValidator(NOTES_LENGTH)])
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True, validators=plausible_time())
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
                | models.Q(pain_score__gte=PAIN_SCORE[0], pain_score__lte=PAIN_SCORE[1]),
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

    def clean(self) -> None:
        """The times of a record follow each other (the end also by a CHECK constraint)."""
        errors = {}
        if self.ended_at is not None and self.ended_at <= self.started_at:
            errors["ended_at"] = "The end must be after the start of the session."
        applied, removed = self.anaesthetic_applied_at, self.anaesthetic_removed_at
        if applied is not None and removed is not None and removed <= applied:
            errors["anaesthetic_removed_at"] = "The anaesthetic is removed after it was applied."
        if errors:
            raise ValidationError(errors)

    @property
    def is_signed(self) -> bool:
        return self.status == SessionStatus.SIGNED


class SessionArea(models.Model):
    """Depth and passes for one treated area of a session."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.CASCADE, related_name="areas")
    area = models.CharField(max_length=40, help_text="An area code of the plan's protocol.")
    skin = models.CharField(max_length=5, choices=protocols.SKIN_CHOICES, default="thin")
    depth_mm = models.DecimalField(max_digits=3, decimal_places=2, validators=depth())
    passes = models.PositiveSmallIntegerField(validators=whole_number(*PASSES))
    limit_mm = models.DecimalField(
        max_digits=3, decimal_places=2, help_text="The protocol's limit when recorded."
    )
    justification = models.TextField(blank=True, validators=[MaxLengthValidator(NOTE_LENGTH)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "area"], name="session_area_once"),
            models.CheckConstraint(
                condition=models.Q(depth_mm__gt=0, depth_mm__lte=3), name="session_area_depth"
            ),
            models.CheckConstraint(
                condition=models.Q(passes__gte=PASSES[0], passes__lte=PASSES[1]),
                name="session_area_passes",
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
