"""Writes for outgoing messages: schedule, cancel, send one, sweep, resend, unsubscribe.

The life of a message
---------------------
1. ``message_schedule`` inserts a ``pending`` row inside the caller's transaction
   (signing a session, booking); ``dedupe_key`` is unique, so scheduling twice
   returns the same row.
2. Every minute beat runs ``messages_sweep``: it locks a batch of due rows
   (``FOR UPDATE SKIP LOCKED``), notes when it handed them out, commits, and
   enqueues one ``send_message`` task per id on the ``email`` queue.
3. ``message_send`` claims the row with a conditional UPDATE (``pending`` and due →
   ``sending``): of any number of tasks for one id, exactly one proceeds. It re-checks
   that the message is still wanted, renders it, hands it to the SMTP server and
   records ``sent`` in a short transaction of its own.
4. An SMTP error puts the row back to ``pending`` with a later ``due_at`` (backoff);
   after ``MESSAGE_MAX_ATTEMPTS`` it is ``failed`` until someone resends it. A row
   left in ``sending`` by a killed worker is handed out again by the sweep once
   ``MESSAGE_SENDING_TIMEOUT`` has passed.

The one duplicate window
------------------------
The SMTP server has accepted the message (250 after DATA) but the commit of ``sent``
is lost (the worker is killed, the database is unreachable). Nothing can tell that row
from one whose worker died before sending, so it is sent again after the timeout. The
window is kept to one local UPDATE: ``sent`` is committed straight after the 250,
before QUIT; and the Message-ID is derived from ``dedupe_key``, so both copies carry
the same Message-ID and a receiving server may drop the second.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import smtplib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from clinic.messaging import kinds as messaging
from clinic.messaging.models import MessageAttempt, OutgoingMessage, Unsubscription
from clinic.models import Client, Clinic, User
from clinic.sender import sender_for
from common.audit import audit_record
from common.errors import ApplicationError, Conflict

logger = logging.getLogger(__name__)

Status = OutgoingMessage.Status
Outcome = MessageAttempt.Outcome

# What message_send reports (and the send task returns).
SENT = "sent"
CANCELLED = "cancelled"
RETRY = "retry"
FAILED = "failed"
SKIPPED = "skipped"  # someone else had it, or it was not (or no longer) pending and due
SKIPPED_LATE = "too_late"  # its kind's lateness had passed: recorded as skipped

WORKER_LOST = "The worker stopped while sending; it may or may not have gone out."
MAX_ERROR_LENGTH = 2000


# --- scheduling and cancelling (inside the caller's transaction) ---------------------


def message_schedule(
    *,
    clinic: Clinic,
    client: Client,
    kind: str,
    due_at: datetime,
    dedupe_key: str,
    context: dict[str, Any],
    appointment_id: int | None = None,
    session_id: int | None = None,
    send_now: bool = False,
) -> OutgoingMessage:
    """The message named ``dedupe_key``: created ``pending`` now, or the existing row.

    Call it inside the transaction that makes the message necessary, so the message
    exists exactly when that change does. ``context`` holds JSON values only (ids,
    strings, numbers): the renderer loads what it needs when it sends. A message that
    is already too late for its kind is created ``skipped``, with the reason.
    ``send_now`` also enqueues the send once the transaction commits; if the broker is
    down then, the sweep sends it within a minute of the broker's return.
    """
    messaging.get(kind)  # an unknown kind fails here, not hours later in a worker
    if client.clinic_id != clinic.pk:
        raise ValueError("The client belongs to another clinic.")
    if timezone.is_naive(due_at):
        raise ValueError("due_at must be timezone-aware.")
    if not dedupe_key:
        raise ValueError("A dedupe_key is required.")
    try:
        json.dumps(context, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"context must hold JSON values (ids, not objects): {exc}") from None

    # Already past its kind's lateness (a session signed long after it ended): kept as
    # skipped with the reason, so the staff see why it never went out.
    late = messaging.too_late_reason(kind=kind, due_at=due_at, now=timezone.now())
    message, created = OutgoingMessage.objects.get_or_create(
        dedupe_key=dedupe_key,
        defaults={
            "clinic": clinic,
            "client": client,
            "kind": kind,
            "due_at": due_at,
            "context": context,
            "appointment_id": appointment_id,
            "session_id": session_id,
            "status": Status.SKIPPED if late else Status.PENDING,
            "cancelled_reason": (late or "")[:255],
        },
    )
    if not created and (message.client_id != client.pk or message.kind != kind):
        raise ValueError(
            f"dedupe_key {dedupe_key!r} already names a {message.kind} message to "
            f"client {message.client_id}; build keys from the kind and the object's id."
        )
    if send_now and message.status == Status.PENDING:
        # robust: a broker that is down must not undo the caller's commit.
        # (A named callable: Django's robust on_commit logs the callback's __qualname__.)
        message_ids = [message.pk]
        transaction.on_commit(lambda: _dispatch(message_ids), robust=True)
    return message


def messages_cancel(
    *, appointment_id: int | None = None, session_id: int | None = None, reason: str
) -> int:
    """Cancel the pending messages of an appointment or session; how many were cancelled.

    Call it in the transaction that cancels the appointment or session. A message a
    worker has already claimed is not touched here: its send-time re-check asks the
    kind's ``still_wanted``, which sees the cancellation once it is committed.
    """
    if appointment_id is None and session_id is None:
        raise ValueError("Name an appointment_id or a session_id.")
    which = Q()
    if appointment_id is not None:
        which |= Q(appointment_id=appointment_id)
    if session_id is not None:
        which |= Q(session_id=session_id)
    return OutgoingMessage.objects.filter(which, status=Status.PENDING).update(
        status=Status.CANCELLED, cancelled_reason=reason[:255], updated_at=timezone.now()
    )


# --- sending one message ---------------------------------------------------------------


def message_send(*, message_id: int, now: datetime | None = None) -> str:
    """Send one message if it is pending and due; return what happened.

    Several short transactions, never one around the SMTP conversation: claim (and
    open an attempt), then send, then record the outcome. Must not be called inside
    a transaction (the claim is ``durable``).
    """

    def clock() -> datetime:
        return now if now is not None else timezone.now()

    claimed = _claim(message_id, clock())
    if claimed is None:
        return SKIPPED
    message, attempt = claimed

    smtp: BaseEmailBackend | None = None
    email: EmailMultiAlternatives | None = None
    late: str | None = None
    try:
        reason = messaging.cancel_reason(message, now=clock())
        if reason is None:
            late = messaging.too_late_reason(kind=message.kind, due_at=message.due_at, now=clock())
        if reason is None and late is None:
            email = _build_email(message, messaging.get(message.kind).render(message))
            smtp = get_connection(fail_silently=False)
            smtp.open()
            if smtp.send_messages([email]) != 1:
                raise smtplib.SMTPException("The e-mail backend reported nothing sent.")
    except Exception as exc:  # every failure is recorded; the row never stays "sending"
        _close_quietly(smtp)
        return _record_error(message, attempt, exc, clock())

    if reason is not None:
        _record_cancelled(message, attempt, reason, clock())
        return CANCELLED
    if late is not None:
        _record_cancelled(message, attempt, late, clock(), skipped=True)
        return SKIPPED_LATE
    assert email is not None
    try:
        # Committed before QUIT: the duplicate window is this one UPDATE.
        _record_sent(message, attempt, email.extra_headers["Message-ID"], clock())
    finally:
        _close_quietly(smtp)
    return SENT


def message_id_for(message: OutgoingMessage) -> str:
    """A Message-ID derived from the dedupe key and the clinic's domain.

    The same message always gets the same Message-ID, so a copy sent again after a
    lost commit can be recognised as a duplicate by the receiving server.
    """
    domain = message.clinic.email.rpartition("@")[2].strip().lower()
    if not domain:
        domain = settings.SITE_DOMAIN.split(":")[0] or "needlework.invalid"
    readable = re.sub(r"[^A-Za-z0-9]+", ".", message.dedupe_key).strip(".")[:64].strip(".")
    digest = hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:16]
    return f"<{readable}.{digest}@{domain}>" if readable else f"<{digest}@{domain}>"


def _claim(message_id: int, at: datetime) -> tuple[OutgoingMessage, MessageAttempt] | None:
    with transaction.atomic(durable=True):
        claimed = OutgoingMessage.objects.filter(
            pk=message_id, status=Status.PENDING, due_at__lte=at
        ).update(status=Status.SENDING, claimed_at=at, attempts=F("attempts") + 1, updated_at=at)
        if claimed != 1:
            return None  # sent, cancelled, not due yet, or another worker has it
        message = OutgoingMessage.objects.select_related("client", "clinic").get(pk=message_id)
        attempt = MessageAttempt.objects.create(
            message=message, number=message.attempts, started_at=at
        )
    return message, attempt


def _build_email(
    message: OutgoingMessage, content: messaging.EmailContent
) -> EmailMultiAlternatives:
    if not content.to:
        raise ValueError(f"The {message.kind} renderer gave no recipient.")
    # Ours replaces the renderer's: the Message-ID is what makes a second copy detectable.
    headers = {k: v for k, v in content.headers.items() if k.lower() != "message-id"}
    sender = sender_for(message.clinic)
    email = EmailMultiAlternatives(
        subject=content.subject,
        body=content.text,
        from_email=sender.from_email,
        to=list(content.to),
        reply_to=sender.reply_to or None,
        headers={**headers, "Message-ID": message_id_for(message)},
    )
    if content.html:
        email.attach_alternative(content.html, "text/html")
    for filename, data, mimetype in content.attachments:
        email.attach(filename, data, mimetype)
    return email


def _close_quietly(smtp: BaseEmailBackend | None) -> None:
    # Once the server has said 250 a failing QUIT changes nothing; it must not be
    # mistaken for a failed send and cause a second copy.
    if smtp is None:
        return
    try:
        smtp.close()
    except Exception:
        logger.warning("Closing the SMTP connection failed", exc_info=True)


def _record_sent(
    message: OutgoingMessage, attempt: MessageAttempt, smtp_message_id: str, at: datetime
) -> None:
    with transaction.atomic(durable=True):
        updated = OutgoingMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.SENT,
            sent_at=at,
            smtp_message_id=smtp_message_id,
            last_error="",
            updated_at=at,
        )
        MessageAttempt.objects.filter(pk=attempt.pk).update(outcome=Outcome.SENT, finished_at=at)
    if updated != 1:
        # Only possible if the sending timeout is shorter than this send took.
        logger.error(
            "Message %s was sent but was no longer ours to record (status changed); "
            "check MESSAGE_SENDING_TIMEOUT against CELERY_TASK_TIME_LIMIT.",
            message.pk,
        )


def _record_cancelled(
    message: OutgoingMessage,
    attempt: MessageAttempt,
    reason: str,
    at: datetime,
    *,
    skipped: bool = False,
) -> None:
    """The message is not sent: no longer wanted (cancelled) or too late (skipped)."""
    status, outcome = (
        (Status.SKIPPED, Outcome.SKIPPED) if skipped else (Status.CANCELLED, Outcome.CANCELLED)
    )
    with transaction.atomic(durable=True):
        OutgoingMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=status, cancelled_reason=reason[:255], updated_at=at
        )
        MessageAttempt.objects.filter(pk=attempt.pk).update(
            outcome=outcome, error=reason, finished_at=at
        )


def _record_error(
    message: OutgoingMessage, attempt: MessageAttempt, exc: BaseException, at: datetime
) -> str:
    error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
    if isinstance(exc, smtplib.SMTPException | OSError):
        logger.warning("Sending message %s failed: %s", message.pk, error)
    else:  # a renderer or data problem: the traceback is what someone will need
        logger.error("Sending message %s failed", message.pk, exc_info=exc)
    give_up = _is_permanent(exc) or message.attempts >= settings.MESSAGE_MAX_ATTEMPTS
    if give_up:
        changes: dict[str, Any] = {"status": Status.FAILED}
    else:
        changes = {
            "status": Status.PENDING,
            "due_at": at + retry_backoff(message.attempts),
            "enqueued_at": None,
        }
    with transaction.atomic(durable=True):
        OutgoingMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
            **changes, last_error=error, updated_at=at
        )
        MessageAttempt.objects.filter(pk=attempt.pk).update(
            outcome=Outcome.FAILED if give_up else Outcome.RETRY, error=error, finished_at=at
        )
    return FAILED if give_up else RETRY


def retry_backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt (1, 5, 15, 60 minutes…)."""
    steps = settings.MESSAGE_RETRY_BACKOFF_MINUTES
    return timedelta(minutes=steps[min(max(attempts, 1), len(steps)) - 1])


