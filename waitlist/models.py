"""The waitlist (decision 0022): clients waiting for a time, and the freed times offered
to them.

An offer *is* a held appointment (decision 0021): the freed time is held for the client
inside the no-double-booking constraints, so one freed slot can never give two bookings;
confirming the offer is the portal's confirm of that hold.
"""

from __future__ import annotations

from django.db import models

from clinic.booking.models import Appointment, AppointmentKind, BookingLink, Practitioner
from clinic.models import Client, Clinic, User
from common.models import TimeStampedModel
from treatments.plans.models import TreatmentPlan


class EntryStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a time"
    BOOKED = "booked", "Booked"
    WITHDRAWN = "withdrawn", "Left the waitlist"
    EXPIRED = "expired", "Dates passed"


class WaitlistEntry(TimeStampedModel):
    """A client asks for a kind of appointment between two dates (their clinic's local
    dates), optionally with one practitioner."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="waitlist")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="waitlist")
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    #: A treatment belongs to a course (its interval and gates apply).
    treatment_plan = models.ForeignKey(
        TreatmentPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    date_from = models.DateField()
    date_to = models.DateField()
    practitioner = models.ForeignKey(
        Practitioner, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=EntryStatus.choices, default=EntryStatus.WAITING
    )
    #: Set by staff adding a client by hand; None: the client, from the public page.
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "waitlist entries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date_to__gte=models.F("date_from")),
                name="waitlist_entry_date_order",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="treatment") | models.Q(treatment_plan__isnull=False),
                name="waitlist_treatment_has_course",
            ),
        ]
        indexes = [
            # The matching on a freed slot: waiting entries of one clinic, oldest first.
            models.Index(
                fields=["clinic", "created_at"],
                name="waitlist_waiting_idx",
                condition=models.Q(status="waiting"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} · {self.kind} {self.date_from}–{self.date_to}"


class OfferStatus(models.TextChoices):
    OPEN = "open", "Waiting for the client"
    BOOKED = "booked", "Booked"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Not confirmed in time"


class WaitlistOffer(TimeStampedModel):
    """A freed time offered to one entry: ``appointment`` is the hold (status ``held``,
    ``hold_expires_at`` = ``expires_at``); ``link`` is what the e-mail's confirm link opens."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.CASCADE, related_name="waitlist_offer"
    )
    link = models.ForeignKey(BookingLink, on_delete=models.CASCADE, related_name="+")
    expires_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    #: Staff who offered it by hand; None: offered when a slot was freed.
    offered_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open offer per entry at a time.
            models.UniqueConstraint(
                fields=["entry"],
                condition=models.Q(status="open"),
                name="waitlist_one_open_offer_per_entry",
            )
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} to {self.entry.client} ({self.status})"
