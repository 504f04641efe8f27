"""Writes for outgoing messages: schedule, cancel, send one, sweep, resend, unsubscribe.

The life of a message
---------------------
1. ``message_schedule`` inserts a ``pending`` row inside the caller's transaction
   (signing a session, booking); ``dedupe_key`` is unique, so scheduling twice
   returns the same row.
2. Every minute beat runs ``messages_sweep``: it hands rows a killed worker left in
   ``sending`` back, and when anything is due it starts ``MESSAGE_SEND_TASKS``
   ``send_due_messages`` tasks on the ``email`` queue.
3. Each of those runs ``messages_send_due``: it claims a small batch of due rows in one
   transaction (``FOR UPDATE SKIP LOCKED``, then ``pending`` → ``sending``), so several
   workers share the work and never claim the same row; it sends the batch over one
   SMTP connection, re-checking each message just before sending it and committing
   ``sent`` straight after the server's 250; and it carries on, batch after batch,
   until nothing is due (a task that runs out of its time budget leaves a successor).
   ``message_send`` does the same for one row (``send_now`` and resends), claiming it
   with a conditional UPDATE: of any number of tasks for one id, exactly one proceeds.
4. An SMTP error puts the row back to ``pending`` with a later ``due_at`` (backoff);
   after ``MESSAGE_MAX_ATTEMPTS`` it is ``failed`` until someone resends it. A row
   left in ``sending`` by a killed worker is handed back by the sweep once
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
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.mime.image import MIMEImage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import SafeMIMEMultipart
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
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
    claimed = _claim(message_id, now if now is not None else timezone.now())
    if claimed is None:
        return SKIPPED
    smtp = _Smtp()
    try:
        return _deliver(*claimed, smtp, now=now)
    except _ConnectFailed as exc:
        return exc.outcome
    finally:
        smtp.close()


class _Smtp:
    """One SMTP connection, opened on first use and reused until it fails.

    A worker sends a whole batch over one connection; after an SMTP or network error
    the connection is dropped and the next message opens a fresh one.
    """

    def __init__(self) -> None:
        self.backend: BaseEmailBackend | None = None

    def send(self, email: EmailMultiAlternatives) -> None:
        if self.backend is None:
            backend = get_connection(fail_silently=False)
            try:
                backend.open()
            except Exception as exc:
                raise _ConnectFailed(exc) from exc
            self.backend = backend
        try:
            if self.backend.send_messages([email]) != 1:
                raise smtplib.SMTPException("The e-mail backend reported nothing sent.")
        except (smtplib.SMTPException, OSError):
            self.close()  # the conversation may be in any state: start afresh next time
            raise

    def close(self) -> None:
        # Once the server has said 250 a failing QUIT changes nothing; it must not be
        # mistaken for a failed send and cause a second copy.
        backend, self.backend = self.backend, None
        if backend is None:
            return
        try:
            backend.close()
        except Exception:
            logger.warning("Closing the SMTP connection failed", exc_info=True)


class _ConnectFailed(Exception):
    """The SMTP server could not be reached (the cause is ``__cause__``).

    ``outcome`` is what was recorded for the message that found out.
    """

    outcome: str = RETRY


def _deliver(
    message: OutgoingMessage,
    attempt: MessageAttempt,
    smtp: _Smtp,
    *,
    now: datetime | None = None,
) -> str:
    """Re-check, render and send one claimed message, and record what happened."""

    def clock() -> datetime:
        return now if now is not None else timezone.now()

    try:
        read_at_send = messaging.get(message.kind).read_at_send
        client = read_at_send(message) if read_at_send is not None else None
        message.client = client if client is not None else _client_now(message)
        reason = messaging.cancel_reason(message, now=clock())
        if reason is not None:
            _record_cancelled(message, attempt, reason, clock())
            return CANCELLED
        late = messaging.too_late_reason(kind=message.kind, due_at=message.due_at, now=clock())
        if late is not None:
            _record_cancelled(message, attempt, late, clock(), skipped=True)
            return SKIPPED_LATE
        email = _build_email(message, messaging.get(message.kind).render(message))
        smtp.send(email)
    except _ConnectFailed as exc:
        exc.outcome = _record_error(message, attempt, exc.__cause__ or exc, clock())
        raise
    except Exception as exc:  # every failure is recorded; the row never stays "sending"
        return _record_error(message, attempt, exc, clock())
    # Committed before the next message and before QUIT: the duplicate window is this
    # one UPDATE.
    _record_sent(message, attempt, email.extra_headers["Message-ID"], clock())
    return SENT


def _client_now(message: OutgoingMessage) -> Client:
    """The client as they are at send time, with whether they left this kind of message.

    A batch is claimed (and its clients read) before its first message goes out; the
    e-mail address, the consent and the unsubscription are re-read just before each
    send, in one query, so a change made meanwhile is honoured. A kind with
    ``read_at_send`` reads the same columns in its own query instead (aftercare: with
    the schedule), which saves a round trip per send.
    """
    return Client.objects.annotate(
        **{
            messaging.UNSUBSCRIBED_ANNOTATION: Exists(
                Unsubscription.objects.filter(client_id=OuterRef("pk"), kind=message.kind)
            )
        }
    ).get(pk=message.client_id)


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
    email = _EmailWithInlineImages(
        subject=content.subject,
        body=content.text,
        from_email=sender.from_email,
        to=list(content.to),
        reply_to=sender.reply_to or None,
        headers={**headers, "Message-ID": message_id_for(message)},
    )
    if content.html:
        email.attach_alternative(content.html, "text/html")
        email.inline_images = list(content.inline_images)
    for filename, data, mimetype in content.attachments:
        email.attach(filename, data, mimetype)
    return email


class _EmailWithInlineImages(EmailMultiAlternatives):
    """An e-mail whose HTML part travels with its images (the clinic's logo).

    With inline images the HTML alternative becomes ``multipart/related``: the HTML,
    then each image with its ``Content-ID`` and ``Content-Disposition: inline``, so mail
    programs show it without loading anything remote. The text part and the attachments
    are as without images::

        multipart/mixed
          multipart/alternative
            text/plain
            multipart/related
              text/html
              image/png   (Content-ID: <logo.…@needlework>)
          application/pdf
    """

    inline_images: list[messaging.InlineImage]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inline_images = []

    def _create_mime_attachment(self, content: Any, mimetype: str) -> Any:
        part = super()._create_mime_attachment(content, mimetype)  # type: ignore[misc]
        if mimetype != "text/html" or not self.inline_images:
            return part
        related = SafeMIMEMultipart(
            _subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET
        )
        related.attach(part)
        for content_id, data, image_type in self.inline_images:
            subtype = image_type.partition("/")[2]
            image = MIMEImage(data, _subtype=subtype)
            image["Content-ID"] = f"<{content_id}>"
            extension = "jpg" if subtype == "jpeg" else subtype
            name = content_id.split("@")[0]
            image.add_header("Content-Disposition", "inline", filename=f"{name}.{extension}")
            related.attach(image)
        return related


def _record_sent(
    message: OutgoingMessage, attempt: MessageAttempt, smtp_message_id: str, at: datetime
) -> None:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        updated = _record_sent_in_one_statement(message, attempt, smtp_message_id, at)
    else:
        with transaction.atomic(durable=True):
            updated = OutgoingMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
                status=Status.SENT,
                sent_at=at,
                smtp_message_id=smtp_message_id,
                last_error="",
                updated_at=at,
            )
            MessageAttempt.objects.filter(pk=attempt.pk).update(
                outcome=Outcome.SENT, finished_at=at
            )
    if updated != 1:
        # Only possible if the sending timeout is shorter than this send took.
        logger.error(
            "Message %s was sent but was no longer ours to record (status changed); "
            "check MESSAGE_SENDING_TIMEOUT against CELERY_TASK_TIME_LIMIT.",
            message.pk,
        )


def _record_sent_in_one_statement(
    message: OutgoingMessage, attempt: MessageAttempt, smtp_message_id: str, at: datetime
) -> int:
    """``_record_sent`` as one autocommitted statement: one round trip instead of four.

    This is the write every sent message waits for before the next one goes out
    (BEGIN, two UPDATEs and COMMIT were a third of a send on a busy database); a
    data-modifying CTE updates both rows atomically all the same.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH attempt AS (
                UPDATE {MessageAttempt._meta.db_table}
                SET outcome = %s, finished_at = %s
                WHERE id = %s
                RETURNING id
            )
            UPDATE {OutgoingMessage._meta.db_table}
            SET status = %s, sent_at = %s, smtp_message_id = %s, last_error = '',
                updated_at = %s
            WHERE id = %s AND status = %s
            """,  # noqa: S608  (table names from the models, values as parameters)
            [
                Outcome.SENT,
                at,
                attempt.pk,
                Status.SENT,
                at,
                smtp_message_id,
                at,
                message.pk,
                Status.SENDING,
            ],
        )
        return int(cursor.rowcount)


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


# --- the sweep and the senders ------------------------------------------------------------


@dataclass(frozen=True)
class SendDue:
    """What one ``messages_send_due`` run did."""

    claimed: int  # messages claimed (each then sent, cancelled, retried, failed or released)
    sent: int
    more: bool  # stopped by its time budget while messages were still due


def messages_sweep(*, now: datetime | None = None) -> int:
    """Beat, every minute: hand back lost rows, then start the senders; how many are due.

    A row left ``sending`` for longer than ``MESSAGE_SENDING_TIMEOUT`` lost its worker:
    its open attempt is marked abandoned and it becomes ``pending`` again (``failed`` if
    that was its last attempt). If anything is due, ``MESSAGE_SEND_TASKS`` sender tasks
    are enqueued; they claim and send until nothing is due, however much that is. A
    constant number of queries, however many messages are due.
    """
    at = now if now is not None else timezone.now()
    handed_out_before = at - settings.MESSAGE_SENDING_TIMEOUT
    with transaction.atomic(durable=True):
        lost = list(
            OutgoingMessage.objects.select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked
            )
            .filter(status=Status.SENDING, claimed_at__lt=handed_out_before)
            .values_list("pk", "attempts")
        )
        lost_ids = [pk for pk, _ in lost]
        exhausted = [pk for pk, attempts in lost if attempts >= settings.MESSAGE_MAX_ATTEMPTS]
        revived = [pk for pk, attempts in lost if attempts < settings.MESSAGE_MAX_ATTEMPTS]
        if lost_ids:
            MessageAttempt.objects.filter(message_id__in=lost_ids, outcome=Outcome.SENDING).update(
                outcome=Outcome.ABANDONED, error=WORKER_LOST, finished_at=at
            )
        if exhausted:
            OutgoingMessage.objects.filter(pk__in=exhausted).update(
                status=Status.FAILED, last_error=WORKER_LOST, updated_at=at
            )
        if revived:
            OutgoingMessage.objects.filter(pk__in=revived).update(
                status=Status.PENDING, last_error=WORKER_LOST, updated_at=at
            )
    due = OutgoingMessage.objects.filter(status=Status.PENDING, due_at__lte=at).count()
    if due:
        _start_senders(min(due, settings.MESSAGE_SEND_TASKS))
    return due


def messages_send_due(
    *,
    batch_size: int = 25,
    budget_seconds: float = 60.0,
    now: Callable[[], datetime] | None = None,
) -> SendDue:
    """Claim and send due messages, batch after batch, until nothing is due.

    Run by each sender task; any number may run at once, on any number of workers:
    a batch is claimed with ``FOR UPDATE SKIP LOCKED``, so each row goes to exactly
    one of them. Each batch is sent over one SMTP connection. Once ``budget_seconds``
    have passed no new batch is claimed (``more`` says whether any was still due),
    which keeps a task well inside its time limit; a message claimed but not reached
    within ``MESSAGE_SEND_DEADLINE_SECONDS`` is released unsent, due at once.
    Must not be called inside a transaction.
    """
    clock = now or timezone.now
    started = time.monotonic()
    deadline = started + settings.MESSAGE_SEND_DEADLINE_SECONDS
    claimed = sent = 0
    while True:
        batch = _claim_batch(batch_size, clock())
        if not batch:
            return SendDue(claimed=claimed, sent=sent, more=False)
        claimed += len(batch)
        sent += _send_batch(batch, deadline=deadline, clock=clock)
        if time.monotonic() - started >= budget_seconds or time.monotonic() > deadline:
            more = OutgoingMessage.objects.filter(
                status=Status.PENDING, due_at__lte=clock()
            ).exists()
            return SendDue(claimed=claimed, sent=sent, more=more)


def _claim_batch(size: int, at: datetime) -> list[tuple[OutgoingMessage, MessageAttempt]]:
    """Up to ``size`` due rows, oldest first, now ``sending`` and ours, each with an attempt."""
    with transaction.atomic(durable=True):
        ids = list(
            OutgoingMessage.objects.select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked
            )
            .filter(status=Status.PENDING, due_at__lte=at)
            .order_by("due_at", "id")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            return []
        OutgoingMessage.objects.filter(pk__in=ids).update(
            status=Status.SENDING, claimed_at=at, attempts=F("attempts") + 1, updated_at=at
        )
        messages = list(
            OutgoingMessage.objects.select_related("clinic")  # the client: at send time
            .filter(pk__in=ids)
            .order_by("due_at", "id")
        )
        attempts = MessageAttempt.objects.bulk_create(
            [MessageAttempt(message=m, number=m.attempts, started_at=at) for m in messages]
        )
    return list(zip(messages, attempts, strict=True))


def _send_batch(
    batch: list[tuple[OutgoingMessage, MessageAttempt]],
    *,
    deadline: float,
    clock: Callable[[], datetime],
) -> int:
    """Send a claimed batch over one SMTP connection; how many were sent."""
    smtp = _Smtp()
    sent = 0
    try:
        for index, (message, attempt) in enumerate(batch):
            if time.monotonic() > deadline:
                _release(batch[index:], clock())
                break
            try:
                outcome = _deliver(message, attempt, smtp, now=clock())
            except _ConnectFailed as exc:
                # The server is unreachable: the rest of the batch waits for the retry
                # too, instead of each timing out in turn.
                for rest, rest_attempt in batch[index + 1 :]:
                    _record_error(rest, rest_attempt, exc.__cause__ or exc, clock())
                break
            sent += outcome == SENT
    finally:
        smtp.close()
    return sent


def _release(batch: list[tuple[OutgoingMessage, MessageAttempt]], at: datetime) -> None:
    """Give claimed but untried messages back, due at once, the attempt not counted."""
    ids = [message.pk for message, _ in batch]
    with transaction.atomic(durable=True):
        OutgoingMessage.objects.filter(pk__in=ids, status=Status.SENDING).update(
            status=Status.PENDING, attempts=F("attempts") - 1, updated_at=at
        )
        MessageAttempt.objects.filter(pk__in=[attempt.pk for _, attempt in batch]).delete()


def _start_senders(count: int) -> None:
    """``count`` sender tasks on the ``email`` queue (inline under eager Celery)."""
    from clinic.messaging.tasks import send_due_messages  # tasks import this module

    for _ in range(count):
        # One still queued after a minute is dropped: the next sweep starts fresh ones.
        send_due_messages.apply_async(expires=settings.MESSAGE_SEND_TASK_EXPIRES)


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
