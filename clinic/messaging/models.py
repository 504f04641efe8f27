"""Outgoing messages: every e-mail to a client is a row with a due time and a status.

Beat's sweep starts senders on the ``email`` queue; they claim due rows in batches and
send them. See ``clinic/messaging/services.py`` for the life of a row and
``docs/decisions/0003`` and ``0015`` for why.
"""

from __future__ import annotations

from django.db import models

from clinic.models import Client, Clinic
from common.models import TimeStampedModel


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"
    #: Its moment passed before it could go (the kind's ``max_lateness``, decision 0013).
    SKIPPED = "skipped", "Skipped (too late)"


class MessageChannel(models.TextChoices):
    EMAIL = "email", "E-mail"


class AttemptOutcome(models.TextChoices):
    SENDING = "sending", "In progress"
    SENT = "sent", "Sent"
    RETRY = "retry", "Error, will retry"
    FAILED = "failed", "Error, gave up"
    CANCELLED = "cancelled", "Cancelled at send time"
    SKIPPED = "skipped", "Skipped at send time (too late)"
    ABANDONED = "abandoned", "Worker lost"


class OutgoingMessage(TimeStampedModel):
    """One e-mail to one client, sent at most once in the database's view.

    ``pending`` → ``sending`` (claimed by one worker) → ``sent`` | ``cancelled`` |
    ``skipped`` | ``failed`` (a message already too late when it is created is
    ``skipped`` at once); a failed attempt with retries left goes back to ``pending`` with a later
    ``due_at``, and a row left in ``sending`` by a killed worker is handed out again
    by the sweep after ``MESSAGE_SENDING_TIMEOUT``.
    """

    Status = MessageStatus
    Channel = MessageChannel

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="outgoing_messages")
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="outgoing_messages")
    kind = models.CharField(max_length=64, help_text="A registered message kind.")
    channel = models.CharField(
        max_length=16, choices=MessageChannel.choices, default=MessageChannel.EMAIL
    )
    dedupe_key = models.CharField(
        max_length=200,
        help_text="Names the message so it can never be created twice, "
        "e.g. aftercare:session:42:day3.",
    )
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    context = models.JSONField(
        default=dict, blank=True, help_text="Ids and small values the renderer needs."
    )
    # Plain ids: the booking and treatment models link these when they exist.
    appointment_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    session_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the sweep last handed it to the broker; it is not handed out "
        "again before MESSAGE_SENDING_TIMEOUT has passed.",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    smtp_message_id = models.CharField("Message-ID", max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    cancelled_reason = models.CharField(
        max_length=255, blank=True, help_text="Why it was cancelled or skipped."
    )

    class Meta:
        # Created by the aftercare app before messaging had a package of its own
        # (docs/decisions/0007): the table keeps its name.
        db_table = "aftercare_outgoingmessage"
        ordering = ["-due_at", "-id"]
        constraints = [
            # The never-twice constraint: one row per message, whoever schedules it.
            models.UniqueConstraint(fields=["dedupe_key"], name="outgoing_message_dedupe_key"),
            models.CheckConstraint(
                condition=models.Q(status__in=MessageStatus.values),
                name="outgoing_message_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=MessageChannel.values),
                name="outgoing_message_channel_valid",
            ),
            # "Sent" and "has a send time" are the same fact: a row that went out can
            # never look pending again, so the claim is also the "already sent?" check.
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False)
                | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                name="outgoing_message_sent_iff_sent_at",
            ),
        ]
        indexes = [
            # messages_sweep: WHERE status = 'pending' AND due_at <= now
            # [AND enqueued_at is old] ORDER BY due_at LIMIT batch FOR UPDATE SKIP LOCKED.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status="pending"),
                name="outmsg_pending_due",
            ),
            # messages_sweep, second arm of the OR: rows a killed worker left behind,
            # WHERE status = 'sending' AND claimed_at < now - MESSAGE_SENDING_TIMEOUT.
            models.Index(
                fields=["claimed_at"],
                condition=models.Q(status="sending"),
                name="outmsg_sending_claimed",
            ),
            # message_list: the clinic's outbox, newest due first (?status=, ?kind= filter it).
            models.Index(fields=["clinic", "-due_at"], name="outmsg_clinic_due"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to client {self.client_id}, due {self.due_at:%Y-%m-%d %H:%M}"


class MessageAttempt(models.Model):
    """One try at delivering a message: claimed, then sent, retried, failed or cancelled.

    The row is written when the worker claims the message, so an attempt whose worker
    died stays visible (the sweep marks it ``abandoned`` when it reclaims the message).
    """

    Outcome = AttemptOutcome

    message = models.ForeignKey(
        OutgoingMessage, on_delete=models.CASCADE, related_name="delivery_attempts"
    )
    number = models.PositiveSmallIntegerField(help_text="1 for the first attempt.")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=16, choices=AttemptOutcome.choices, default=AttemptOutcome.SENDING
    )
    error = models.TextField(blank=True)

    class Meta:
        # Created by the aftercare app before messaging had a package of its own
        # (docs/decisions/0007): the table keeps its name.
        db_table = "aftercare_messageattempt"
        ordering = ["message", "started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=AttemptOutcome.values),
                name="message_attempt_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of message {self.message_id}: {self.outcome}"


class Unsubscription(models.Model):
    """A client does not want optional messages of one kind any more."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="unsubscriptions")
    kind = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        # Created by the aftercare app before messaging had a package of its own
        # (docs/decisions/0007): the table keeps its name.
        db_table = "aftercare_unsubscription"
        ordering = ["client", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["client", "kind"], name="unsubscription_client_kind"),
        ]

    def __str__(self) -> str:
        return f"client {self.client_id} unsubscribed from {self.kind}"
