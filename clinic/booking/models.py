"""Booking: practitioners and their hours, rooms, devices, appointments."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower

from clinic.models import Client, Clinic, Membership
from common.models import TimeStampedModel


class Practitioner(TimeStampedModel):
    """The bookable side of a practitioner: display name, working hours, time off."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="practitioners")
    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="practitioner"
    )
    display_name = models.CharField(max_length=150)
    is_bookable = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name", "id"]

    def __str__(self) -> str:
        return self.display_name


class WorkingHours(models.Model):
    """A block of working time on a weekday, in the clinic's wall-clock time."""

    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(
        choices=[
            (0, "Monday"),
            (1, "Tuesday"),
            (2, "Wednesday"),
            (3, "Thursday"),
            (4, "Friday"),
            (5, "Saturday"),
            (6, "Sunday"),
        ]
    )
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="working_hours_order"
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="working_hours_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class TimeOff(models.Model):
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="time_off_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.practitioner} away {self.start:%Y-%m-%d %H:%M}–{self.end:%Y-%m-%d %H:%M}"


#: The longest clean-up a device may need (form, API and, on PostgreSQL, the database).
MAX_CLEANUP_MINUTES = 240

#: Said when a room's name or a device's serial number is already in use at the clinic
#: (by the database constraint, the resource services, the API and the pages alike).
ROOM_NAME_TAKEN = "Another room in this clinic already has this name."
DEVICE_SERIAL_TAKEN = "Another device in this clinic already has this serial number."


class Room(TimeStampedModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # "Room 1" and "room 1" are the same room to the people booking it.
            models.UniqueConstraint(
                "clinic",
                Lower("name"),
                name="room_clinic_name_ci",
                violation_error_message=ROOM_NAME_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Device(TimeStampedModel):
    class Kind(models.TextChoices):
        PEN = "pen", "Microneedling pen"
        ROLLER = "roller", "Roller"

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="devices")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PEN)
    serial_number = models.CharField(max_length=100)
    cleanup_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MaxValueValidator(MAX_CLEANUP_MINUTES)],
        help_text="Cleaning and reprocessing after each use; the device is busy meanwhile.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            # Serial numbers are read off the device and typed in any case.
            models.UniqueConstraint(
                "clinic",
                Lower("serial_number"),
                name="device_clinic_serial_ci",
                violation_error_message=DEVICE_SERIAL_TAKEN,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.serial_number})"


#: The longest appointment the clinic can book (the database refuses longer, migration 0008).
MAX_APPOINTMENT = timedelta(hours=8)

#: How long before a moment an appointment that still occupies it (its practitioner,
#: room, or device until clean-up ends) can have started. Availability and the conflict
#: checks bound ``start`` from below with it, so an index range scan over a few hours
#: serves them however long the clinic's history (docs/performance.md).
BUSY_LOOKBACK = MAX_APPOINTMENT + timedelta(minutes=MAX_CLEANUP_MINUTES)


class AppointmentKind(models.TextChoices):
    CONSULTATION = "consultation", "Consultation"
    TREATMENT = "treatment", "Treatment"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
    #: An online request holding its slot until the client confirms by e-mail or the
    #: hold expires (decision 0021).
    HELD = "held", "Awaiting the client's confirmation"

    def can_change_to(self, status: str) -> bool:
        """Whether an appointment in this status may change to ``status`` (STATUS_CHANGES)."""
        return status in STATUS_CHANGES[self]

    @property
    def can_be_moved(self) -> bool:
        """Whether an appointment in this status may be rescheduled or changed."""
        return self in MOVABLE_STATUSES


#: Which status an appointment may change to, from each status: the one table that the
#: services, the pages (which buttons show) and the API obey. Cancelling and completing
#: have their own services (a reason; signing the session record), the rest are plain
#: status changes (``appointment_set_status``).
STATUS_CHANGES: dict[str, frozenset[str]] = {
    AppointmentStatus.BOOKED: frozenset(
        {
            AppointmentStatus.CHECKED_IN,
            AppointmentStatus.NO_SHOW,
            AppointmentStatus.CANCELLED,
            AppointmentStatus.COMPLETED,
        }
    ),
    AppointmentStatus.CHECKED_IN: frozenset(
        {
            AppointmentStatus.BOOKED,  # undo a check-in made by mistake
            AppointmentStatus.CANCELLED,
            AppointmentStatus.COMPLETED,
        }
    ),
    AppointmentStatus.COMPLETED: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
    AppointmentStatus.NO_SHOW: frozenset(),
    # Cancelled by the client, staff or expiry; confirming is the client's own link
    # (``appointment_confirm_hold``), never a plain status change.
    AppointmentStatus.HELD: frozenset({AppointmentStatus.CANCELLED}),
}

#: Only a booked appointment may be moved: once the client is checked in, it is under way.
MOVABLE_STATUSES = frozenset({AppointmentStatus.BOOKED})