def _is_permanent(exc: BaseException) -> bool:
    """The server refused this message for good (5xx for the recipient or the content).

    Sender, authentication and connection problems are the operator's to fix and are
    retried, so the messages survive a short misconfiguration.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPDataError):
        return 500 <= exc.smtp_code < 600
    return False


# --- the sweep ------------------------------------------------------------------------


def messages_sweep(*, now: datetime | None = None, batch_size: int = 100) -> int:
    """Hand out up to ``batch_size`` due messages; return how many were handed out.

    Due means ``pending`` with ``due_at`` reached and not handed out within the last
    ``MESSAGE_SENDING_TIMEOUT``, or ``sending`` for longer than that (its worker was
    lost). A constant number of queries, however many messages are due.
    """
    at = now if now is not None else timezone.now()
    handed_out_before = at - settings.MESSAGE_SENDING_TIMEOUT
    due = Q(status=Status.PENDING, due_at__lte=at) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=handed_out_before)
    )
    abandoned = Q(status=Status.SENDING, claimed_at__lt=handed_out_before)
    with transaction.atomic(durable=True):
        rows = list(
            OutgoingMessage.objects.select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked
            )
            .filter(due | abandoned)
            .order_by("due_at", "id")
            .values_list("pk", "status", "attempts")[:batch_size]
        )
        lost = [pk for pk, status, _ in rows if status == Status.SENDING]
        exhausted = {
            pk
            for pk, status, attempts in rows
            if status == Status.SENDING and attempts >= settings.MESSAGE_MAX_ATTEMPTS
        }
        revived = [pk for pk in lost if pk not in exhausted]
        to_send = [pk for pk, _, _ in rows if pk not in exhausted]
        if lost:
            MessageAttempt.objects.filter(message_id__in=lost, outcome=Outcome.SENDING).update(
                outcome=Outcome.ABANDONED, error=WORKER_LOST, finished_at=at
            )
        if exhausted:
            OutgoingMessage.objects.filter(pk__in=exhausted).update(
                status=Status.FAILED, last_error=WORKER_LOST, updated_at=at
            )
        if revived:
            OutgoingMessage.objects.filter(pk__in=revived).update(
                status=Status.PENDING, last_error=WORKER_LOST
            )
        if to_send:
            OutgoingMessage.objects.filter(pk__in=to_send).update(enqueued_at=at, updated_at=at)
    _dispatch(to_send)
    return len(to_send)


def _dispatch(message_ids: list[int]) -> None:
    """One ``send_message`` task per id (pass ids, never rows).

    Under ``CELERY_TASK_ALWAYS_EAGER`` (tests, scripts) Celery runs each one inline.
    """
    from clinic.messaging.tasks import send_message  # tasks import this module

    for message_id in message_ids:
        send_message.delay(message_id)


# --- people acting ---------------------------------------------------------------------


@transaction.atomic(durable=True)
def message_resend(*, message: OutgoingMessage, actor: User) -> OutgoingMessage:
    """Give a failed message a fresh set of attempts, due now. Audited."""
    at = timezone.now()
    locked = (
        OutgoingMessage.objects.select_for_update(of=("self",))
        .select_related("client", "clinic")
        .get(pk=message.pk)
    )
    if locked.status != Status.FAILED:
        raise Conflict(
            f"Only a failed message can be sent again; this one is {locked.status}.",
            code="message_not_failed",
        )
    locked.status = Status.PENDING
    locked.due_at = at
    locked.attempts = 0
    locked.enqueued_at = None
    locked.claimed_at = None
    locked.save(
        update_fields=["status", "due_at", "attempts", "enqueued_at", "claimed_at", "updated_at"]
    )
    audit_record(
        actor=actor,
        action="update",
        object_type="outgoing_message",
        object_id=locked.pk,
        clinic_id=locked.clinic_id,
        client_id=locked.client_id,
        detail={"change": "resend", "kind": locked.kind},
    )
    message_ids = [locked.pk]
    transaction.on_commit(lambda: _dispatch(message_ids), robust=True)
    return locked


@transaction.atomic
def client_unsubscribe(*, client: Client, kind: str, actor: User | None = None) -> Unsubscription:
    """The client wants no more optional messages of ``kind``; pending ones are cancelled.

    Idempotent. ``actor`` is the staff member acting for the client, or None when the
    client used the link in an e-mail.
    """
    try:
        message_kind = messaging.get(kind)
    except LookupError:
        raise ApplicationError(
            "There is no such kind of message.", code="unknown_message_kind"
        ) from None
    if not message_kind.optional:
        raise ApplicationError(
            f"{message_kind.label or kind} messages are part of the client's care and "
            "cannot be unsubscribed from; withdraw e-mail consent instead.",
            code="message_kind_not_optional",
        )
    unsubscription, created = Unsubscription.objects.get_or_create(client=client, kind=kind)
    if created:
        cancelled = OutgoingMessage.objects.filter(
            client=client, kind=kind, status=Status.PENDING
        ).update(
            status=Status.CANCELLED,
            cancelled_reason=f"The client unsubscribed from {message_kind.label or kind}.",
            updated_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="update",
            object_type="unsubscription",
            object_id=unsubscription.pk,
            clinic_id=client.clinic_id,
            client_id=client.pk,
            detail={"kind": kind, "cancelled_messages": cancelled},
            channel=None if actor is not None else "link",
        )
    return unsubscription