#: Statuses that occupy the practitioner, room and device (the exclusion constraints'
#: WHERE clause in migration 0003 lists the same values).
ACTIVE_STATUSES = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
)

#: Statuses the exclusion constraints cover (migration 0012): the active ones and an
#: online request's hold. A hold past ``hold_expires_at`` is free to everyone who reads
#: (``occupying``) and is released before any write needs its slot (decision 0021).
OCCUPYING_STATUSES = (*ACTIVE_STATUSES, AppointmentStatus.HELD)


def occupying(now: datetime) -> models.Q:
    """Appointments that occupy their practitioner, room and device at ``now``."""
    return models.Q(status__in=ACTIVE_STATUSES) | models.Q(
        status=AppointmentStatus.HELD, hold_expires_at__gt=now
    )


class AppointmentSource(models.TextChoices):
    STAFF = "staff", "Booked by staff"
    ONLINE = "online", "Booked online by the client"


class Appointment(TimeStampedModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="appointments")
    practitioner = models.ForeignKey(
        Practitioner, on_delete=models.PROTECT, related_name="appointments"
    )
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    device_free_at = models.DateTimeField(
        null=True, blank=True, help_text="end + the device's clean-up time"
    )
    kind = models.CharField(max_length=16, choices=AppointmentKind.choices)
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    notes = models.TextField(blank=True)
    screening = models.ForeignKey(
        "treatments.Screening",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        help_text="The screening that allowed this treatment when it was booked.",
    )
    treatment_plan = models.ForeignKey(
        "treatments.TreatmentPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
        help_text="The course this treatment belongs to; its interval applies.",
    )
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    source = models.CharField(
        max_length=8, choices=AppointmentSource.choices, default=AppointmentSource.STAFF
    )
    hold_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A held online request frees its slot at this moment."
    )

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            # Day view and availability: a practitioner's appointments by time.
            models.Index(fields=["practitioner", "start"], name="appt_practitioner_start"),
            models.Index(fields=["room", "start"], name="appt_room_start"),
            models.Index(fields=["device", "start"], name="appt_device_start"),
            # Calendar of the clinic by day.
            models.Index(fields=["clinic", "start"], name="appt_clinic_start"),
            # The client's history and the interval check.
            models.Index(fields=["client", "start"], name="appt_client_start"),
            # The hold sweep: held requests by expiry (portal.holds_expire).
            models.Index(
                fields=["hold_expires_at"],
                condition=models.Q(status="held"),
                name="appt_hold_expiry",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_order"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="consultation") | models.Q(device__isnull=False),
                name="appointment_treatment_has_device",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in AppointmentStatus]),
                name="appointment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in AppointmentKind]),
                name="appointment_kind_valid",
            ),
            # A hold without an end would hold its slot for ever.
            models.CheckConstraint(
                condition=~models.Q(status="held") | models.Q(hold_expires_at__isnull=False),
                name="appointment_hold_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.client} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def can_change_to(self, status: str) -> bool:
        """Whether this appointment may change to ``status`` now (STATUS_CHANGES).

        A check-in cannot be undone once a treatment session has started from the
        appointment: the session records the client as present.
        """
        if status == AppointmentStatus.BOOKED and self.has_session:
            return False
        return AppointmentStatus(self.status).can_change_to(status)

    @property
    def has_session(self) -> bool:
        """A treatment session was started from this appointment (the records package's
        ``TreatmentSession.appointment``, read by its reverse name)."""
        return hasattr(self, "treatment_session")

    @property
    def can_be_moved(self) -> bool:
        return AppointmentStatus(self.status).can_be_moved

    @property
    def is_online(self) -> bool:
        return self.source == AppointmentSource.ONLINE

    @property
    def is_held(self) -> bool:
        return self.status == AppointmentStatus.HELD

    @property
    def next_statuses(self) -> dict[str, bool]:
        """``{status: allowed}`` for templates: ``appointment.next_statuses.checked_in``."""
        return {s.value: self.can_change_to(s) for s in AppointmentStatus}

    @property
    def screening_needs_review(self) -> bool:
        """A caution screening that no practitioner has reviewed yet."""
        screening = self.screening
        return (
            self.kind == AppointmentKind.TREATMENT
            and screening is not None
            and screening.outcome == "caution"
            and not hasattr(screening, "review")
        )


class BookingLink(TimeStampedModel):
    """What a client's signed booking link opens (decision 0021): one appointment they
    requested or were booked for (see it, confirm it, move or cancel it), or one course
    whose next session they may book. The token signs this row's id only, so the row is
    what can be revoked and what the audit names."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="booking_links")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="booking_links")
    appointment = models.ForeignKey(
        Appointment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="booking_links",
    )
    treatment_plan = models.ForeignKey(
        "treatments.TreatmentPlan",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="booking_links",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(appointment__isnull=False)
                | models.Q(treatment_plan__isnull=False),
                name="booking_link_names_something",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking link {self.pk} for {self.client}"
